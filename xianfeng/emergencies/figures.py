"""应急处置 in the reports (issue 13 §6): what the committee's crisis mode counted.

``emergency_figures(flt, reach)`` counts within the reader's reach (reports/reach.py), each kind
of row only over the reach items whose role opens its area (partylife/figures.area_reach):
emergencies and their groups, meetings, teams and reports ``emergencies.view``; 请战书
``pledges.view``; front-line applications ``members.view``; pairings ``programs.view``.

The 口径 (printed beside each figure, emergencies/reports_family.py):

- The emergencies counted: those led by an organization of the filter's subtree or above it (a
  branch's figures show the committee's emergency, as its members read it), within the reach
  (an organization grant also reaches the emergencies of the organizations above it, as
  ``scoped()`` shows them), active at any time in the period (started on or before its last day,
  not ended before its first). Region, team, service type, category and program filters do not
  apply.
- Rows of a person keep to the filter's subtree and the reach by the person's branch: a
  branch's figures count its own members' 请战书 and applications to the committee's emergency.
- Dated facts count when dated in the period: 请战书 (written on; withdrawn ones are not
  counted), leadership meetings (held on; voided ones not counted), front-line applications
  (the 申请 step's date). The standing structure counts as it is: working groups, commando teams
  (EmergencyTeam, purpose 党员突击队) and their distinct members (anyone who was ever on such a
  team), outbound teams.
- Families paired: live pairing enrollments (program "pairing") of staff families
  (``data.kind == "family_of_staff"``, as the one-click pairing of a medical team's families
  makes them) of the emergency's organization subtree, enrolled between the emergency's start and
  its end (or today) and within the period.
- The daily report: for each emergency, its latest live report dated on or before the period's
  last day; the cumulative counts are summed over the emergencies, field by field.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.scoping import _spec
from xianfeng.members.models import Member
from xianfeng.partylife.figures import area_reach, in_subtree, restrict_viewable
from xianfeng.programs.models import Enrollment
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.reach import restrict
from xianfeng.teams.models import TeamMembership

from .models import (
    DEFAULT_REPORT_FIELDS,
    DailyReport,
    Emergency,
    EmergencyTeam,
    FrontLineApplication,
    LeadershipMeeting,
    Pledge,
    WorkingGroup,
)

PAIRING = "pairing"
STAFF_FAMILY = "family_of_staff"
COUNT_KEYS = (
    "emergencies",
    "pledges",
    "commando_teams",
    "commando_members",
    "outbound_teams",
    "working_groups",
    "leadership_meetings",
    "applications",
    "families_paired",
)


def emergency_rows(flt: ReportFilter, reach: list) -> QuerySet:
    qs = restrict_viewable(Emergency.objects.all(), area_reach(reach, "emergencies.view"))
    return in_subtree(qs, flt, above=True).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=flt.start), start_on__lte=flt.end
    )


def _of(model, flt, reach, permission: str) -> QuerySet:
    """Rows of ``model`` within the reach of ``permission``, of the counted emergencies."""
    emergencies = emergency_rows(flt, reach).values("pk")
    rows = restrict_viewable(model.objects.all(), area_reach(reach, permission)).filter(emergency__in=emergencies)
    # Rows of their own organization (a 请战书's writer's branch, an applicant's) keep to the
    # filter's subtree; the emergency's own structure is the emergency's.
    return in_subtree(rows, flt) if not _spec(model).org_path.startswith("emergency__") else rows


def pledge_rows(flt, reach) -> QuerySet:
    return (
        _of(Pledge, flt, reach, "pledges.view")
        .filter(written_on__gte=flt.start, written_on__lte=flt.end)
        .exclude(status=Pledge.Status.WITHDRAWN)
    )


def team_rows(flt, reach, purpose: str) -> QuerySet:
    return _of(EmergencyTeam, flt, reach, "emergencies.view").filter(purpose=purpose)


def commando_member_rows(flt, reach) -> QuerySet:
    teams = team_rows(flt, reach, EmergencyTeam.Purpose.COMMANDO).values("team_id")
    ids = TeamMembership.objects.filter(team_id__in=teams, member__isnull=False).values("member_id")
    return Member.objects.filter(pk__in=ids)


def group_rows(flt, reach) -> QuerySet:
    return _of(WorkingGroup, flt, reach, "emergencies.view")


def leadership_rows(flt, reach) -> QuerySet:
    return _of(LeadershipMeeting, flt, reach, "emergencies.view").filter(
        voided_at=None, held_on__gte=flt.start, held_on__lte=flt.end
    )


def application_rows(flt, reach) -> QuerySet:
    return _of(FrontLineApplication, flt, reach, "members.view").filter(
        step__on_date__gte=flt.start, step__on_date__lte=flt.end
    )


def pairing_rows(flt, reach, *, today: datetime.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    pairings = restrict(Enrollment.objects.all(), area_reach(reach, "programs.view")).filter(
        voided_at=None,
        program=PAIRING,
        data__kind=STAFF_FAMILY,
        enrolled_on__gte=flt.start,
        enrolled_on__lte=flt.end,
    )
    during = Q(pk__in=[])
    for org_path, start_on, end_on in emergency_rows(flt, reach).values_list("org__path", "start_on", "end_on"):
        during |= Q(org__path__startswith=org_path, enrolled_on__gte=start_on, enrolled_on__lte=end_on or today)
    return in_subtree(pairings, flt).filter(during)


def figure_rows(flt: ReportFilter, reach: list, key: str, *, today=None) -> QuerySet:
    """The rows a count figure counts (KeyError for another key)."""
    if key == "emergencies":
        return emergency_rows(flt, reach)
    if key == "pledges":
        return pledge_rows(flt, reach)
    if key == "commando_teams":
        return team_rows(flt, reach, EmergencyTeam.Purpose.COMMANDO)
    if key == "outbound_teams":
        return team_rows(flt, reach, EmergencyTeam.Purpose.OUTBOUND)
    if key == "commando_members":
        return commando_member_rows(flt, reach)
    if key == "working_groups":
        return group_rows(flt, reach)
    if key == "leadership_meetings":
        return leadership_rows(flt, reach)
    if key == "applications":
        return application_rows(flt, reach)
    if key == "families_paired":
        return pairing_rows(flt, reach, today=today)
    raise KeyError(key)


def latest_reports(flt, reach) -> list[DailyReport]:
    """Each counted emergency's latest live report dated on or before the period's last day."""
    reports = (
        _of(DailyReport, flt, reach, "emergencies.view")
        .filter(voided_at=None, day__lte=flt.end)
        .select_related("emergency")
        .order_by("emergency_id", "-day", "-id")
    )
    latest: dict[int, DailyReport] = {}
    for report in reports:
        latest.setdefault(report.emergency_id, report)
    return list(latest.values())


def _count(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def emergency_figures(flt: ReportFilter, reach: list, *, today: datetime.date | None = None) -> dict:
    """应急处置 of ``flt`` within ``reach`` (see the module's docstring for the 口径)."""
    result = {key: figure_rows(flt, reach, key, today=today).count() for key in COUNT_KEYS}
    latest = latest_reports(flt, reach)
    codes = [code for code, _label in DEFAULT_REPORT_FIELDS]
    totals: dict[str, int] = {}
    for report in latest:
        for code, value in (report.counts or {}).items():
            if code not in codes:
                codes.append(code)
            totals[code] = totals.get(code, 0) + _count(value)
    result["latest_counts"] = {code: totals[code] for code in codes if code in totals}
    result["latest_reports"] = [
        {
            "emergency": report.emergency_id,
            "name": report.emergency.name,
            "day": report.day.isoformat(),
            "counts": {code: _count(value) for code, value in (report.counts or {}).items()},
        }
        for report in sorted(latest, key=lambda r: (r.emergency.start_on, r.emergency_id))
    ]
    last_day = max((r.day for r in latest), default=None)
    result["latest_report_day"] = last_day.isoformat() if last_day else None
    for code in ("confirmed", "screened"):
        result[f"latest_{code}"] = totals.get(code) if latest else None
    result["visible"] = bool(area_reach(reach, "emergencies.view"))
    return result


def has_data(figures: dict) -> bool:
    return bool(figures.get("visible") and figures.get("emergencies"))

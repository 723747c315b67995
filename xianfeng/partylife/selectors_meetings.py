"""Reads of the 三会一课, attendance and the compliance calendar. Every read starts from
``scoped()`` (DESIGN.md §4.2); the organizations a user may hold meetings in come from the same
grants (``members.selectors.orgs_for``)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.accounts.scoping import ancestor_paths as _ancestor_paths
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.members.selectors import orgs_for
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.models import Activity

from . import compliance
from .compliance import BRANCH_KINDS, RuleRow
from .models import Attendance, ComplianceRule, Meeting, MeetingFile, MeetingKind

PARTY_STAGES = (Stage.PROBATIONARY, Stage.FULL)
MEETING_ORG_KINDS = (*BRANCH_KINDS, Organization.Kind.GROUP)
MAX_BRANCHES = 200  # the overview of a committee: far more than a hospital has


def meeting_orgs(user, action: str = CHANGE) -> QuerySet:
    """Branch-like organizations and 党小组 where ``user`` holds "partylife.<action>" (not dissolved)."""
    return (
        orgs_for(user, f"partylife.{action}")
        .filter(kind__in=MEETING_ORG_KINDS, active_to__isnull=True)
        .order_by("path")
    )


def calendar_branches(user) -> QuerySet:
    """The branch-like organizations whose calendar ``user`` may read."""
    return orgs_for(user, "partylife.view").filter(kind__in=BRANCH_KINDS).order_by("path")


def branch_of(org: Organization) -> Organization:
    """The branch a meeting's organization belongs to: itself, or a 党小组's parent."""
    if org.kind == Organization.Kind.GROUP and org.parent_id:
        return org.parent
    return org


def meeting_list(*, user, include_voided: bool = False) -> QuerySet:
    meetings = scoped(user, Meeting).select_related("org", "host", "recorder")
    if not include_voided:
        meetings = meetings.filter(voided_at__isnull=True)
    return meetings


@dataclass
class MeetingFilters:
    q: str = ""
    kind: str = ""
    org: int | None = None
    year: int | None = None
    validity: str = ""  # "valid" / "invalid" / ""
    voided: bool = False


def filtered_meetings(user, filters: MeetingFilters) -> QuerySet:
    meetings = meeting_list(user=user, include_voided=filters.voided)
    if filters.kind:
        meetings = meetings.filter(kind=filters.kind)
    if filters.org:
        # A branch's list includes its 党小组's meetings.
        org = scoped(user, Organization).filter(pk=filters.org).first()
        meetings = meetings.filter(org__path__startswith=org.path) if org else meetings.none()
    if filters.year:
        meetings = meetings.filter(held_on__year=filters.year)
    if filters.validity == "valid":
        meetings = meetings.filter(is_valid=True)
    elif filters.validity == "invalid":
        meetings = meetings.filter(is_valid=False)
    if filters.q:
        text = filters.q.strip()
        meetings = meetings.filter(
            Q(title__icontains=text)
            | Q(topics__icontains=text)
            | Q(place__icontains=text)
            | Q(host__name=text)
            | Q(invalid_note__icontains=text)
        )
    return meetings.order_by("-held_on", "-id")


def attendance_of(user, meeting: Meeting) -> list[Attendance]:
    return list(
        scoped(user, Attendance)
        .filter(meeting=meeting)
        .select_related("member")
        .order_by("member__branch__path", "member__name_initials", "id")
    )


def meeting_files(user, meeting: Meeting) -> list[MeetingFile]:
    """The meeting's attachments the user may see (photos first, then documents, oldest first)."""
    files = scoped(user, MeetingFile).filter(meeting=meeting).select_related("uploaded_by").order_by("id")
    return sorted(files, key=lambda f: not f.content_type.startswith("image/"))


def meeting_file_history(meeting: Meeting) -> Q:
    """The ChangeLog rows of the meeting's attachments (added or removed), for its page's history."""
    label = MeetingFile._meta.label
    return Q(model=label, after__meeting=meeting.pk) | Q(model=label, before__meeting=meeting.pk)


def roll(user, org: Organization, action: str = VIEW) -> QuerySet:
    """Who is expected at a meeting of ``org``: the party members (预备 and 正式) of the
    organization and the ones below it (a branch's roll includes its 党小组)."""
    return (
        scoped(user, Member, action)
        .filter(branch__path__startswith=org.path, party_stage__in=PARTY_STAGES)
        .select_related("branch")
        .order_by("branch__path", "name_initials", "id")
    )


def branch_people(user, org: Organization) -> QuerySet:
    """Who may host or take the minutes: the members of the meeting's branch (and its 党小组)."""
    branch = branch_of(org)
    return scoped(user, Member).filter(branch__path__startswith=branch.path).order_by("name_initials", "id")


def theme_day_activities(user, org: Organization) -> QuerySet:
    """Live activities of the branch (and its 党小组) the user may link to a 主题党日, not linked yet."""
    branch = branch_of(org)
    return (
        scoped(user, Activity)
        .filter(org__path__startswith=branch.path, voided_at__isnull=True, party_meeting__isnull=True)
        .order_by("-start_at")
    )


# --- the compliance calendar ---------------------------------------------------------------


def rules_for(user, branch: Organization) -> list[RuleRow]:
    """The local rules of the branch and the organizations above it (visible through the
    rule's org_ancestors_view)."""
    paths = [*_ancestor_paths(branch.path), branch.path]
    rows = scoped(user, ComplianceRule).filter(org__path__in=paths).select_related("org")
    return [_rule_row(rule) for rule in rows]


def _rule_row(rule: ComplianceRule) -> RuleRow:
    return RuleRow(
        kind=rule.kind,
        period=rule.period,
        min_count=rule.min_count,
        start_on=rule.start_on,
        end_on=rule.end_on,
        depth=rule.org.depth,
        note=rule.note or str(rule.org),
        pk=rule.pk,
    )


def _counted_meetings(user, branches: list[Organization], year: int) -> QuerySet:
    """The live, valid meetings of ``year`` held by the branches or by their 党小组."""
    held_by = Q(org__in=branches) | Q(
        kind=MeetingKind.GROUP, org__kind=Organization.Kind.GROUP, org__parent__in=branches
    )
    return scoped(user, Meeting).filter(held_by, voided_at__isnull=True, is_valid=True, held_on__year=year)


def branch_calendar(user, branch: Organization, year: int, today: datetime.date) -> compliance.Calendar:
    held = defaultdict(list)
    for kind, day in _counted_meetings(user, [branch], year).values_list("kind", "held_on"):
        held[kind].append(day)
    return compliance.branch_calendar(
        year=year,
        today=today,
        held=held,
        rules=rules_for(user, branch),
        active_from=branch.active_from,
        active_to=branch.active_to,
    )


def branches_overview(user, year: int, today: datetime.date, branches=None) -> list[tuple]:
    """[(branch, calendar)] for the branches the user may read (or ``branches``), in three queries."""
    branches = list(branches if branches is not None else calendar_branches(user)[:MAX_BRANCHES])
    if not branches:
        return []
    by_branch: dict[int, dict] = {b.pk: defaultdict(list) for b in branches}
    rows = _counted_meetings(user, branches, year).values_list("kind", "held_on", "org_id", "org__parent_id")
    for kind, day, org_id, parent_id in rows:
        target = org_id if org_id in by_branch else parent_id
        if target in by_branch:
            by_branch[target][kind].append(day)
    paths = {p for b in branches for p in (*_ancestor_paths(b.path), b.path)}
    rules = list(scoped(user, ComplianceRule).filter(org__path__in=paths).select_related("org"))
    out = []
    for branch in branches:
        own = [_rule_row(r) for r in rules if branch.path.startswith(r.org.path)]
        calendar = compliance.branch_calendar(
            year=year,
            today=today,
            held=by_branch[branch.pk],
            rules=own,
            active_from=branch.active_from,
            active_to=branch.active_to,
        )
        out.append((branch, calendar))
    return out


def rule_list(user) -> QuerySet:
    return scoped(user, ComplianceRule).select_related("org").order_by("org__path", "kind", "-start_on")


def rule_orgs(user) -> QuerySet:
    """Organizations whose rules the user may set: where they hold partylife.change (committees too)."""
    return (
        orgs_for(user, "partylife.change")
        .filter(kind__in=(*BRANCH_KINDS, Organization.Kind.COMMITTEE), active_to__isnull=True)
        .order_by("path")
    )

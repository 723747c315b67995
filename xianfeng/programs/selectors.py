"""Reads of enrollments, visits and periods for the programs' pages. Every selector starts from
``scoped()`` (DESIGN.md §4.2): health enrollments (severe mental disorders) reach only users
holding "programs.health", without a check here.
"""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.personal import ExactSearchLimited
from xianfeng.accounts.scoping import CHANGE, HEALTH, VIEW, can, scoped
from xianfeng.regions.models import Region
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Household, Resident

from . import registry
from .models import OPEN_STATUSES, Enrollment, Period, Status, Visit


def may_see_health(user) -> bool:
    """Whether the user holds the health level on programs anywhere (SMD programs are shown)."""
    return can(user, HEALTH, Enrollment)


def may_change(user) -> bool:
    return can(user, CHANGE, Enrollment)


def visible_programs(user) -> list:
    """The registered programs the user may see: health programs only with "programs.health"."""
    health = may_see_health(user)
    return [p for p in registry.all_programs() if health or not p.health]


def program_or_none(user, code: str):
    """A program the user may see, by code; None for an unknown or hidden one."""
    for program in visible_programs(user):
        if program.code == code:
            return program
    return None


def _live(user, action: str = VIEW) -> QuerySet:
    return scoped(user, Enrollment, action).filter(voided_at__isnull=True)


def program_counts(user, *, today: datetime.date | None = None) -> dict[str, dict[str, int]]:
    """Per program code: 在管 (open), 今日到期, 逾期, 失访 — one grouped query."""
    today = today or timezone.localdate()
    rows = (
        _live(user)
        .filter(status__in=OPEN_STATUSES)
        .values("program")
        .annotate(
            open=Count("pk"),
            today=Count("pk", filter=Q(next_due_on=today)),
            overdue=Count("pk", filter=Q(next_due_on__lt=today, status__in=(Status.ENROLLED, Status.ACTIVE))),
            lost=Count("pk", filter=Q(status=Status.LOST)),
        )
        .order_by()
    )
    return {row.pop("program"): row for row in rows}


def _search(user, enrollments: QuerySet, query: str) -> tuple[QuerySet, str]:
    """By the subject's name (简/繁 through name_norm), pinyin initials, exact ID or phone; the
    household by its number or head. Returns the filtered rows and a problem to show, if any."""
    try:
        residents = scoped(user, Resident).filter(resident_selectors.search_q(query, user=user))
        households = scoped(user, Household).filter(resident_selectors.search_q(query, Household, user=user))
    except ExactSearchLimited as exc:
        return enrollments.none(), str(exc)
    found = Q(resident__in=residents.values("pk")) | Q(household__in=households.values("pk"))
    found |= Q(resident__isnull=True, household__isnull=True, region__name__contains=query)
    return enrollments.filter(found), ""


def enrollment_list(
    user,
    *,
    program: str = "",
    status: str = "",
    township: str = "",
    query: str = "",
    member=None,
    team=None,
    include_voided: bool = False,
) -> tuple[QuerySet, str]:
    """The list's rows with everything a row shows (a fixed number of queries), and a search
    problem to show (an exhausted exact-search quota), or ""."""
    rows = scoped(user, Enrollment)
    if not include_voided:
        rows = rows.filter(voided_at__isnull=True)
    if program:
        rows = rows.filter(program=program)
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status == "overdue":
        rows = rows.filter(next_due_on__lt=timezone.localdate(), status__in=(Status.ENROLLED, Status.ACTIVE))
    elif status:
        rows = rows.filter(status=status)
    if township:
        rows = rows.filter(township_code=township) if len(township) == 9 else rows.filter(village_code=township)
    if member is not None:
        rows = rows.filter(responsible_member=member)
    if team is not None:
        rows = rows.filter(responsible_team=team)
    problem = ""
    if query.strip():
        rows, problem = _search(user, rows, query.strip()[:50])
    rows = rows.select_related(
        "resident__village", "household__head", "household__village", "region", "responsible_member", "responsible_team"
    ).order_by("next_due_on", "id")
    return rows, problem


def place_names(user, codes) -> dict[str, str]:
    """Region names of the given codes (regions are public reference data): one query."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(scoped(user, Region, VIEW).filter(code__in=codes).values_list("code", "name"))


def enrollment_for_page(user, pk: int, action: str = VIEW) -> QuerySet:
    """The queryset a detail page reads one enrollment from (voided ones included)."""
    return (
        scoped(user, Enrollment)
        .filter(pk=pk)
        .select_related(
            "resident__village",
            "household__head",
            "household__village",
            "region",
            "org",
            "responsible_member",
            "responsible_team",
            "created_by",
            "voided_by",
        )
    )


def enrollment_visits(user, enrollment: Enrollment) -> QuerySet:
    """The enrollment's visits the user may see, newest first, with their records."""
    return (
        scoped(user, Visit)
        .filter(enrollment=enrollment)
        .select_related("record__service_type", "record__created_by", "record__resident")
        .prefetch_related("record__providers__member")
        .order_by("-visited_on", "-id")
    )


def enrollment_periods(user, enrollment: Enrollment) -> QuerySet:
    """An enrollment's periods: visible exactly when the enrollment is (read through
    scoped(user, Enrollment) first). Not scoped(user, Period): Period's ScopeSpec names
    ``health``, a property there, not a column (see the report to the lead)."""
    visible = scoped(user, Enrollment).filter(pk=enrollment.pk)
    return Period.objects.filter(enrollment__in=visible).order_by("-start_on", "-id")


def period_for_page(user, pk: int, action: str = VIEW) -> Period:
    """One period by pk, through its enrollment: 404 when the enrollment is out of the user's
    view scope, 403 when seen but not ``action``."""
    from django.http import Http404

    from xianfeng.accounts.scoping import ensure_in_scope

    period = Period.objects.filter(pk=pk, enrollment__in=scoped(user, Enrollment).values("pk")).first()
    if period is None:
        raise Http404("Not found")
    if action != VIEW:
        ensure_in_scope(user, period.enrollment, action)
    return period


def household_members_for_visit(user, enrollment: Enrollment) -> QuerySet:
    """Members of an enrolled household the visit may name (the person actually seen)."""
    if not enrollment.household_id:
        return Resident.objects.none()
    return (
        scoped(user, Resident)
        .filter(household_id=enrollment.household_id, merged_into__isnull=True)
        .order_by("-relation", "birth_date")
    )


def resident_enrollments(user, resident: Resident) -> QuerySet:
    """A resident's enrollments the user may see (the resident page, the timeline)."""
    return scoped(user, Enrollment).filter(resident=resident).order_by("-enrolled_on", "-id")


def region_by_code(user, code: str) -> Region | None:
    """A township or village to pair with (regions are public reference data)."""
    return scoped(user, Region, VIEW).filter(code=code).first()

"""Reads of calls and escalations, each starting from ``scoped()`` (DESIGN.md §4.2). Calls are
health data: ``scoped()`` answers nothing to a role without "hotline.view"."""

import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.teams.models import TeamMembership

from .models import Call, Escalation


def call_list(user, *, include_voided: bool = False) -> QuerySet:
    calls = scoped(user, Call, VIEW).select_related("taken_by", "team", "escalation")
    if not include_voided:
        calls = calls.filter(voided_at__isnull=True)
    return calls


def filter_calls(calls: QuerySet, filters: dict) -> QuerySet:
    """The list's filters (forms_calls.CallFilterForm.filters())."""
    if filters.get("date_from"):
        calls = calls.filter(served_on__gte=filters["date_from"])
    if filters.get("date_to"):
        calls = calls.filter(served_on__lte=filters["date_to"])
    for field in ("risk_level", "outcome", "topic", "channel"):
        if filters.get(field):
            calls = calls.filter(**{field: filters[field]})
    if filters.get("off_roster"):
        calls = calls.filter(off_roster=True)
    if filters.get("open_escalation"):
        calls = calls.filter(escalation__isnull=False, escalation__closed_at__isnull=True)
    if filters.get("number"):
        calls = calls.filter(pk=filters["number"])
    return calls.order_by("-started_at", "-id")


def call_detail_queryset(user) -> QuerySet:
    return call_list(user, include_voided=True).select_related(
        "shift", "created_by", "voided_by", "record", "org", "escalation__supervisor"
    )


def escalation_list(user, *, status: str = "") -> QuerySet:
    """Open first (overdue first among them), then the closed, newest first."""
    rows = scoped(user, Escalation, VIEW).select_related("call__team", "call__taken_by", "supervisor")
    if status == "open":
        rows = rows.filter(closed_at__isnull=True)
    elif status == "closed":
        rows = rows.filter(closed_at__isnull=False)
    return rows.annotate(
        is_closed=Case(When(closed_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("is_closed", "due_at", "-raised_at", "-id")


def open_escalations_to_act_on(user) -> QuerySet:
    """Open escalations of counted calls in the user's "hotline.change" scope (the home panel)."""
    return (
        scoped(user, Escalation, CHANGE)
        .filter(closed_at__isnull=True, call__voided_at__isnull=True)
        .select_related("call", "supervisor")
        .order_by("due_at", "id")
    )


def calls_today_count(user, member, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return scoped(user, Call, VIEW).filter(Q(taken_by=member), served_on=today, voided_at__isnull=True).count()


def minutes_since(moment: datetime.datetime, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, int((now - moment).total_seconds() // 60))


def taker_candidates(user, teams, on: datetime.date | None = None) -> QuerySet:
    """Members who may be named as having taken a call: the user's own member, the current
    members of the duty teams the user logs for (a duty member reads no member list), and the
    members in the user's scope."""
    from xianfeng.members.models import Member
    from xianfeng.teams.models import TeamMembership

    on = on or timezone.localdate()
    mates = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=on), team__in=list(teams), start_on__lte=on
    ).values("member_id")
    return Member.objects.filter(Q(user=user) | Q(pk__in=mates) | Q(pk__in=scoped(user, Member, VIEW).values("pk")))


# --- what the call form offers -------------------------------------------------------------

MAX_REGION_CHOICES = 300


def region_choices(teams) -> list[tuple[str, str]]:
    """Where a caller may say they live: the regions the duty teams' organizations serve and the
    townships and villages below them (a short list; an anonymous caller's region is optional)."""
    served = list(Region.objects.filter(organizations__teams__in=teams).distinct().values_list("code", flat=True))
    if not served:
        return [("", _("不详"))]
    below = Q(code__in=served)
    for code in served:
        below |= Q(code__startswith=code, level__in=["township", "village"]) if len(code) < 12 else Q()
    rows = Region.objects.filter(below).order_by("code").values_list("code", "name")[:MAX_REGION_CHOICES]
    return [("", _("不详"))] + [(code, f"{name}（{code}）") for code, name in rows]


def duty_members(team_ids: list[int], day: datetime.date) -> list[Member]:
    """The members of the duty teams on ``day``: who may be named as having taken a call. The
    teams come from ``services_calls.loggable_teams`` (scoped): a duty volunteer holds no
    "members.view", yet names a teammate who took the call."""
    memberships = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=day), team_id__in=team_ids, start_on__lte=day
    ).values("member_id")
    return list(Member.objects.filter(pk__in=memberships).order_by("name"))


def place_names(call: Call) -> str:
    """The caller's region as names (public reference data), county first."""
    codes = [c for c in (call.county_code, call.township_code, call.village_code) if c]
    names = dict(Region.objects.filter(pk__in=codes).values_list("pk", "name"))
    return " · ".join(names.get(c, c) for c in codes)

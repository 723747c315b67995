"""Reads of activities and their parts. Every selector starts from ``scoped()`` (DESIGN.md §4.2)."""

import datetime

from django.db.models import Count, Q, QuerySet

from xianfeng.accounts.roles import Scope
from xianfeng.accounts.scoping import CHANGE, VIEW, active_grants, scoped, served_region_codes
from xianfeng.members.selectors import orgs_for
from xianfeng.regions.models import Region
from xianfeng.teams.models import Team

from .models import Activity, ActivityFile, ActivityParticipant, ActivityQuantity, ServiceRecord

REGION_OPTIONS_LIMIT = 1000


def activity_list(
    *,
    user,
    query: str = "",
    status: str = "",
    kind: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    team_id: int | None = None,
    include_voided: bool = False,
) -> QuerySet:
    """Activities in scope, newest first, with their participant count."""
    qs = scoped(user, Activity, VIEW).select_related("org", "region")
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    if status in Activity.Status.values:
        qs = qs.filter(status=status)
    if kind in Activity.Kind.values:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(served_on__gte=date_from)
    if date_to:
        qs = qs.filter(served_on__lte=date_to)
    if team_id:
        qs = qs.filter(teams__id=team_id)
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(place__icontains=query) | Q(note__icontains=query))
    return qs.annotate(participant_count=Count("participants", distinct=True)).order_by("-start_at", "-id")


def may_change(user, activity: Activity) -> bool:
    return scoped(user, Activity, CHANGE).filter(pk=activity.pk).exists()


def participants(*, user, activity: Activity) -> QuerySet:
    return (
        scoped(user, ActivityParticipant, VIEW)
        .filter(activity=activity)
        .select_related("member__branch")
        .order_by("id")
    )


def quantities(*, user, activity: Activity) -> QuerySet:
    return scoped(user, ActivityQuantity, VIEW).filter(activity=activity).select_related("service_type").order_by("id")


def attendee_records(*, user, activity: Activity, include_voided: bool = False) -> QuerySet:
    """Named attendees' records the user may see (health-level ones only with 健康)."""
    qs = scoped(user, ServiceRecord, VIEW).filter(activity=activity)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return qs.select_related("resident__village", "household", "service_type").order_by("id")


def files(*, user, activity: Activity) -> QuerySet:
    return scoped(user, ActivityFile, VIEW).filter(activity=activity).order_by("id")


def team_choices(*, user) -> QuerySet:
    return scoped(user, Team, VIEW).filter(active_to__isnull=True).select_related("owner_org").order_by("name")


def org_choices(*, user) -> QuerySet:
    """Organizations where the user may organize activities (servicelog 修改), not dissolved."""
    return orgs_for(user, "servicelog.change").filter(active_to__isnull=True).order_by("path")


def region_options(*, user) -> list[Region]:
    """Townships and villages for the activity's place: those the user's grants reach (their
    organizations' served regions, their granted regions), else every one up to a limit.
    Regions are public reference data; this only orders the choices."""
    prefixes: set[str] = set()
    everywhere = user.is_superuser
    for grant in active_grants(user):
        if grant.scope == Scope.ALL:
            everywhere = True
        elif grant.scope == Scope.REGION:
            prefixes.update(grant.region_prefix_list)
        elif grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and grant.org_id:
            prefixes.update(served_region_codes(grant.org, grant.scope == Scope.ORG_SUBTREE))
    qs = Region.objects.filter(level__in=(Region.Level.TOWNSHIP, Region.Level.VILLAGE))
    if not everywhere:
        if not prefixes:
            return []
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code__startswith=prefix)
        qs = qs.filter(q)
    return list(qs.order_by("code")[:REGION_OPTIONS_LIMIT])


def region_by_code(code: str) -> Region | None:
    """A township or village by its code (regions are public)."""
    return Region.objects.filter(pk=code, level__in=(Region.Level.TOWNSHIP, Region.Level.VILLAGE)).first()

"""Reads of the service log. Every selector starts from ``scoped()`` (DESIGN.md §4.2)."""

import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, HEALTH, VIEW, can, scoped
from xianfeng.members.models import Member
from xianfeng.teams.models import Team, TeamMembership

from .models import Activity, ServiceRecord, ServiceType


def may_record_health(user) -> bool:
    """Whether the user may record or see health-level services anywhere."""
    return can(user, HEALTH, ServiceRecord)


def service_types_for(user, *, include_inactive: bool = False) -> QuerySet:
    """The types a user may record: health types only for holders of the health level."""
    types = scoped(user, ServiceType)
    if not include_inactive:
        types = types.filter(active=True)
    if not may_record_health(user):
        types = types.filter(sensitivity=0)
    return types.order_by("sort_order", "code")


def recent_type_ids(user, *, limit: int = 6, days: int = 90) -> list[int]:
    """The types this user recorded most in the last ``days`` (quick entry lists them first)."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    rows = (
        scoped(user, ServiceRecord)
        .filter(created_by=user, served_on__gte=since, voided_at__isnull=True)
        .values("service_type_id")
        .annotate(n=Count("id"), last=Max("id"))
        .order_by("-n", "-last")[:limit]
    )
    return [row["service_type_id"] for row in rows]


def own_member(user) -> Member | None:
    """The Member record of the signed-in user, if they are one."""
    if not user.is_authenticated:
        return None
    if "_own_member" not in user.__dict__:  # asked by several panels of one page: once
        try:
            user.__dict__["_own_member"] = user.member
        except Member.DoesNotExist:
            user.__dict__["_own_member"] = None
    return user.__dict__["_own_member"]


def current_teams(user, on: datetime.date | None = None) -> QuerySet:
    """Teams the user serves in on ``on`` (today), that they may see."""
    member = own_member(user)
    if member is None:
        return Team.objects.none()
    on = on or timezone.localdate()
    memberships = scoped(user, TeamMembership).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=on), member=member, start_on__lte=on
    )
    return scoped(user, Team).filter(pk__in=memberships.values("team_id")).order_by("name")


def provider_queryset(user, on: datetime.date | None = None) -> QuerySet:
    """Members the user may name as providers of a service: members in their scope, themselves,
    and the members of the teams they serve in (a volunteer records a visit made with a teammate)."""
    on = on or timezone.localdate()
    ids = Q(pk__in=scoped(user, Member, VIEW).values("pk"))
    member = own_member(user)
    if member is not None:
        ids |= Q(pk=member.pk)
        mates = scoped(user, TeamMembership).filter(
            Q(end_on__isnull=True) | Q(end_on__gte=on),
            team__in=current_teams(user, on).values("pk"),
            start_on__lte=on,
        )
        ids |= Q(pk__in=mates.values("member_id"))
    return Member.objects.filter(ids)


def record_list(*, user, include_voided: bool = False) -> QuerySet:
    records = scoped(user, ServiceRecord).select_related("service_type", "resident", "household", "team", "org")
    if not include_voided:
        records = records.filter(voided_at__isnull=True)
    return records


def activity_list(*, user, include_voided: bool = False) -> QuerySet:
    activities = scoped(user, Activity).select_related("org", "region")
    if not include_voided:
        activities = activities.filter(voided_at__isnull=True)
    return activities


def activities_for_entry(user) -> QuerySet:
    """Recent activities a user may attach records to (change scope, not voided or cancelled)."""
    since = timezone.localdate() - datetime.timedelta(days=60)
    return (
        scoped(user, Activity, CHANGE)
        .filter(voided_at__isnull=True, served_on__gte=since)
        .exclude(status=Activity.Status.CANCELLED)
        .order_by("-start_at")
    )

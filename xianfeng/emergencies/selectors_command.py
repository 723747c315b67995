"""Reads of the emergency, its working groups and leadership meetings. Every selector starts from
``scoped()`` (DESIGN.md §4.2): a member of a branch below the committee reads the committee's
emergency (``org_ancestors_view``) but changes none of it."""

import datetime

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, scoped
from xianfeng.members.models import Member
from xianfeng.members.selectors import orgs_for

from .models import Emergency, LeadershipMeeting, WorkingGroup

STATUS_ACTIVE = "active"
STATUS_ENDED = "ended"


def active_q(today: datetime.date) -> Q:
    return Q(start_on__lte=today) & (Q(end_on__isnull=True) | Q(end_on__gte=today))


def emergency_list(*, user, q: str = "", status: str = "", today: datetime.date | None = None) -> QuerySet:
    """Emergencies in scope, active ones first, then the most recent."""
    today = today or timezone.localdate()
    emergencies = scoped(user, Emergency, VIEW).select_related("org")
    q = (q or "").strip()
    if q:
        emergencies = emergencies.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(org__name__icontains=q))
    if status == STATUS_ACTIVE:
        emergencies = emergencies.filter(active_q(today))
    elif status == STATUS_ENDED:
        emergencies = emergencies.filter(end_on__lt=today)
    return emergencies.annotate(
        running=Case(When(active_q(today), then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("running", "-start_on", "-id")


def emergency_get(*, user, pk: int, action: str = VIEW) -> Emergency | None:
    return scoped(user, Emergency, action).select_related("org").filter(pk=pk).first()


def may_change(user, obj) -> bool:
    return scoped(user, type(obj), CHANGE).filter(pk=obj.pk).exists()


def may_export(user, obj) -> bool:
    return scoped(user, type(obj), EXPORT).filter(pk=obj.pk).exists()


def groups_of(*, user, emergency: Emergency) -> QuerySet:
    members = Member.objects.select_related("branch").order_by("name_initials", "id")
    return (
        scoped(user, WorkingGroup, VIEW)
        .filter(emergency=emergency)
        .select_related("leader__branch")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("order", "id")
    )


def meetings_of(*, user, emergency: Emergency, include_voided: bool = False) -> QuerySet:
    meetings = (
        scoped(user, LeadershipMeeting, VIEW)
        .filter(emergency=emergency)
        .select_related("host")
        .prefetch_related("attendees")
        .order_by("-held_on", "-id")
    )
    return meetings if include_voided else meetings.filter(voided_at__isnull=True)


def emergencies_with_org(*, user) -> QuerySet:
    return scoped(user, Emergency, VIEW).select_related("org")


def org_choices(*, user, keep: int | None = None) -> QuerySet:
    """Organizations the user may run an emergency in (not dissolved; ``keep``: the current one)."""
    orgs = orgs_for(user, "emergencies.change")
    live = Q(active_to__isnull=True) | Q(pk=keep) if keep else Q(active_to__isnull=True)
    return orgs.filter(live).order_by("path")


def member_choices(*, user) -> QuerySet:
    return scoped(user, Member, VIEW).select_related("branch").order_by("branch__path", "name_initials")


def groups_of_any(*, user) -> QuerySet:
    return scoped(user, WorkingGroup, VIEW).select_related("leader").prefetch_related("members")


def emergencies_changeable(*, user) -> QuerySet:
    return scoped(user, Emergency, CHANGE)

"""Reads of 请战书 and of what the people part's pages share: the emergency named by ``?emergency=``,
the calls to serve open to a member, the pledge list with its counts. Every read starts from
``scoped()`` (DESIGN.md §4.2); a member's pledges are their own only (roles.OWN_ONLY)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.core.text import normalize_name
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.selectors import own_member

from .models import Emergency, Pledge


def emergency_from(user, raw) -> Emergency | None:
    """The emergency a page was asked about (``?emergency=<pk>``): None when not given, 404 when
    out of the user's reach or not a number."""
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or len(str(raw)) > 12:
        raise Http404("Not found")
    return get_scoped_or_404(user, scoped(user, Emergency).select_related("org"), VIEW, pk=int(raw))


def emergencies_in_reach(user) -> QuerySet:
    return scoped(user, Emergency, VIEW).select_related("org").order_by("-start_on", "-id")


def may_manage(user, emergency: Emergency) -> bool:
    """Whether the user works the emergency (forms its teams, keeps its roster)."""
    return scoped(user, Emergency, CHANGE).filter(pk=emergency.pk).exists()


def open_calls(user, today: datetime.date | None = None) -> list[Emergency]:
    """Active emergencies in the user's reach whose call to serve is open (the 工作台 panel)."""
    today = today or timezone.localdate()
    return list(
        emergencies_in_reach(user)
        .filter(pledges_open=True, start_on__lte=today)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=today))[:5]
    )


def my_pledges(user) -> QuerySet:
    member = own_member(user)
    if member is None:
        return Pledge.objects.none()
    return (
        scoped(user, Pledge, VIEW)
        .filter(member=member)
        .select_related("emergency", "team")
        .order_by("-written_on", "-id")
    )


def my_pledge(user, emergency: Emergency) -> Pledge | None:
    return my_pledges(user).filter(emergency=emergency).exclude(status=Pledge.Status.WITHDRAWN).first()


@dataclass
class PledgeFilters:
    q: str = ""
    status: str = ""
    willing: str = ""
    branch: int | None = None


def pledges_of(user, emergency: Emergency | None, action: str = VIEW) -> QuerySet:
    rows = scoped(user, Pledge, action).select_related("member__branch", "emergency", "team")
    if emergency is not None:
        rows = rows.filter(emergency=emergency)
    return rows


def filtered_pledges(user, emergency: Emergency | None, filters: PledgeFilters, *, with_status: bool = True):
    rows = pledges_of(user, emergency)
    if with_status and filters.status:
        rows = rows.filter(status=filters.status)
    if filters.willing:
        rows = rows.filter(willing=filters.willing)
    if filters.branch:
        rows = rows.filter(member__branch_id=filters.branch)
    query = (filters.q or "").strip()
    if query:
        name = normalize_name(query)
        rows = rows.filter(
            Q(member__name__icontains=query)
            | Q(member__name_norm__icontains=name)
            | Q(member__name_initials__icontains=query.lower())
            | Q(member__volunteer_no=query)
            | Q(text__icontains=query)
        )
    return rows.order_by("-written_on", "-id")


def pledge_counts(rows: QuerySet) -> dict:
    """Counts on top of the list: by status and by branch (one query each)."""
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    by_branch = list(
        rows.order_by()
        .values("member__branch__name")
        .annotate(n=Count("id"), selected=Count("id", filter=Q(status=Pledge.Status.SELECTED)))
        .order_by("-n")[:20]
    )
    live = sum(n for s, n in by_status.items() if s != Pledge.Status.WITHDRAWN)
    return {
        "submitted": live,
        "selected": by_status.get(Pledge.Status.SELECTED, 0),
        "waiting": by_status.get(Pledge.Status.SUBMITTED, 0),
        "declined": by_status.get(Pledge.Status.DECLINED, 0),
        "withdrawn": by_status.get(Pledge.Status.WITHDRAWN, 0),
        "by_branch": by_branch,
    }


def branch_choices(user, emergency: Emergency | None) -> list[tuple[int, str]]:
    rows = pledges_of(user, emergency).order_by().values_list("member__branch_id", "member__branch__name").distinct()
    return sorted(set(rows), key=lambda r: r[1])


def members_for_pledge(user, emergency: Emergency) -> QuerySet:
    """Members a manager may enter a paper pledge for: in their scope, under the emergency's org."""
    return (
        scoped(user, Member, VIEW)
        .filter(branch__path__startswith=emergency.org.path)
        .select_related("branch")
        .order_by("branch__path", "name_initials", "id")
    )


def may_enter_for_others(user) -> bool:
    return can(user, VIEW, Member) and can(user, CHANGE, Pledge)


def temporary_branches(user) -> QuerySet:
    return scoped(user, Organization, VIEW).filter(kind=Organization.Kind.TEMP_BRANCH).order_by("path")

import datetime

from django.db.models import Count, Q, QuerySet

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.members.selectors import orgs_for
from xianfeng.orgs.selectors import name_matches

from .models import Post, PostAssignment, Team, TeamMembership, Zone, ZoneAssignment


def team_list(*, user, query: str = "", kind: str = "", include_dissolved: bool = False) -> QuerySet:
    today = datetime.date.today()
    qs = (
        scoped(user, Team, VIEW)
        .select_related("owner_org")
        .annotate(current_size=Count("memberships", filter=on_date_q(today, "memberships__")))
    )
    if not include_dissolved:
        qs = qs.filter(Q(active_to__isnull=True) | Q(active_to__gte=datetime.date.today()))
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(name_matches(query))
    return qs.order_by("kind", "name")


def on_date_q(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_on__lte": day}) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": day})
    )


def team_roster(*, user, team: Team, on_date: datetime.date | None = None) -> QuerySet:
    """Who was in the team on ``on_date`` (today by default)."""
    day = on_date or datetime.date.today()
    role_order = [r for r, _label in TeamMembership.Role.choices]
    qs = scoped(user, TeamMembership, VIEW).filter(on_date_q(day), team=team).select_related("member__branch")
    return sorted(qs, key=lambda m: (role_order.index(m.role), m.member.name_initials, m.pk))


def team_history(*, user, team: Team) -> QuerySet:
    return scoped(user, TeamMembership, VIEW).filter(team=team).select_related("member").order_by("-start_on", "-id")


def member_memberships(*, user, member) -> QuerySet:
    return scoped(user, TeamMembership, VIEW).filter(member=member).select_related("team").order_by("-start_on")


def member_posts(*, user, member) -> QuerySet:
    return scoped(user, PostAssignment, VIEW).filter(member=member).select_related("post").order_by("-start_on")


def member_zones(*, user, member) -> QuerySet:
    return scoped(user, ZoneAssignment, VIEW).filter(member=member).select_related("zone").order_by("-start_on")


def post_list(*, user, query: str = "") -> QuerySet:
    qs = scoped(user, Post, VIEW).select_related("owner_org")
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by("owner_org__path", "name")


def zone_list(*, user, query: str = "") -> QuerySet:
    qs = scoped(user, Zone, VIEW).select_related("owner_org").prefetch_related("regions")
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by("owner_org__path", "name")


def current_holders(assignments) -> dict[int, object]:
    """{post or zone id: current assignment} for list pages (one query)."""
    field = "post_id" if assignments.model is PostAssignment else "zone_id"
    return {getattr(a, field): a for a in assignments.filter(end_on__isnull=True).select_related("member")}


def owner_org_choices(*, user) -> QuerySet:
    return orgs_for(user, f"teams.{CHANGE}").filter(active_to__isnull=True).order_by("path")

"""Reads of the emergency's teams: the teams linked to it, a team's current roster, the pledges a
commando team is picked from, the teams that may still be linked, the families of an outbound
team with their pairings and the volunteers proposed for them. All through ``scoped()``."""

import datetime
from itertools import cycle

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.members.models import Member
from xianfeng.programs.services_pairing import team_families
from xianfeng.teams.models import Team, TeamMembership

from .models import Emergency, EmergencyTeam, Pledge
from .services_teams import PLACEABLE


def _current(today: datetime.date) -> Q:
    return Q(start_on__lte=today) & (Q(end_on__isnull=True) | Q(end_on__gte=today))


def teams_of(user, emergency: Emergency) -> QuerySet:
    today = timezone.localdate()
    return (
        scoped(user, EmergencyTeam, VIEW)
        .filter(emergency=emergency)
        .select_related("team", "temporary_branch")
        .annotate(
            size=Count(
                "team__memberships",
                filter=Q(team__memberships__start_on__lte=today)
                & (Q(team__memberships__end_on__isnull=True) | Q(team__memberships__end_on__gte=today)),
            )
        )
        .order_by("purpose", "id")
    )


def roster(user, team: Team, today: datetime.date | None = None) -> list[TeamMembership]:
    today = today or timezone.localdate()
    return list(
        scoped(user, TeamMembership, VIEW)
        .filter(_current(today), team=team)
        .select_related("member__branch")
        .order_by("role", "member__name_initials")
    )


def placeable_pledges(user, emergency: Emergency, *, willing: str = "", branch: int | None = None) -> QuerySet:
    rows = (
        scoped(user, Pledge, CHANGE)
        .filter(emergency=emergency, status__in=PLACEABLE)
        .select_related("member__branch")
        .order_by("member__branch__path", "written_on", "id")
    )
    if willing:
        rows = rows.filter(willing=willing)
    if branch:
        rows = rows.filter(member__branch_id=branch)
    return rows


def linkable_teams(user, emergency: Emergency) -> QuerySet:
    today = timezone.localdate()
    return (
        scoped(user, Team, VIEW)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=today), emergency_link__isnull=True)
        .exclude(kind=Team.Kind.COMMANDO, active_from__lt=emergency.start_on)
        .order_by("kind", "name")
    )


def free_volunteers(user, emergency: Emergency) -> list[Member]:
    """Pledgers of this emergency not on a team (the default helpers of a family)."""
    return [
        p.member
        for p in scoped(user, Pledge, VIEW)
        .filter(emergency=emergency, status=Pledge.Status.SUBMITTED)
        .select_related("member__branch")
        .order_by("written_on", "id")
    ]


def volunteer_choices(user, emergency: Emergency) -> QuerySet:
    """Any member the user may name as a volunteer, under the emergency's organization."""
    return (
        scoped(user, Member, VIEW)
        .filter(branch__path__startswith=emergency.org.path)
        .select_related("branch")
        .order_by("branch__path", "name_initials", "id")
    )


def families_with_defaults(user, link: EmergencyTeam):
    """The team's families and, for each not yet paired, a proposed volunteer (free pledgers in
    turn; none when there is none)."""
    team = link.team
    as_of = team.active_to if team.active_to and team.active_to < timezone.localdate() else None
    families = team_families(user, team, today=as_of)  # a dissolved team: its staff on its last day
    staff = {f.staff.pk for f in families}
    free = [m for m in free_volunteers(user, link.emergency) if m.pk not in staff]
    proposals = {}
    if free:
        turn = cycle(free)
        for family in families:
            if family.pairing is None:
                proposals[family.household.pk] = next(turn)
    return families, proposals

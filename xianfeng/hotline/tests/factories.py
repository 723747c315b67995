"""Factories of the hotline (issue 12). Roster rows first (ShiftFactory, ShiftAssignmentFactory,
SwapRequestFactory); other hotline factories are appended below.

A shift's team is a 热线值守组; an assignment's member is made a member of that team from the
shift's day on, so the rows the factories make are ones the services would accept.
"""

import datetime
from types import SimpleNamespace

import factory
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.hotline.models import Shift, ShiftAssignment, SwapRequest
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory


class HotlineTeamFactory(TeamFactory):
    name = factory.Sequence(lambda n: f"心理援助热线值守{n}组")
    kind = Team.Kind.HOTLINE


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    team = factory.SubFactory(HotlineTeamFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1))
    start_time = datetime.time(8, 0)
    end_time = datetime.time(16, 0)
    seats = 2


def team_member(team: Team, member=None, start_on: datetime.date = datetime.date(2022, 1, 1)):
    """A member (made if not given) in ``team`` from ``start_on``, open-ended."""
    member = member or MemberFactory(branch=team.owner_org)
    if not TeamMembership.objects.filter(team=team, member=member).exists():
        MembershipFactory(team=team, member=member, start_on=start_on)
    return member


class ShiftAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftAssignment

    shift = factory.SubFactory(ShiftFactory)
    member = factory.LazyAttribute(lambda o: team_member(o.shift.team))


class SwapRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SwapRequest

    assignment = factory.SubFactory(ShiftAssignmentFactory)
    to_member = factory.LazyAttribute(lambda o: team_member(o.assignment.shift.team))
    reason = "家中有事"


# --- a small roster world ------------------------------------------------------------------------

DAY = datetime.timedelta(days=1)
T8, T16, T0 = datetime.time(8), datetime.time(16), datetime.time(0)


def roster_world() -> SimpleNamespace:
    """One 热线值守组 of 精神科党支部 with four members; a roster manager (支部书记), the supervising
    doctor, a duty member who signs in (热线值守员), a volunteer, and an outsider who manages
    another branch's roster."""
    branch = OrganizationFactory(name="精神科党支部")
    elsewhere = OrganizationFactory(name="外科党支部")
    team = HotlineTeamFactory(name="心理援助热线值守组", owner_org=branch)
    manager = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, org=branch, username="shuji")
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, org=branch, username="dudao")
    duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, org=branch, username="rexian")
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, org=branch, username="zhiyuan")
    outsider = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, org=elsewhere, username="waike")
    zhou = team_member(team, MemberFactory(name="周值守", branch=branch, user=duty))
    sun = team_member(team, MemberFactory(name="孙督导", branch=branch, user=doctor))
    li = team_member(team, MemberFactory(name="李值守", branch=branch, user=volunteer))
    wang = team_member(team, MemberFactory(name="王值守", branch=branch))
    stranger = MemberFactory(name="外科医生", branch=elsewhere)
    other_team = HotlineTeamFactory(name="外科热线组", owner_org=elsewhere, kind=Team.Kind.HOTLINE)
    return SimpleNamespace(
        branch=branch,
        elsewhere=elsewhere,
        team=team,
        other_team=other_team,
        manager=manager,
        doctor=doctor,
        duty=duty,
        volunteer=volunteer,
        outsider=outsider,
        zhou=zhou,
        sun=sun,
        li=li,
        wang=wang,
        stranger=stranger,
        today=timezone.localdate(),
    )


# --- calls (appended by the call-log work) --------------------------------------------------------


class CallFactory(factory.django.DjangoModelFactory):
    """A counted call written directly (no service: no ServiceRecord, no escalation): for tests
    that need calls to exist. Behaviour under test goes through services_calls.call_log."""

    class Meta:
        model = "hotline.Call"

    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    served_on = factory.LazyAttribute(lambda o: timezone.localtime(o.started_at).date())
    duration_minutes = 20
    channel = "phone"
    team = factory.SubFactory(HotlineTeamFactory)
    org = factory.LazyAttribute(lambda o: o.team.owner_org)
    taken_by = factory.LazyAttribute(lambda o: team_member(o.team))
    topic = "sleep"
    outcome = "advice"
    risk_level = "none"

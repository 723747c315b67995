"""The call-log tests' world, on top of the shared one (owner = 党办 clerk over 内科党支部, who has
no hotline rights; outsider = clerk over 外科党支部):

    内科党支部 owns 心理援助热线值守组 (kind hotline)
      duty      热线值守员 over 内科党支部 only, member 周值守, on today's shift
      doctor    精防医生 over 内科党支部's subtree, member 孙督导, the shift's supervisor
      mate      member 李志愿 of the team, not on the shift
    外科党支部 owns 外科热线组; duty_b = 热线值守员 there (must not see 内科's calls)

Today's shift runs the whole day (00:00 → 00:00 is a shift past midnight that starts at 00:00),
so a call logged "now" always falls in it.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.hotline.models import Shift, ShiftAssignment
from xianfeng.hotline.services_calls import call_log
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

SAFE = {
    "suicidal_ideation": False,
    "suicide_plan": False,
    "suicide_attempt": False,
    "means_access": False,
    "violence_risk": False,
    "self_harm": False,
}
HIGH = SAFE | {"suicidal_ideation": True, "suicide_plan": True, "means_access": True}


def build_calls_world(world) -> SimpleNamespace:
    w = SimpleNamespace(world=world, owner=world.owner, outsider=world.outsider, admin=world.admin)
    w.team = TeamFactory(name="心理援助热线值守组", kind=Team.Kind.HOTLINE, owner_org=world.branch_a)
    w.duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, world.branch_a, username="duty")
    w.duty_member = MemberFactory(name="周值守", branch=world.branch_a, user=w.duty)
    w.doctor = user_with_grant(
        Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="doctor", email="sun@example.org"
    )
    w.doctor_member = MemberFactory(name="孙督导", branch=world.branch_a, user=w.doctor)
    w.mate = MemberFactory(name="李志愿", branch=world.branch_a)
    for member in (w.duty_member, w.doctor_member, w.mate):
        MembershipFactory(team=w.team, member=member, start_on=datetime.date(2024, 1, 1))
    today = timezone.localdate()
    w.shift = Shift.objects.create(
        team=w.team,
        date=today,
        start_time=datetime.time(0, 0),
        end_time=datetime.time(0, 0),
        seats=1,
        supervisor=w.doctor_member,
    )
    ShiftAssignment.objects.create(shift=w.shift, member=w.duty_member)
    w.team_b = TeamFactory(name="外科热线组", kind=Team.Kind.HOTLINE, owner_org=world.branch_b)
    w.duty_b = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, world.branch_b, username="duty_b")
    w.duty_b_member = MemberFactory(name="吴值守", branch=world.branch_b, user=w.duty_b)
    MembershipFactory(team=w.team_b, member=w.duty_b_member, start_on=datetime.date(2024, 1, 1))
    return w


def log(user, **fields):
    """call_log with sensible defaults: a 20-minute sleep call, advice given, no risk, now."""
    fields.setdefault("started_at", timezone.now() - datetime.timedelta(minutes=2))
    fields.setdefault("duration_minutes", 20)
    fields.setdefault("channel", "phone")
    fields.setdefault("topic", "sleep")
    fields.setdefault("outcome", "advice")
    for key, value in SAFE.items():
        fields.setdefault(key, value)
    return call_log(acting_user=user, **fields)


def leader(team, member):
    return TeamMembership.objects.create(
        team=team, member=member, role=TeamMembership.Role.LEADER, start_on=datetime.date(2024, 1, 1)
    )

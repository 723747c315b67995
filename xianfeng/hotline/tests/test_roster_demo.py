"""The demo roster: a staffed month through the services, rexian on duty now, three gaps in the
coming week, one pending swap; a second run changes nothing."""

import datetime

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import UserFactory, user_with_grant
from xianfeng.demo.seed_hotline_roster import seed_hotline_roster
from xianfeng.hotline.models import Shift, ShiftAssignment, SwapRequest
from xianfeng.hotline.selectors_roster import local_now, roster_gaps, shift_window
from xianfeng.members.tests.factories import MemberFactory

from .factories import HotlineTeamFactory, team_member

pytestmark = pytest.mark.django_db


def test_the_demo_roster_is_staffed_flags_three_gaps_and_is_idempotent():
    admin = UserFactory(username="admin", is_superuser=True)
    team = HotlineTeamFactory(name="心理援助热线值守组")
    for n in range(6):
        team_member(team, MemberFactory(name=f"精神科医生{n}", branch=team.owner_org))
    rexian = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, org=team.owner_org, username="rexian")
    zhou = MemberFactory(name="周值守", branch=team.owner_org, user=rexian)
    sun = MemberFactory(name="孙督导", branch=team.owner_org, user=UserFactory(username="dudao"))
    seed_hotline_roster(admin, {})
    counts = (Shift.objects.count(), ShiftAssignment.objects.count(), SwapRequest.objects.count())
    assert counts[0] == 31 * 3 and counts[2] == 1
    assert set(Shift.objects.values_list("supervisor", flat=True)) == {sun.pk}
    now = local_now()
    current = [
        s
        for s in Shift.objects.filter(assignments__member=zhou)
        if shift_window(s.date, s.start_time, s.end_time)[0] <= now < shift_window(s.date, s.start_time, s.end_time)[1]
    ]
    assert len(current) == 1  # rexian logs his calls to it
    today = now.date()
    gaps = list(roster_gaps(admin, today, today + datetime.timedelta(days=7)))
    assert len(gaps) == 3 and all(g.staffed == 1 for g in gaps)
    assert SwapRequest.objects.get().status == "pending"
    seed_hotline_roster(admin, {})
    assert (Shift.objects.count(), ShiftAssignment.objects.count(), SwapRequest.objects.count()) == counts

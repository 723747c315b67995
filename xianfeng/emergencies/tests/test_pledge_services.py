"""请战书 and commando teams: a member pledges once, a volunteer already on another active
commando team is refused (naming the team), a team is formed all or nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import OrganizationFactory
from xianfeng.emergencies.models import EmergencyTeam, Pledge
from xianfeng.emergencies.services_pledges import pledge_decline, pledge_submit, pledge_withdraw
from xianfeng.emergencies.services_teams import commando_team_add, commando_team_form, emergency_team_link
from xianfeng.orgs.models import Organization
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories_people import DAY, TODAY, EmergencyFactory, people_world, pledge


@pytest.fixture
def w(world):
    return people_world(world)


def test_member_pledges_on_their_own_once(w):
    saved = pledge_submit(
        acting_user=w.wang_user, emergency=w.emergency, text="我请战！", willing="ward", idempotency_key="k1"
    )
    assert saved.created and saved.pledge.member == w.wang and saved.pledge.status == Pledge.Status.SUBMITTED
    again = pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="我请战！", idempotency_key="k1")
    assert not again.created and again.pledge.pk == saved.pledge.pk
    with pytest.raises(ValidationError) as exc:
        pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="再次请战")
    assert "不能重复递交" in str(exc.value)
    assert Pledge.objects.count() == 1
    assert ChangeLog.objects.filter(action=ChangeLog.Action.CREATE).count() == 1


def test_pledge_refused_when_closed_or_ended(w):
    w.emergency.pledges_open = False
    w.emergency.save()
    with pytest.raises(ValidationError, match="暂未开放"):
        pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="请战")
    ended = EmergencyFactory(org=w.committee, start_on=TODAY - 30 * DAY, end_on=TODAY - DAY)
    with pytest.raises(ValidationError, match="不在进行中"):
        pledge_submit(acting_user=w.wang_user, emergency=ended, text="请战")


def test_pledge_refused_for_member_on_another_active_commando_team(w):
    team = TeamFactory(name="发热门诊突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - 5 * DAY)
    with pytest.raises(ValidationError) as exc:
        pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="请战")
    assert "发热门诊突击队" in str(exc.value)
    assert not Pledge.objects.exists()


def test_ended_membership_or_dissolved_team_does_not_block(w):
    team = TeamFactory(name="旧突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - 20 * DAY, end_on=TODAY - DAY)
    assert pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="请战").created


def test_secretary_enters_a_paper_pledge_member_cannot_for_a_colleague(w):
    saved = pledge_submit(acting_user=w.secretary, emergency=w.emergency, text="纸质请战书", member=w.li)
    assert saved.pledge.member == w.li
    with pytest.raises((ValidationError, PermissionDenied)):
        pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="代写", member=w.chen)
    # a secretary cannot reach a member of another branch
    with pytest.raises(ValidationError):
        pledge_submit(acting_user=w.secretary, emergency=w.emergency, text="代写", member=w.zhao)


def test_withdraw_and_decline(w):
    p = pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="请战").pledge
    with pytest.raises(ValidationError, match="不能处理自己的"):
        pledge_decline(acting_user=w.wang_user, pledge=p)
    pledge_withdraw(acting_user=w.wang_user, pledge=p)
    p.refresh_from_db()
    assert p.status == Pledge.Status.WITHDRAWN
    # after a withdrawal a new pledge is allowed
    p2 = pledge_submit(acting_user=w.wang_user, emergency=w.emergency, text="重新请战").pledge
    pledge_decline(acting_user=w.clerk, pledge=p2, note="人员已满")
    p2.refresh_from_db()
    assert p2.status == Pledge.Status.DECLINED
    with pytest.raises(PermissionDenied):  # a colleague's pledge is not theirs to withdraw
        pledge_withdraw(acting_user=w.li_user, pledge=p2)


def test_commando_team_formed_from_pledges(w):
    a, b = pledge(w, w.wang), pledge(w, w.li)
    link = commando_team_form(
        acting_user=w.clerk, emergency=w.emergency, name="第一党员突击队", pledges=[a, b], leader=a
    )
    assert link.purpose == EmergencyTeam.Purpose.COMMANDO
    team = link.team
    assert team.kind == Team.Kind.COMMANDO and team.owner_org == w.committee
    roles = dict(TeamMembership.objects.filter(team=team).values_list("member__name", "role"))
    assert roles == {"王医生": "leader", "李护士": "member"}
    a.refresh_from_db()
    assert a.status == Pledge.Status.SELECTED and a.team == team
    # withdrawing a selected pledge is refused
    with pytest.raises(ValidationError, match="不能撤回"):
        pledge_withdraw(acting_user=w.wang_user, pledge=a)


def test_commando_team_all_or_nothing(w):
    other = TeamFactory(name="隔离病区突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    a, b, c = pledge(w, w.wang), pledge(w, w.li), pledge(w, w.zhao, status=Pledge.Status.WITHDRAWN)
    MembershipFactory(team=other, member=w.li, start_on=TODAY - DAY)
    foreign = pledge(w, w.chen, emergency=EmergencyFactory(org=w.committee))
    with pytest.raises(ValidationError) as exc:
        commando_team_form(acting_user=w.clerk, emergency=w.emergency, name="第二突击队", pledges=[a, b, c, foreign])
    errors = exc.value.message_dict
    assert set(errors) == {f"pledge_{b.pk}", f"pledge_{c.pk}", f"pledge_{foreign.pk}"}
    assert "隔离病区突击队" in errors[f"pledge_{b.pk}"][0]
    assert "撤回" in errors[f"pledge_{c.pk}"][0]
    assert not Team.objects.filter(name="第二突击队").exists()
    assert not EmergencyTeam.objects.exists()
    a.refresh_from_db()
    assert a.status == Pledge.Status.SUBMITTED


def test_commando_team_add_later_and_scope(w):
    a, b = pledge(w, w.wang), pledge(w, w.li)
    link = commando_team_form(acting_user=w.clerk, emergency=w.emergency, name="突击队", pledges=[a])
    commando_team_add(acting_user=w.clerk, emergency_team=link, pledges=[b])
    assert link.team.memberships.count() == 2
    # the branch secretary reads the committee's emergency but cannot form its teams
    c = pledge(w, w.chen)
    with pytest.raises(PermissionDenied):
        commando_team_form(acting_user=w.secretary, emergency=w.emergency, name="支部突击队", pledges=[c])


def test_link_outbound_team_with_temporary_branch(w):
    medical = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    commando = TeamFactory(name="某突击队", kind=Team.Kind.COMMANDO, owner_org=w.committee)
    temp = OrganizationFactory(name="援鄂医疗队临时党支部", kind=Organization.Kind.TEMP_BRANCH, parent=w.committee)
    with pytest.raises(ValidationError, match="医疗队"):
        emergency_team_link(acting_user=w.clerk, emergency=w.emergency, team=commando, purpose="outbound")
    with pytest.raises(ValidationError, match="临时党支部"):
        emergency_team_link(
            acting_user=w.clerk, emergency=w.emergency, team=medical, purpose="outbound", temporary_branch=w.branch_a
        )
    link = emergency_team_link(
        acting_user=w.clerk, emergency=w.emergency, team=medical, purpose="outbound", temporary_branch=temp
    )
    assert link.temporary_branch == temp
    with pytest.raises(ValidationError, match="已关联"):
        emergency_team_link(acting_user=w.clerk, emergency=w.emergency, team=medical, purpose="ward")

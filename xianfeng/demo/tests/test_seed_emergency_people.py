"""The demo crisis's people (xianfeng/demo/seed_emergency_people.py): a few dozen 请战书, three
commando teams formed from them and dissolved when the emergency ended, the outbound team linked
with its temporary branch, a week of the closed ward's roster with transport, three front-line
applications flowing into the pipeline; a second run adds nothing."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.demo.seed_emergency import COMMITTEE, seed_emergency
from xianfeng.demo.seed_emergency_people import ROSTER_DAYS, seed_emergency_people
from xianfeng.emergencies.models import DutyShift, EmergencyTeam, FrontLineApplication, Pledge
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory


@pytest.fixture
def demo(db):
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="admin")
    committee = OrganizationFactory(name=COMMITTEE, kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name="内科党支部", parent=committee)
    temp = OrganizationFactory(name="援鄂医疗队临时党支部", kind=Organization.Kind.TEMP_BRANCH, parent=committee)
    party = [MemberFactory(name=f"党员{i}", branch=branch, party_stage=Stage.FULL) for i in range(40)]
    for i in range(4):
        MemberFactory(name=f"群众{i}", branch=branch, party_stage=Stage.NONE, birth_date=datetime.date(1992, 1, 1))
    hubei = TeamFactory(
        name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=committee, active_from=datetime.date(2020, 2, 8)
    )
    for member in party[-6:]:
        MembershipFactory(
            team=hubei, member=member, start_on=datetime.date(2020, 2, 8), end_on=datetime.date(2020, 4, 12)
        )
    hubei.active_to = datetime.date(2020, 4, 12)
    hubei.save()
    orgs = {COMMITTEE: committee, "内科党支部": branch, "援鄂医疗队临时党支部": temp}
    return admin, orgs


def test_the_demo_crisis_people(demo):
    admin, orgs = demo
    emergency = seed_emergency(admin, orgs)
    summary = seed_emergency_people(admin, orgs)
    assert summary["pledges"] == 34  # 40 party members, 6 went to Hubei
    pledges = Pledge.objects.filter(emergency=emergency)
    assert pledges.count() == 34
    assert pledges.filter(status=Pledge.Status.SELECTED).count() >= 12
    assert pledges.filter(status=Pledge.Status.DECLINED).exists()
    commando = EmergencyTeam.objects.filter(emergency=emergency, purpose="commando").select_related("team")
    assert 2 <= commando.count() <= 3
    assert all(link.team.active_to == emergency.end_on for link in commando)  # dissolved when it ended
    outbound = EmergencyTeam.objects.get(emergency=emergency, purpose="outbound")
    assert outbound.temporary_branch.name == "援鄂医疗队临时党支部"
    shifts = DutyShift.objects.filter(emergency=emergency)
    ward = shifts.filter(site="隔离病区（三病区）")
    days = {timezone.localtime(s.starts_at).date() for s in ward}
    assert len(days) == ROSTER_DAYS and ward.filter(pickup_at__isnull=False).count() == ward.count()
    assert all(s.pickup_at < s.starts_at for s in shifts)
    apps = FrontLineApplication.objects.filter(emergency=emergency).select_related("member")
    assert apps.count() == 3 and all(a.member.party_stage == Stage.APPLICANT for a in apps)
    assert seed_emergency_people(admin, orgs) is None  # idempotent
    assert Pledge.objects.count() == 34

"""The demo crisis (xianfeng/demo/seed_emergency.py): the committee's 2020 epidemic response with
14 working groups, 10 leadership meetings and sixty monotone daily reports; a second run adds nothing."""

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.demo.seed_emergency import COMMITTEE, DEMO_EMERGENCY_NAME, REPORT_DAYS, seed_emergency
from xianfeng.emergencies import daily_selectors
from xianfeng.emergencies.models import DailyReport, Emergency, LeadershipMeeting, WorkingGroup
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization


@pytest.fixture
def demo(db):
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="admin")
    committee = OrganizationFactory(name=COMMITTEE, kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name="内科党支部", parent=committee)
    for i in range(20):
        MemberFactory(name=f"党员{i}", branch=branch)
    return admin, {COMMITTEE: committee, "内科党支部": branch}


def test_the_demo_epidemic(demo):
    admin, orgs = demo
    emergency = seed_emergency(admin, orgs)
    assert emergency.name == DEMO_EMERGENCY_NAME and not emergency.is_active()
    assert emergency.call_text
    assert WorkingGroup.objects.filter(emergency=emergency).count() == 14
    assert WorkingGroup.objects.filter(emergency=emergency, leader__isnull=False).count() == 14
    assert LeadershipMeeting.objects.filter(emergency=emergency).count() == 10
    data = daily_selectors.series(user=admin, emergency=emergency)
    assert len(data["rows"]) == REPORT_DAYS
    for field in data["fields"]:
        news = [row["new"][field["code"]] for row in data["rows"]]
        assert all(n >= 0 for n in news), field
    confirmed = [row["cumulative"]["confirmed"] for row in data["rows"]]
    assert 10 <= confirmed[-1] <= 200
    seed_emergency(admin, orgs)  # idempotent
    assert Emergency.objects.count() == 1 and DailyReport.objects.count() == REPORT_DAYS

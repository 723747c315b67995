"""The demo ledger (xianfeng/demo/seed_needs.py) tells the story the brief asks for and a second
run changes nothing."""

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.demo.seed_needs import BRANCH, TEAM, VILLAGE, seed_needs
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.needs.models import Category, Need, Status
from xianfeng.residents.tests.factories import region
from xianfeng.teams.models import Team, TeamMembership


@pytest.fixture
def demo(db):
    for code, name in (("21", "辽宁省"), ("2106", "丹东市"), ("210681", "东港市"), ("210681113", "马家店镇")):
        region(code, name)
    region(VILLAGE, "油坊村委会")
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="admin")
    branch = OrganizationFactory(name=BRANCH)
    team = Team.objects.create(name=TEAM, kind=Team.Kind.VILLAGE, owner_org=branch, active_from="2021-04-01")
    for name in ("赵队长", "钱队员", "孙队员"):
        TeamMembership.objects.create(team=team, member=MemberFactory(name=name, branch=branch), start_on="2023-04-01")
    MemberFactory(name="张志愿", user=user_with_grant(Role.MEMBER, Scope.ORG_ONLY, branch, username="dangyuan"))
    return admin, {BRANCH: branch}


def test_the_village_ledger(demo):
    admin, orgs = demo
    seed_needs(admin, orgs)
    needs = Need.objects.filter(org=orgs[BRANCH])
    today = timezone.localdate()
    assert needs.count() == 30
    assert needs.filter(status=Status.UNRESOLVED).exclude(close_reason="").count() == 3
    open_needs = needs.filter(status__in=[Status.OPEN, Status.IN_PROGRESS])
    assert open_needs.count() == 5
    assert sum(n.is_overdue(today) for n in open_needs) == 2
    resolved = needs.filter(status=Status.RESOLVED)
    assert resolved.count() == 22 and all(n.records.exists() for n in resolved)
    wheelchair = needs.get(title="更换轮椅")
    assert wheelchair.category == Category.ASSISTIVE
    assert wheelchair.records.get().service_type.code == "assistive_device"
    assert needs.filter(assigned_member__user__username="dangyuan", status=Status.IN_PROGRESS).exists()
    assert {n.village_code for n in needs} == {VILLAGE}
    seed_needs(admin, orgs)  # idempotent
    assert Need.objects.count() == 30

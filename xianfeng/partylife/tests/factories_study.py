"""A small world for study, honours and outputs: 内科党支部 (branch_a) with a secretary, two party
members who sign in (王学习 and his colleague 赵同事), a probationary member in 内科第一党小组 and a
non-party staff member; 外科党支部 (branch_b) has a secretary and a party member of its own.
Items: one pushed by the committee (党委), one by branch_a."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.models import StudyItem

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def study_item(org, *, title="微课堂：党章学习", days_ago=10, due_in=None, hours="1.0", kind=StudyItem.Kind.LESSON):
    """An item written directly (the services are tested on their own)."""
    return StudyItem.objects.create(
        org=org,
        kind=kind,
        title=title,
        published_on=TODAY - days_ago * DAY,
        due_on=None if due_in is None else TODAY + due_in * DAY,
        hours=Decimal(hours),
    )


def study_world(world) -> SimpleNamespace:
    vol = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王学习", branch=world.branch_a, user=vol, party_stage=Stage.FULL)
    colleague_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="colleague")
    colleague = MemberFactory(name="赵同事", branch=world.branch_a, user=colleague_user, party_stage=Stage.FULL)
    probationary = MemberFactory(name="钱预备", branch=world.group_a, party_stage=Stage.PROBATIONARY)
    staff = MemberFactory(name="孙群众", branch=world.branch_a, party_stage=Stage.NONE)
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    secretary_b = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_b, username="sec_b")
    member_b = MemberFactory(name="周外科", branch=world.branch_b, party_stage=Stage.FULL)
    committee_item = study_item(world.committee, title="微课堂第1讲", days_ago=20, due_in=-5)
    branch_item = study_item(world.branch_a, title="支部学习文件", days_ago=3, due_in=7, hours="2.0")
    return SimpleNamespace(
        **vars(world),
        vol=vol,
        member=member,
        colleague_user=colleague_user,
        colleague=colleague,
        probationary=probationary,
        staff=staff,
        secretary=secretary,
        secretary_b=secretary_b,
        member_b=member_b,
        committee_item=committee_item,
        branch_item=branch_item,
    )

"""A small crisis for the people part's tests: the committee's emergency with its call to serve
open; a clerk (党办) over the committee; the 内科党支部 secretary; two party members of 内科党支部
with logins (王医生, 李护士) and one of 外科党支部 (赵医生); a non-party nurse (陈护士)."""

import datetime
from types import SimpleNamespace

import factory
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.emergencies.models import Emergency, Pledge
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


class EmergencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Emergency

    name = factory.Sequence(lambda n: f"疫情防控{n}")
    kind = Emergency.Kind.EPIDEMIC
    start_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    call_text = "党员同志们：疫情就是命令，防控就是责任！"
    pledges_open = True


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    text = "我志愿加入党员突击队，服从安排，不计报酬，无论生死！"
    written_on = factory.LazyFunction(timezone.localdate)
    willing = Pledge.Willing.ANY


def people_world(world) -> SimpleNamespace:
    emergency = EmergencyFactory(org=world.committee, name="新冠肺炎疫情防控")
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="dangban")
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    wang_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="wang")
    li_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="li")
    zhao_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_b, username="zhao")
    wang = MemberFactory(name="王医生", branch=world.branch_a, user=wang_user, party_stage=Stage.FULL)
    li = MemberFactory(name="李护士", branch=world.branch_a, user=li_user, party_stage=Stage.FULL)
    zhao = MemberFactory(name="赵医生", branch=world.branch_b, user=zhao_user, party_stage=Stage.FULL)
    chen = MemberFactory(
        name="陈护士", branch=world.branch_a, party_stage=Stage.NONE, birth_date=datetime.date(1995, 5, 1)
    )
    return SimpleNamespace(
        **vars(world),
        emergency=emergency,
        clerk=clerk,
        secretary=secretary,
        wang_user=wang_user,
        li_user=li_user,
        zhao_user=zhao_user,
        wang=wang,
        li=li,
        zhao=zhao,
        chen=chen,
    )


def pledge(w, member, **kwargs) -> Pledge:
    return PledgeFactory(emergency=kwargs.pop("emergency", w.emergency), member=member, **kwargs)

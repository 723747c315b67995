"""A small world for the dues' and funds' tests: 内科党支部 (branch_a) with its secretary, a member's
login (张志愿), party members in several brackets, a 预备党员, a non-party volunteer, and a party
member of 外科党支部 (branch_b, the outsider's); the shared world's clerk (owner, 党办 over
branch_a's subtree), reader (领导) and outsider."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife import dues
from xianfeng.partylife.services_dues import dues_payment_record, dues_rate_set

TODAY = timezone.localdate()
THIS_MONTH = dues.month_start(TODAY)
FIRST_MONTH = dues.add_months(THIS_MONTH, -11)  # rates from eleven months ago: 12 months due


def dues_world(world) -> SimpleNamespace:
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    member_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="dangyuan")
    w = SimpleNamespace(
        **vars(world),
        secretary=secretary,
        member_user=member_user,
        me=MemberFactory(name="张志愿", branch=world.branch_a, user=member_user, party_stage=Stage.FULL),
        doctor=MemberFactory(name="王医生", branch=world.branch_a, party_stage=Stage.FULL),
        retired=MemberFactory(name="刘退休", branch=world.branch_a, party_stage=Stage.FULL),
        student=MemberFactory(name="钱预备", branch=world.branch_a, party_stage=Stage.PROBATIONARY),
        volunteer=MemberFactory(name="孙群众", branch=world.branch_a, party_stage=Stage.NONE),
        other=MemberFactory(name="周外科", branch=world.branch_b, party_stage=Stage.FULL),
    )
    return w


def set_rates(w, start=FIRST_MONTH):
    """张志愿 在职 4000 → 40.00; 王医生 在职 12000 → 240.00; 刘退休 6000 → 60.00; 钱预备 学生 0.20."""
    rate = dues_rate_set
    rate(acting_user=w.admin, member=w.me, category="in_service", monthly_base=Decimal("4000"), start_month=start)
    rate(acting_user=w.admin, member=w.doctor, category="in_service", monthly_base=Decimal("12000"), start_month=start)
    rate(acting_user=w.admin, member=w.retired, category="retired", monthly_base=Decimal("6000"), start_month=start)
    rate(acting_user=w.admin, member=w.student, category="student", start_month=start)
    rate(acting_user=w.admin, member=w.other, category="in_service", monthly_base=Decimal("3000"), start_month=start)


def pay(w, member, first, last=None, *, user=None, **kwargs):
    months = dues.months_between(first, last or first)
    kwargs.setdefault("paid_on", TODAY)
    return dues_payment_record(acting_user=user or w.admin, member=member, months=months, **kwargs)


def month_ago(n: int) -> datetime.date:
    return dues.add_months(THIS_MONTH, -n)

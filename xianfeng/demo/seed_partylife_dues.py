"""Demo party dues and party-building funds (issue 13 §8), written through the services.

Dues: every party member of the demo branches has a rate from twelve months ago by the national
brackets (mixed wages; one retired member; one voluntary extra 自愿多交) and has paid every month
since, on the 10th by payroll — except one member of 内科党支部 who has paid nothing for the last
seven months (the arrears flag, 党章第三十八条). The demo member (dangyuan, 张志愿) is paid up
when their Member is a party member.

Funds: this year's budgets, 60 000 for 内科党支部 (the seed article's "more than 50 000 a year"),
80 000 for the committee and 5 000 for 检验影像党支部, ~20 expenses across the categories, and
one expense of 检验影像党支部 beyond its budget (flagged 超预算).
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from xianfeng.members.models import Member
from xianfeng.partylife import dues
from xianfeng.partylife.models import DuesPayment, DuesRate, FundBudget, FundExpense
from xianfeng.partylife.services_dues import PARTY_STAGES, dues_payment_record, dues_rate_set
from xianfeng.partylife.services_funds import fund_budget_set, fund_expense_create

D = Decimal
BRANCHES = ("内科党支部", "内科第一党小组", "外科党支部", "精神科党支部", "检验影像党支部", "机关党支部")
ARREARS_BRANCH = "内科党支部"
ARREARS_MONTHS = 7
# Monthly after-tax wages of hospital staff, yuan: every in-service bracket is represented.
WAGES = (2800, 3000, 4200, 4800, 5000, 6500, 7800, 9200, 10000, 11500, 13800)
COMMITTEE = "东港市中心医院党委"
SMALL_BRANCH = "检验影像党支部"
BUDGETS = ((ARREARS_BRANCH, D("60000")), (COMMITTEE, D("80000")), (SMALL_BRANCH, D("5000")))
# (org, month, day, category, amount, description, receipt no.)
EXPENSES = [
    (ARREARS_BRANCH, 1, 12, "study", "1280.00", "“微课堂”学习资料印制", "FP-0112"),
    (ARREARS_BRANCH, 2, 20, "care", "3000.00", "春节慰问困难党员和老党员", "FP-0220"),
    (ARREARS_BRANCH, 3, 5, "activity", "2600.00", "学雷锋主题党日义诊活动物资", "FP-0305"),
    (ARREARS_BRANCH, 4, 18, "publicity", "4500.00", "党建宣传栏更新（3个责任区、15个先锋岗）", "FP-0418"),
    (ARREARS_BRANCH, 5, 22, "training", "6800.00", "支部委员培训班", "FP-0522"),
    (ARREARS_BRANCH, 6, 28, "activity", "5200.00", "“七一”主题党日红色教育基地参观", "FP-0628"),
    (ARREARS_BRANCH, 7, 1, "awards", "4000.00", "表彰优秀共产党员", "FP-0701"),
    (ARREARS_BRANCH, 8, 16, "study", "1500.00", "党员学习书籍", "FP-0816"),
    (ARREARS_BRANCH, 9, 9, "activity", "3800.00", "下乡义诊交通和物资", "FP-0909"),
    (ARREARS_BRANCH, 10, 15, "care", "2000.00", "重阳节走访慰问离退休党员", "FP-1015"),
    (ARREARS_BRANCH, 11, 12, "publicity", "2400.00", "院刊党建专栏印制", "FP-1112"),
    (COMMITTEE, 1, 25, "training", "12000.00", "全院党支部书记培训", "DW-0125"),
    (COMMITTEE, 3, 15, "publicity", "8600.00", "院刊《先锋》第101–103期印制", "DW-0315"),
    (COMMITTEE, 5, 10, "activity", "9500.00", "“五四”青年党员志愿服务", "DW-0510"),
    (COMMITTEE, 7, 1, "awards", "15000.00", "“七一”表彰先进基层党组织和优秀共产党员", "DW-0701"),
    (COMMITTEE, 9, 20, "study", "6000.00", "主题教育读书班", "DW-0920"),
    (COMMITTEE, 11, 5, "other", "3200.00", "党建信息系统耗材", "DW-1105"),
    (SMALL_BRANCH, 3, 8, "activity", "1800.00", "主题党日活动", "JY-0308"),
    (SMALL_BRANCH, 6, 30, "study", "1500.00", "学习资料", "JY-0630"),
    (SMALL_BRANCH, 10, 25, "training", "2900.00", "检验质控党员先锋岗培训（超出预算）", "JY-1025"),
]


def _paid_on(month: datetime.date, today: datetime.date) -> datetime.date:
    return min(today, month + datetime.timedelta(days=9))


def seed_partylife_dues(admin, orgs) -> None:
    today = timezone.localdate()
    if not DuesRate.objects.exists():
        _seed_dues(admin, orgs, today)
    if not FundBudget.objects.exists() and not FundExpense.objects.exists():
        _seed_funds(admin, orgs, today)


def _seed_dues(admin, orgs, today: datetime.date) -> None:
    rng = random.Random(38)
    this_month = dues.month_start(today)
    first = dues.add_months(this_month, -11)
    members = list(
        Member.objects.filter(party_stage__in=PARTY_STAGES, branch__name__in=BRANCHES)
        .select_related("branch", "user")
        .order_by("pk")
    )
    if not members:
        return
    in_arrears = next(
        (m for m in members if m.branch.name == ARREARS_BRANCH and m.user_id is None and m.pk != members[0].pk),
        None,
    )
    oldest = min(members, key=lambda m: m.birth_date or datetime.date(2100, 1, 1))
    extra = next((m for m in members if m not in (in_arrears, oldest) and m.user_id is None), None)
    for member in members:
        note, amount = "", None
        if member == oldest:
            category, base = "retired", D("5600")
        elif member.party_stage == "probationary" and rng.random() < 0.2:
            category, base = "student", D("0")  # 规培 students
        else:
            category, base = "in_service", D(rng.choice(WAGES))
        if member == extra:
            amount = dues.expected_amount(category, base) + D("100")
            note = "自愿多交"
        dues_rate_set(
            acting_user=admin,
            member=member,
            category=category,
            monthly_base=base,
            amount=amount,
            start_month=first,
            note=note,
        )
        last = dues.add_months(this_month, -ARREARS_MONTHS) if member == in_arrears else this_month
        for month in dues.months_between(first, last):
            dues_payment_record(
                acting_user=admin,
                member=member,
                months=[month],
                amount=amount,
                paid_on=_paid_on(month, today),
                method=DuesPayment.Method.PAYROLL,
                receipt_no=f"DF{month:%Y%m}-{member.pk}",
                note=note,
            )


def _seed_funds(admin, orgs, today: datetime.date) -> None:
    year = today.year
    for name, amount in BUDGETS:
        if name in orgs:
            fund_budget_set(acting_user=admin, org=orgs[name], year=year, amount=amount, note="年度党建工作经费")
    for name, month, day, category, amount, description, receipt_no in EXPENSES:
        if name not in orgs:
            continue
        spent_on = min(today, datetime.date(year, month, day))
        fund_expense_create(
            acting_user=admin,
            org=orgs[name],
            spent_on=spent_on,
            category=category,
            amount=D(amount),
            description=description,
            receipt_no=receipt_no,
        )

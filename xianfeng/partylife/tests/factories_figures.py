"""A small year of party life for the figures' tests, written as raw rows (the figures must count
facts however they were recorded). The hand counts the tests assert are in ``figures_world``'s
docstring; the period is the first quarter of 2025 and "today" is 30 June 2025."""

import datetime
from decimal import Decimal

from django.utils import timezone

from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.partylife.models import (
    ComplianceRule,
    DuesCategory,
    DuesPayment,
    DuesRate,
    ExpenseCategory,
    FundBudget,
    FundExpense,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    Output,
    Period,
    StudyCompletion,
    StudyItem,
)
from xianfeng.reports.tests.factories import build_reports_base

D = datetime.date
Q1 = {"from": "2025-01-01", "to": "2025-03-31"}
TODAY = D(2025, 6, 30)
K = MeetingKind


def voided(row):
    row.voided_at, row.void_reason = timezone.now(), "录入错误"
    row.save()
    return row


def meeting(org, kind, day, expected, present, *, valid=True, **kw):
    return Meeting.objects.create(
        org=org,
        kind=kind,
        title=kw.pop("title", f"{org.name}{day:%m%d}"),
        held_on=day,
        expected_count=expected,
        present_count=present,
        is_valid=valid,
        **kw,
    )


def rate(member, start, amount, category=DuesCategory.IN_SERVICE):
    return DuesRate.objects.create(
        member=member, start_month=start, category=category, monthly_base=Decimal("0"), rate="0.0050", amount=amount
    )


def pay(member, month, amount):
    return DuesPayment.objects.create(member=member, month=month, amount=amount, paid_on=month)


def expense(org, day, category, amount, *, over=False):
    row = FundExpense.objects.create(
        org=org, spent_on=day, category=category, amount=Decimal(amount), description=f"支出{amount}"
    )
    if over:  # the flag the service sets (not editable): written as the service would
        FundExpense.objects.filter(pk=row.pk).update(over_budget=True)
        row.refresh_from_db()
    return row


def figures_world():
    """build_reports_base (committee ⊃ branch_a ⊃ group_a; branch_b; leader all, clerk committee,
    secretary branch_a, doctor region, member branch_a) with, in Q1 2025:

    Meetings: M1 branch_a 支委会 01-10 (5/4); M2 group_a 党小组会 01-20 (2/2); M3 branch_a 党员大会
    03-05 (5/3); M4 branch_a 党员大会 02-01 not valid; M5 branch_a 支委会 02-10 voided;
    M6 branch_b 支委会 01-15 (3/3); M7 branch_a 支委会 2024-12-01 (before the period).
    Local rule: the committee makes 主题党日 quarterly.
    → leader: 4 held, 12/15 present; compliance 9 slots a branch (assembly 1, committee 3,
    group 3, lecture 1, theme day 1), met: branch_a 3 (assembly, Jan committee, Jan group),
    branch_b 1 (Jan committee).

    Study: S1 committee 02-01; S2 branch_a 03-01; S3 branch_a voided; S4 branch_b 01-05.
    Completions: a1·S1 02-03 2h; a2·S2 03-02 1.5h; b1·S4 01-06 1h; a1·S3 (voided item);
    a3·S2 04-02 (after the period).

    Dues: a1 and b1 paid every month of 2024. a1 ¥10 from 2024-01, paid Jan–Mar 2025 (+ a voided
    duplicate for Jan); a2 ¥20 from 2024-07, ¥25 from 2025-02, never paid (9 months in arrears by
    March); b1 ¥5 from 2024-01, paid Jan 2025 only. → Q1 due 115, collected 35 in 4 payments; a2 in arrears.

    Funds: budgets 2025 committee 50000, branch_a 8000, branch_b 6000 (branch_a 2024 7000).
    Expenses: E1 branch_a 01-12 activity 1200; E2 branch_a 03-20 study 800 over budget; E3
    branch_a voided; E4 committee 02-15 care 3000; E5 branch_b 03-01 activity 400; E6 branch_a
    05-01 (after).

    Honours: H1 branch_a provincial 02-01; H2 member a1 institution 03-01; H3 voided; H4 branch_b
    city 01-10; H5 committee 2024. Outputs: 3 magazine issues of the committee (Jan–Mar), a
    branch_a push 02-14, a voided issue.
    """
    w = build_reports_base()
    Organization.objects.filter(pk__in=[w.committee.pk, w.branch_a.pk, w.group_a.pk, w.branch_b.pk]).update(
        active_from=D(2020, 1, 1)
    )
    for org in (w.committee, w.branch_a, w.group_a, w.branch_b):
        org.refresh_from_db()
    a, g, b, c = w.branch_a, w.group_a, w.branch_b, w.committee
    w.a1 = MemberFactory(name="甲一", branch=a, party_stage=Stage.FULL)
    w.a2 = MemberFactory(name="甲二", branch=a, party_stage=Stage.FULL)
    w.a3 = MemberFactory(name="甲三", branch=g, party_stage=Stage.FULL)
    w.b1 = MemberFactory(name="乙一", branch=b, party_stage=Stage.FULL)

    w.m1 = meeting(a, K.COMMITTEE, D(2025, 1, 10), 5, 4)
    w.m2 = meeting(g, K.GROUP, D(2025, 1, 20), 2, 2)
    w.m3 = meeting(a, K.BRANCH_ASSEMBLY, D(2025, 3, 5), 5, 3)
    w.m4 = meeting(a, K.BRANCH_ASSEMBLY, D(2025, 2, 1), 5, 2, valid=False)
    w.m5 = voided(meeting(a, K.COMMITTEE, D(2025, 2, 10), 5, 5))
    w.m6 = meeting(b, K.COMMITTEE, D(2025, 1, 15), 3, 3)
    w.m7 = meeting(a, K.COMMITTEE, D(2024, 12, 1), 5, 5)
    ComplianceRule.objects.create(
        org=c, kind=K.THEME_DAY, period=Period.QUARTER, min_count=1, start_on=D(2024, 1, 1), note="本院规定"
    )

    def item(org, day, title, hours="1.0"):
        return StudyItem.objects.create(org=org, title=title, published_on=day, hours=Decimal(hours))

    w.s1 = item(c, D(2025, 2, 1), "党委微课堂", "2.0")
    w.s2 = item(a, D(2025, 3, 1), "支部学习")
    w.s3 = voided(item(a, D(2025, 2, 5), "作废的学习"))
    w.s4 = item(b, D(2025, 1, 5), "外科学习")

    def done(item, member, day, hours):
        return StudyCompletion.objects.create(item=item, member=member, completed_on=day, hours=Decimal(hours))

    done(w.s1, w.a1, D(2025, 2, 3), "2.0")
    done(w.s2, w.a2, D(2025, 3, 2), "1.5")
    done(w.s4, w.b1, D(2025, 1, 6), "1.0")
    done(w.s3, w.a1, D(2025, 2, 6), "1.0")
    done(w.s2, w.a3, D(2025, 4, 2), "1.0")

    rate(w.a1, D(2024, 1, 1), Decimal("10"))
    rate(w.a2, D(2024, 7, 1), Decimal("20"))
    rate(w.a2, D(2025, 2, 1), Decimal("25"))
    rate(w.b1, D(2024, 1, 1), Decimal("5"))
    for month in range(1, 13):  # 2024 paid in full by a1 and b1
        pay(w.a1, D(2024, month, 1), Decimal("10"))
        pay(w.b1, D(2024, month, 1), Decimal("5"))
    for month in (1, 2, 3):
        pay(w.a1, D(2025, month, 1), Decimal("10"))
    DuesPayment.objects.create(  # a voided duplicate (voided when written: one live payment a month)
        member=w.a1,
        month=D(2025, 1, 1),
        amount=Decimal("99"),
        paid_on=D(2025, 1, 2),
        voided_at=timezone.now(),
        void_reason="重复登记",
    )
    pay(w.b1, D(2025, 1, 1), Decimal("5"))

    FundBudget.objects.create(org=c, year=2025, amount=Decimal("50000"))
    FundBudget.objects.create(org=a, year=2025, amount=Decimal("8000"))
    FundBudget.objects.create(org=b, year=2025, amount=Decimal("6000"))
    FundBudget.objects.create(org=a, year=2024, amount=Decimal("7000"))
    w.e1 = expense(a, D(2025, 1, 12), ExpenseCategory.ACTIVITY, "1200")
    w.e2 = expense(a, D(2025, 3, 20), ExpenseCategory.STUDY, "800", over=True)
    w.e3 = voided(expense(a, D(2025, 2, 2), ExpenseCategory.OTHER, "500"))
    w.e4 = expense(c, D(2025, 2, 15), ExpenseCategory.CARE, "3000")
    w.e5 = expense(b, D(2025, 3, 1), ExpenseCategory.ACTIVITY, "400")
    w.e6 = expense(a, D(2025, 5, 1), ExpenseCategory.ACTIVITY, "100")

    def honour(org, level, day, member=None):
        return Honour.objects.create(
            org=org, member=member, title=f"荣誉{day:%m%d}", level=level, issuer="市委", awarded_on=day
        )

    w.h1 = honour(a, HonourLevel.PROVINCIAL, D(2025, 2, 1))
    w.h2 = honour(a, HonourLevel.INSTITUTION, D(2025, 3, 1), member=w.a1)
    w.h3 = voided(honour(a, HonourLevel.NATIONAL, D(2025, 3, 2)))
    w.h4 = honour(b, HonourLevel.CITY, D(2025, 1, 10))
    w.h5 = honour(c, HonourLevel.NATIONAL, D(2024, 6, 1))

    def output(org, kind, day, no=""):
        return Output.objects.create(org=org, kind=kind, title=f"成果{day:%m%d}", issue_no=no, published_on=day)

    w.outputs = [output(c, Output.Kind.MAGAZINE, D(2025, m, 10), f"第{100 + m}期") for m in (1, 2, 3)]
    w.o_push = output(a, Output.Kind.PUSH, D(2025, 2, 14))
    w.o_void = voided(output(c, Output.Kind.MAGAZINE, D(2025, 3, 20), "第104期"))
    return w

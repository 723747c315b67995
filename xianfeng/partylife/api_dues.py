"""The party dues and party-building funds (and the dues import) over the API.

/api/partylife/dues/...: rates (get, set), payments (list, create, void), the month statement,
members in arrears. /api/partylife/funds/...: budgets (list, set), expenses (list, create, void),
the year's summary. Reads start from ``scoped()``; out of scope → 404, read-only → 403; the
services' errors come back as 422 under the API's field names.

Payments carry an idempotency key for the offline outbox: DuesPayment has no key column, so a
repeated create is recognised by its content — the same caller, member, months, paid_on and
amounts already recorded — and answered 200 with the rows made before (201 when new).
"""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, Pagination
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.api_shared import VoidIn
from xianfeng.servicelog.api_shared import call_service as _call

from . import dues, selectors_dues, selectors_funds, services_dues, services_funds
from .models import DuesCategory, DuesPayment, DuesRate, ExpenseCategory, FundBudget, FundExpense

router = Router(tags=["partylife"])

API_FIELD = {"member": "member_id", "org": "org_id", "months": "months"}
DENIED = gettext_lazy("不在您的党费/经费管理范围内")

Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999.99"), max_digits=9, decimal_places=2)]
FundMoney = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)]
Month = Annotated[str, Field(pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Year = Annotated[int, Field(ge=2000, le=2100)]
CategoryCode = Literal[tuple(DuesCategory.values)]  # type: ignore[valid-type]
MethodCode = Literal[tuple(DuesPayment.Method.values)]  # type: ignore[valid-type]
ExpenseCode = Literal[tuple(ExpenseCategory.values)]  # type: ignore[valid-type]


def _month(text: str) -> datetime.date:
    year, month = text.split("-")
    return datetime.date(int(year), int(month), 1)


class DuesRateOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    start_month: datetime.date
    category: str
    monthly_base: Decimal
    rate: Decimal
    amount: Decimal
    note: str


class DuesRateIn(Schema):
    member_id: Id
    category: CategoryCode
    monthly_base: Money = Decimal("0")
    amount: Money | None = Field(None, description="不填按标准计算；高于标准须填 note")
    start_month: Month
    note: Annotated[str, Field(max_length=200)] = ""


class DuesPaymentOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    month: datetime.date
    amount: Decimal
    paid_on: datetime.date
    method: str
    receipt_no: str
    voided_at: datetime.datetime | None
    void_reason: str


class DuesPaymentIn(Schema):
    member_id: Id
    from_month: Month
    to_month: Month | None = Field(None, description="不填则只交纳 from_month 一个月")
    amount: Money | None = Field(None, description="每月金额，不填按每月标准")
    paid_on: Date
    method: MethodCode = DuesPayment.Method.TRANSFER
    receipt_no: Annotated[str, Field(max_length=40)] = ""
    note: Annotated[str, Field(max_length=200)] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class DuesPaymentFilters(Schema):
    branch_id: Id | None = None
    member_id: Id | None = None
    month: Month | None = None
    include_voided: bool = False


class DuesStatementRowOut(Schema):
    member_id: int
    member_name: str
    category: str | None
    monthly_base: Decimal | None
    due: Decimal | None
    paid: Decimal | None
    paid_on: datetime.date | None
    owed: Decimal
    consecutive_unpaid: int
    flagged: bool


class DuesStatementOut(Schema):
    branch_id: int
    branch_name: str
    month: datetime.date
    due: Decimal
    paid: Decimal
    owed: Decimal
    rows: list[DuesStatementRowOut]


class DuesArrearsOut(Schema):
    member_id: int
    member_name: str
    branch_name: str
    consecutive_unpaid: int
    unpaid_months: int
    owed: Decimal


class FundBudgetOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(alias="org.name")
    year: int
    amount: Decimal
    note: str


class FundBudgetIn(Schema):
    org_id: Id
    year: Year
    amount: FundMoney
    note: Annotated[str, Field(max_length=200)] = ""


class FundExpenseOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(alias="org.name")
    spent_on: datetime.date
    category: str
    amount: Decimal
    description: str
    receipt_no: str
    over_budget: bool
    voided_at: datetime.datetime | None


class FundExpenseIn(Schema):
    org_id: Id
    spent_on: Date
    category: ExpenseCode
    amount: Annotated[Decimal, Field(gt=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)]
    description: Annotated[str, Field(min_length=1, max_length=200)]
    receipt_no: Annotated[str, Field(max_length=40)] = ""


class FundExpenseCreatedOut(Schema):
    expense: FundExpenseOut
    warning: str


class FundCategoryOut(Schema):
    category: str
    label: str
    amount: Decimal
    count: int


class FundSummaryOut(Schema):
    year: int
    budget: Decimal | None
    spent: Decimal
    balance: Decimal | None
    over_budget_count: int
    expense_count: int
    by_category: list[FundCategoryOut]


def _member(user, pk: int) -> Member:
    member = scoped(user, Member, VIEW).filter(pk=pk).first()
    if member is None:
        raise ValidationError({"member_id": [_("未找到该党员（或不在您的权限范围内）")]})
    return member


def _branch(user, pk: int | None, action=VIEW):
    branches = selectors_dues.dues_branches(user, action)
    branch = branches.filter(pk=pk).first() if pk else branches.first()
    if branch is None:
        raise ValidationError({"branch_id": [_("未找到该支部（或不在您的党费管理范围内）")]})
    return branch


# --- dues ---------------------------------------------------------------------------------


@router.get(
    "/dues/rates/",
    response=list[DuesRateOut],
    summary="党费标准",
    description="调用者范围内党员的党费标准（党员本人只见自己的）。",
)
@paginate(Pagination, page_size=100)
def list_dues_rates(request, member_id: Id | None = None, branch_id: Id | None = None):
    if not can(request.user, VIEW, DuesRate):
        raise PermissionDenied
    rates = selectors_dues.rates_list(request.user)
    if member_id:
        rates = rates.filter(member_id=member_id)
    if branch_id:
        rates = rates.filter(member__branch_id=branch_id)
    return rates


@router.post(
    "/dues/rates/",
    response={201: DuesRateOut},
    summary="设置党费标准",
    description=(
        "按《关于中国共产党党费收缴、使用和管理的规定》的标准：在职按税后月工资 3000 元以下（含）0.5%、"
        "3000–5000（含）1%、5000–10000（含）1.5%、10000 以上 2%；离退休 5000 元以下（含）0.5%、以上 1%；"
        "农民每月 0.2–1 元；学生、下岗失业、低保每月 0.2 元。amount 低于标准被拒绝，高于标准须有 note。"
        "同一党员同一起始月份再次设置即修改。"
    ),
)
def set_dues_rate(request, payload: DuesRateIn):
    user = request.user
    if not can(user, CHANGE, DuesRate):
        raise PermissionDenied
    rate = _call(
        services_dues.dues_rate_set,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        member=_member(user, payload.member_id),
        category=payload.category,
        monthly_base=payload.monthly_base,
        amount=payload.amount,
        start_month=_month(payload.start_month),
        note=payload.note,
    )
    return Status(201, rate)


@router.get("/dues/rates/{rate_id}/", response=DuesRateOut, summary="党费标准详情")
def get_dues_rate(request, rate_id: Id):
    return get_scoped_or_404(request.user, selectors_dues.rates_list(request.user), VIEW, pk=rate_id)


@router.get("/dues/payments/", response=list[DuesPaymentOut], summary="党费交纳记录")
@paginate(Pagination, page_size=100)
def list_dues_payments(request, filters: Query[DuesPaymentFilters]):
    if not can(request.user, VIEW, DuesPayment):
        raise PermissionDenied
    payments = selectors_dues.payments_list(
        request.user,
        month=_month(filters.month) if filters.month else None,
        include_voided=filters.include_voided,
    )
    if filters.branch_id:
        payments = payments.filter(member__branch_id=filters.branch_id)
    if filters.member_id:
        payments = payments.filter(member_id=filters.member_id)
    return payments


def _replayed(user, member, months, payload) -> list[DuesPayment] | None:
    """The rows this same request made before (same caller, member, months, paid_on, amount)."""
    if not payload.idempotency_key:
        return None
    rows = list(
        scoped(user, DuesPayment).filter(
            member=member, month__in=months, voided_at__isnull=True, created_by=user, paid_on=payload.paid_on
        )
    )
    if len(rows) != len(months):
        return None
    if payload.amount is not None and any(r.amount != payload.amount for r in rows):
        return None
    return sorted(rows, key=lambda r: r.month)


@router.post(
    "/dues/payments/",
    response={200: list[DuesPaymentOut], 201: list[DuesPaymentOut]},
    summary="登记党费交纳",
    description=(
        "一次交纳一个月或连续多个月（from_month 至 to_month，每月一条）。已交纳的月份被拒绝，全部不保存；"
        "金额须等于该月标准（高于标准须有 note）；交纳日期不能晚于今天。带 idempotency_key 重复提交同一内容返回 200 "
        "和已有记录，新建返回 201。"
    ),
)
def create_dues_payment(request, payload: DuesPaymentIn):
    user = request.user
    if not can(user, CHANGE, DuesPayment):
        raise PermissionDenied
    member = _member(user, payload.member_id)
    first = _month(payload.from_month)
    last = _month(payload.to_month) if payload.to_month else first
    if last < first:
        first, last = last, first
    if (last.year - first.year) * 12 + last.month - first.month >= services_dues.MAX_MONTHS_AT_ONCE:
        raise ValidationError({"to_month": [_("一次最多交纳 36 个月")]})
    months = dues.months_between(first, last)
    again = _replayed(user, member, months, payload)
    if again is not None:
        return Status(200, again)
    saved = _call(
        services_dues.dues_payment_record,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        member=member,
        months=months,
        amount=payload.amount,
        paid_on=payload.paid_on,
        method=payload.method,
        receipt_no=payload.receipt_no,
        note=payload.note,
    )
    return Status(201, saved)


@router.post("/dues/payments/{payment_id}/void/", response=DuesPaymentOut, summary="作废党费交纳记录")
def void_dues_payment(request, payment_id: Id, payload: VoidIn):
    user = request.user
    payment = get_scoped_or_404(user, selectors_dues.payments_list(user, include_voided=True), CHANGE, pk=payment_id)
    services_dues.ensure_manages(user, payment.member)  # 403: a member's own payment is the branch's to void
    return _call(
        services_dues.dues_payment_void,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        payment=payment,
        reason=payload.reason,
    )


@router.get(
    "/dues/statement/",
    response=DuesStatementOut,
    summary="支部月度党费收缴明细",
    description=(
        "支部（branch_id，默认第一个）每名党员本月的标准、应交、实交、交纳日期和累计欠交；flagged 为连续 6 个月未交。"
    ),
)
def dues_statement(request, month: Month, branch_id: Id | None = None):
    user = request.user
    branch = _branch(user, branch_id)
    statement = selectors_dues.month_statement(user, branch, _month(month))
    return {
        "branch_id": branch.pk,
        "branch_name": branch.name,
        "month": statement.month,
        "due": statement.due,
        "paid": statement.paid,
        "owed": statement.owed,
        "rows": [
            {
                "member_id": r.member.pk,
                "member_name": r.member.name,
                "category": r.rate.category if r.rate else None,
                "monthly_base": r.rate.monthly_base if r.rate else None,
                "due": r.due,
                "paid": r.payment.amount if r.payment else None,
                "paid_on": r.payment.paid_on if r.payment else None,
                "owed": r.owed,
                "consecutive_unpaid": r.arrears.longest_run,
                "flagged": r.flagged,
            }
            for r in statement.rows
        ],
    }


@router.get(
    "/dues/arrears/",
    response=list[DuesArrearsOut],
    summary="连续6个月未交党费的党员",
    description="党章第三十八条：连续六个月不交纳党费视为自行脱党，支部须及时处置。",
)
def dues_arrears(request):
    if not can(request.user, VIEW, DuesPayment):
        raise PermissionDenied
    return [
        {
            "member_id": m.pk,
            "member_name": m.name,
            "branch_name": m.branch.name,
            "consecutive_unpaid": a.longest_run,
            "unpaid_months": a.unpaid_months,
            "owed": a.owed,
        }
        for m, a in selectors_dues.members_in_arrears(request.user)
    ]


# --- funds --------------------------------------------------------------------------------


@router.get("/funds/budgets/", response=list[FundBudgetOut], summary="党建经费预算")
@paginate(Pagination, page_size=100)
def list_fund_budgets(request, year: Year | None = None, org_id: Id | None = None):
    if not can(request.user, VIEW, FundBudget):
        raise PermissionDenied
    budgets = scoped(request.user, FundBudget).select_related("org")
    if year:
        budgets = budgets.filter(year=year)
    if org_id:
        budgets = budgets.filter(org_id=org_id)
    return budgets


@router.post(
    "/funds/budgets/",
    response={200: FundBudgetOut},
    summary="设置党建经费预算",
    description="同一组织同一年度再次设置即修改。",
)
def set_fund_budget(request, payload: FundBudgetIn):
    user = request.user
    if not can(user, CHANGE, FundBudget):
        raise PermissionDenied
    org = scoped(user, Organization, VIEW).filter(pk=payload.org_id).first()
    if org is None:
        raise ValidationError({"org_id": [_("未找到该组织（或不在您的权限范围内）")]})
    return _call(
        services_funds.fund_budget_set,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        org=org,
        year=payload.year,
        amount=payload.amount,
        note=payload.note,
    )


@router.get("/funds/expenses/", response=list[FundExpenseOut], summary="党建经费支出")
@paginate(Pagination, page_size=100)
def list_fund_expenses(
    request, year: Year | None = None, org_id: Id | None = None, over_budget: bool = False, include_voided: bool = False
):
    if not can(request.user, VIEW, FundExpense):
        raise PermissionDenied
    rows = selectors_funds.expenses(request.user, year=year, over_budget=over_budget, include_voided=include_voided)
    if org_id:
        rows = rows.filter(org_id=org_id)
    return rows


@router.post(
    "/funds/expenses/",
    response={201: FundExpenseCreatedOut},
    summary="登记党建经费支出",
    description=(
        "超出该组织当年剩余预算（或当年未设预算）的支出照样登记，标记 over_budget，并在 warning 中给出预算、"
        "已支出和超出金额。票据扫描件请在页面上传。"
    ),
)
def create_fund_expense(request, payload: FundExpenseIn):
    user = request.user
    if not can(user, CHANGE, FundExpense):
        raise PermissionDenied
    org = scoped(user, Organization, VIEW).filter(pk=payload.org_id).first()
    if org is None:
        raise ValidationError({"org_id": [_("未找到该组织（或不在您的权限范围内）")]})
    check = selectors_funds.budget_check(user, org, payload.spent_on.year, payload.amount)
    expense = _call(
        services_funds.fund_expense_create,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        org=org,
        spent_on=payload.spent_on,
        category=payload.category,
        amount=payload.amount,
        description=payload.description,
        receipt_no=payload.receipt_no,
    )
    return Status(201, {"expense": expense, "warning": check.message if expense.over_budget else ""})


@router.post("/funds/expenses/{expense_id}/void/", response=FundExpenseOut, summary="作废党建经费支出")
def void_fund_expense(request, expense_id: Id, payload: VoidIn):
    user = request.user
    expense = get_scoped_or_404(user, FundExpense, CHANGE, pk=expense_id)
    return _call(
        services_funds.fund_expense_void,
        names=API_FIELD,
        denied=str(DENIED),
        acting_user=user,
        expense=expense,
        reason=payload.reason,
    )


@router.get(
    "/funds/summary/",
    response=FundSummaryOut,
    summary="党建经费年度汇总",
    description="预算、已支出、结余和分类支出；给出 org_id 时只含该组织，否则为调用者范围内各组织之和。",
)
def fund_summary(request, year: Year, org_id: Id | None = None):
    user = request.user
    if not can(user, VIEW, FundExpense):
        raise PermissionDenied
    org = None
    if org_id:
        # An id in the query names a field, like an id in a body: 422, not 404 (the path's ids are 404).
        org = scoped(user, Organization, VIEW).filter(pk=org_id).first()
        if org is None:
            raise ValidationError({"org_id": [_("未找到该组织（或不在您的权限范围内）")]})
    return selectors_funds.fund_summary(user, year, org=org).as_dict()

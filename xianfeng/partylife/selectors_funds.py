"""Reads of party-building funds. Every selector starts from ``scoped()``.

``fund_summary(user, year, org=None)`` is the figure reports call: budget, spent, balance and
spending by category for one organization (org given: that organization only) or for every
organization in the user's funds scope (summed), voided expenses excluded."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.orgs.models import Organization

from .models import ExpenseCategory, FundBudget, FundExpense

ZERO = Decimal("0.00")


def fund_orgs(user, action: str = VIEW) -> QuerySet:
    """Organizations the user may see funds of: those in their funds scope (a budget row or
    an expense opens nothing more than the grant itself)."""
    from .selectors_dues import _grant_org_q

    orgs = scoped(user, Organization, VIEW)

    org_q = _grant_org_q(user, f"funds.{action}")
    return (orgs if org_q is None else orgs.filter(org_q)).order_by("path")


def expenses(user, *, org=None, year=None, category="", over_budget=False, query="", include_voided=False) -> QuerySet:
    rows = scoped(user, FundExpense).select_related("org")
    if org is not None:
        rows = rows.filter(org=org)
    if year:
        rows = rows.filter(spent_on__year=year)
    if category:
        rows = rows.filter(category=category) if category in ExpenseCategory.values else rows.none()
    if over_budget:
        rows = rows.filter(over_budget=True)
    query = (query or "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL in text
    if query:
        rows = rows.filter(Q(description__icontains=query) | Q(receipt_no=query))
    if not include_voided:
        rows = rows.filter(voided_at__isnull=True)
    return rows.order_by("-spent_on", "-id")


@dataclass
class FundSummary:
    year: int
    budget: Decimal | None  # None: no budget set for that year
    spent: Decimal
    by_category: list = field(default_factory=list)  # (code, label, amount, count)
    over_budget_count: int = 0
    expense_count: int = 0

    @property
    def balance(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "budget": self.budget,
            "spent": self.spent,
            "balance": self.balance,
            "by_category": [
                {"category": c, "label": str(lbl), "amount": a, "count": n} for c, lbl, a, n in self.by_category
            ],
            "over_budget_count": self.over_budget_count,
            "expense_count": self.expense_count,
        }


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def fund_summary(user, year: int, org=None) -> FundSummary:
    """Budget, spent, balance and spending by category for ``year``: ``org`` alone when given,
    else every organization in the user's funds scope. Voided expenses excluded."""
    budgets = scoped(user, FundBudget).filter(year=year)
    spent = scoped(user, FundExpense).filter(spent_on__year=year, voided_at__isnull=True)
    if org is not None:
        budgets = budgets.filter(org=org)
        spent = spent.filter(org=org)
    budget = budgets.aggregate(total=Sum("amount"))["total"]
    budget = None if budget is None else _money(budget)
    by = {row["category"]: row for row in spent.values("category").annotate(amount=Sum("amount"), n=Count("id"))}
    labels = dict(ExpenseCategory.choices)
    by_category = [
        (code, labels[code], _money(by[code]["amount"]), by[code]["n"]) for code in ExpenseCategory.values if code in by
    ]
    total = sum((row[2] for row in by_category), ZERO)
    return FundSummary(
        year=year,
        budget=budget,
        spent=total,
        by_category=by_category,
        over_budget_count=spent.filter(over_budget=True).count(),
        expense_count=sum(row[3] for row in by_category),
    )


@dataclass
class BudgetCheck:
    budget: Decimal | None
    spent: Decimal
    amount: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent

    @property
    def over_budget(self) -> bool:
        return self.budget is None or self.amount > self.remaining

    @property
    def message(self) -> str:
        if self.budget is None:
            return _("该组织 %(y)s 年尚未设置党建经费预算，本笔支出 ¥%(a)s 将标记为超预算") % {
                "y": self.year,
                "a": self.amount,
            }
        if self.over_budget:
            return _("本年预算 ¥%(b)s，已支出 ¥%(s)s，剩余 ¥%(r)s；本笔 ¥%(a)s 超出预算 ¥%(o)s，将标记为超预算") % {
                "b": self.budget,
                "s": self.spent,
                "r": self.remaining,
                "a": self.amount,
                "o": self.amount - self.remaining,
            }
        return ""

    year: int = 0


def budget_check(user, org, year: int, amount: Decimal) -> BudgetCheck:
    """Whether ``amount`` fits in what remains of ``org``'s budget for ``year``."""
    budget = scoped(user, FundBudget).filter(org=org, year=year).values_list("amount", flat=True).first()
    spent = (
        scoped(user, FundExpense)
        .filter(org=org, spent_on__year=year, voided_at__isnull=True)
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return BudgetCheck(
        budget=None if budget is None else _money(budget), spent=_money(spent), amount=_money(amount), year=year
    )


def expense_for(user, pk) -> FundExpense | None:
    return scoped(user, FundExpense).filter(pk=pk).first()


def year_default(today: datetime.date) -> int:
    return today.year


def scoped_export_ids(user):
    return scoped(user, FundExpense, "export").values("pk")

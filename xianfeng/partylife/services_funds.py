"""Writes of party-building funds (issue 13 §4): a yearly budget per organization, expenses by
category with a receipt scan (stored encrypted, core/filecrypt.py), voiding. Spending beyond
the year's remaining budget is allowed (a bill must be paid) but flagged ``over_budget``; the
forms show the numbers first and ask to confirm (selectors_funds.budget_check)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core import filecrypt
from xianfeng.orgs.models import Organization

from . import dues
from .models import ExpenseCategory, FundBudget, FundExpense

MAX_FUND = Decimal("9999999999.99")
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
RECEIPT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".webp")


def expense_snapshot(expense: FundExpense) -> dict:
    data = snapshot(expense, exclude=("receipt",))
    data["receipt"] = bool(expense.receipt.name)
    return data


def _org(acting_user, org) -> Organization:
    if org is None or not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    return org


def _amount(value, field: str, *, positive: bool) -> Decimal:
    amount = dues.parse_money(value, field) if not isinstance(value, Decimal) else value
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("请填写金额（元），最多两位小数")})
    if amount > MAX_FUND:
        raise ValidationError({field: _("金额过大")})
    if positive and amount <= 0:
        raise ValidationError({field: _("金额须大于 0")})
    if amount < 0:
        raise ValidationError({field: _("金额不能为负数")})
    return amount


@transaction.atomic
def fund_budget_set(*, acting_user, org: Organization, year: int, amount, note: str = "") -> FundBudget:
    """Set (or change) an organization's budget for a year."""
    org = _org(acting_user, org)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("请填写年度（2000–2100）")})
    amount = _amount(amount, "amount", positive=False)
    budget = FundBudget.objects.select_for_update().filter(org=org, year=year).first()
    before = snapshot(budget) if budget else None
    if budget is None:
        budget = FundBudget(org=org, year=year)
    else:
        ensure_in_scope(acting_user, budget, CHANGE)
    budget.amount = amount
    budget.note = (note or "").strip()[:200]
    budget.full_clean()
    budget.save()
    ensure_in_scope(acting_user, budget, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE if before else ChangeLog.Action.CREATE,
        obj=budget,
        before=before,
        after=snapshot(budget),
    )
    return budget


def _check_receipt(receipt) -> None:
    if receipt is None:
        return
    name = (getattr(receipt, "name", "") or "").lower()
    if not name.endswith(RECEIPT_SUFFIXES):
        raise ValidationError({"receipt": _("票据扫描件须为 PDF 或图片（jpg、png、webp）")})
    if getattr(receipt, "size", 0) > MAX_RECEIPT_BYTES:
        raise ValidationError({"receipt": _("票据扫描件不能超过 10 MB")})


@transaction.atomic
def fund_expense_create(
    *,
    acting_user,
    org: Organization,
    spent_on: datetime.date,
    category: str,
    amount,
    description: str,
    receipt_no: str = "",
    receipt=None,
) -> FundExpense:
    """Record an expense. Beyond the year's remaining budget (or with no budget that year) it is
    saved and flagged ``over_budget``."""
    from .selectors_funds import budget_check

    org = _org(acting_user, org)
    if not isinstance(spent_on, datetime.date):
        raise ValidationError({"spent_on": _("请填写支出日期")})
    if spent_on > timezone.localdate():
        raise ValidationError({"spent_on": _("支出日期不能晚于今天")})
    if category not in ExpenseCategory.values:
        raise ValidationError({"category": _("请选择类别")})
    amount = _amount(amount, "amount", positive=True)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请填写用途")})
    _check_receipt(receipt)
    check = budget_check(acting_user, org, spent_on.year, amount)
    expense = FundExpense(
        org=org,
        spent_on=spent_on,
        category=category,
        amount=amount,
        description=description[:200],
        receipt_no=(receipt_no or "").strip()[:40],
        over_budget=check.over_budget,
    )
    if receipt is not None:
        expense.receipt_name = (getattr(receipt, "name", "") or "")[-200:]
        filecrypt.store_encrypted(expense.receipt, f"{timezone.now():%Y%m%d%H%M%S}.enc", receipt)
    expense.full_clean()
    expense.save()
    ensure_in_scope(acting_user, expense, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=expense,
        after=expense_snapshot(expense),
        note=check.message if check.over_budget else "",
    )
    return expense


@transaction.atomic
def fund_expense_void(*, acting_user, expense: FundExpense, reason: str) -> FundExpense:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    expense = FundExpense.objects.select_for_update().get(pk=expense.pk)
    ensure_in_scope(acting_user, expense, CHANGE)
    if expense.is_voided:
        raise ValidationError(_("该支出已作废"))
    before = expense_snapshot(expense)
    expense.voided_at = timezone.now()
    expense.voided_by = acting_user
    expense.void_reason = reason[:200]
    expense.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.VOID,
        obj=expense,
        before=before,
        after=expense_snapshot(expense),
        note=reason,
    )
    return expense

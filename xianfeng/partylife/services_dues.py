"""Writes of party dues (issue 13 §3; DESIGN.md §4.1): a member's rate by the national brackets
(partylife/dues.py), payments month by month, voiding. Keyword-only, atomic, scope checked before
and after the write, ChangeLog in the same transaction. Payments are voided, never deleted.

A range of months is one decision: every month is checked first (a rate in effect, not paid
yet, the amount against the month's due) and nothing is written unless all pass.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage

from . import dues
from .models import DuesCategory, DuesPayment, DuesRate

PARTY_STAGES = (Stage.PROBATIONARY, Stage.FULL)
MAX_MONTHS_AT_ONCE = 36
MAX_MONTHS_AHEAD = 12  # 预交: a member may pay up to a year ahead


def _member(acting_user, member) -> Member:
    """The member, visible to the user and a party member (预备 or 正式)."""
    if member is None or not scoped(acting_user, Member, VIEW).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("未找到该党员（或不在您的权限范围内）")})
    member = Member.objects.select_related("branch").get(pk=member.pk)
    if member.party_stage not in PARTY_STAGES:
        raise ValidationError(
            {
                "member": _("%(n)s 不是党员（%(s)s），无须交纳党费")
                % {"n": member.name, "s": member.get_party_stage_display()}
            }
        )
    ensure_manages(acting_user, member)
    return member


def ensure_manages(acting_user, member: Member) -> None:
    """Dues are kept by the branch: the user needs dues.change over the member's organization.
    (The dues models open a member's own rows to them for every action — ScopeSpec.owner_always
    without owner_actions — so ensure_in_scope alone would let a clerk record or void their own
    dues outside their scope.)"""
    from .selectors_dues import may_manage

    if not may_manage(acting_user, member.branch, CHANGE):
        raise PermissionDenied(denied_message())


def _month(value, field: str) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("请选择月份")})
    return dues.month_start(value)


def rate_snapshot(rate: DuesRate) -> dict:
    return snapshot(rate)


def payment_snapshot(payment: DuesPayment) -> dict:
    return snapshot(payment)


@transaction.atomic
def dues_rate_set(
    *,
    acting_user,
    member: Member,
    category: str,
    monthly_base=Decimal("0"),
    amount=None,
    start_month: datetime.date,
    note: str = "",
) -> DuesRate:
    """Set a member's monthly dues from ``start_month`` on (replacing a rate set for that same
    month). ``amount`` defaults to the bracket's; another amount is checked (dues.check_amount)."""
    member = _member(acting_user, member)
    start = _month(start_month, "start_month")
    if category not in DuesCategory.values:
        raise ValidationError({"category": _("请选择交纳类别")})
    base = dues.parse_money(monthly_base if monthly_base not in (None, "") else 0, "monthly_base")
    if base < 0:
        raise ValidationError({"monthly_base": _("交纳基数不能为负数")})
    if category not in dues.BASED:
        base = Decimal("0")
    elif base == 0:
        raise ValidationError({"monthly_base": _("在职、离退休党员须填写交纳基数（税后月工资或月离退休费）")})
    note = (note or "").strip()
    amount = dues.expected_amount(category, base) if amount in (None, "") else dues.parse_money(amount)
    dues.check_amount(category, base, amount, note)
    rate = DuesRate.objects.select_for_update().filter(member=member, start_month=start).first()
    before = rate_snapshot(rate) if rate else None
    if rate is not None:
        ensure_in_scope(acting_user, rate, CHANGE)
    else:
        rate = DuesRate(member=member, start_month=start)
    rate.category = category
    rate.monthly_base = base
    rate.rate = dues.rate_of(category, base)
    rate.amount = dues.money(amount)
    rate.note = note[:200]
    rate.full_clean()
    rate.save()
    ensure_in_scope(acting_user, rate, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE if before else ChangeLog.Action.CREATE,
        obj=rate,
        before=before,
        after=rate_snapshot(rate),
    )
    return rate


@dataclass
class PlannedPayment:
    member: Member
    month: datetime.date
    due: Decimal
    amount: Decimal


def plan_payments(
    *, acting_user, member: Member, months: list[datetime.date], amount=None, note: str = ""
) -> list[PlannedPayment]:
    """Check every month before anything is written: a rate in effect, not paid yet, the amount
    (each month's) equal to the month's due, or more with a note. Raises one ValidationError
    naming every bad month."""
    member = _member(acting_user, member)
    months = sorted({dues.month_start(m) for m in months})
    if not months:
        raise ValidationError({"months": _("请选择要交纳的月份")})
    if len(months) > MAX_MONTHS_AT_ONCE:
        raise ValidationError({"months": _("一次最多交纳 %(n)s 个月") % {"n": MAX_MONTHS_AT_ONCE}})
    latest = dues.add_months(dues.month_start(timezone.localdate()), MAX_MONTHS_AHEAD)
    if months[-1] > latest:
        raise ValidationError({"months": _("最多预交到 %(m)s") % {"m": f"{latest:%Y-%m}"}})
    rates = list(scoped(acting_user, DuesRate).filter(member=member))
    paid = set(
        scoped(acting_user, DuesPayment)
        .filter(member=member, month__in=months, voided_at__isnull=True)
        .values_list("month", flat=True)
    )
    given = None if amount in (None, "") else dues.money(dues.parse_money(amount))
    if given is not None and given <= 0:
        raise ValidationError({"amount": _("金额须大于 0")})
    problems, planned = [], []
    for month in months:
        rate = dues.rate_for(rates, month)
        label = f"{month:%Y-%m}"
        if rate is None:
            problems.append(_("%(m)s 没有党费标准，请先设置该党员的交纳标准") % {"m": label})
            continue
        if month in paid:
            problems.append(_("%(m)s 已交纳，不能重复登记") % {"m": label})
            continue
        value = rate.amount if given is None else given
        if value < rate.amount:
            problems.append(_("%(m)s 应交 ¥%(e)s，¥%(a)s 低于标准") % {"m": label, "e": rate.amount, "a": value})
            continue
        if value > rate.amount and not (note or "").strip():
            problems.append(
                _("%(m)s 应交 ¥%(e)s；多交 ¥%(a)s 须在说明中注明（如：自愿多交）")
                % {"m": label, "e": rate.amount, "a": value}
            )
            continue
        planned.append(PlannedPayment(member, month, rate.amount, value))
    if problems:
        field = "amount" if all("¥" in p for p in problems) else "months"
        raise ValidationError({field: problems})
    return planned


@transaction.atomic
def dues_payment_record(
    *,
    acting_user,
    member: Member,
    months: list[datetime.date],
    paid_on: datetime.date,
    amount=None,
    method: str = DuesPayment.Method.TRANSFER,
    receipt_no: str = "",
    note: str = "",
) -> list[DuesPayment]:
    """Record ``member``'s dues for one or several months, one row a month (``amount`` per month;
    default: each month's due). All or nothing."""
    if not isinstance(paid_on, datetime.date):
        raise ValidationError({"paid_on": _("请填写交纳日期")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("交纳日期不能晚于今天")})
    if method not in DuesPayment.Method.values:
        raise ValidationError({"method": _("请选择交纳方式")})
    planned = plan_payments(acting_user=acting_user, member=member, months=months, amount=amount, note=note)
    return _write(acting_user, planned, paid_on=paid_on, method=method, receipt_no=receipt_no, note=note)


def _write(acting_user, planned, *, paid_on, method, receipt_no, note) -> list[DuesPayment]:
    saved = []
    for plan in planned:
        payment = DuesPayment(
            member=plan.member,
            month=plan.month,
            amount=plan.amount,
            paid_on=paid_on,
            method=method,
            receipt_no=(receipt_no or "").strip()[:40],
            created_by=acting_user,
        )
        payment.full_clean(exclude=["created_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:  # a concurrent request recorded the same month first
            raise ValidationError(
                {"months": [_("%(m)s 已交纳，不能重复登记") % {"m": f"{plan.month:%Y-%m}"}]}
            ) from None
        ensure_in_scope(acting_user, payment, CHANGE)
        changelog_write(
            actor=acting_user,
            action=ChangeLog.Action.CREATE,
            obj=payment,
            after=payment_snapshot(payment),
            note=(note or "").strip()[:200],
        )
        saved.append(payment)
    return saved


def branch_standard_plan(*, acting_user, branch, month: datetime.date) -> tuple[list[PlannedPayment], list[str]]:
    """「本月按标准全部交纳」: who it will record (each party member of the branch in the user's
    dues.change scope with a rate in effect and the month unpaid, at the standard amount) and
    who it leaves out, with why."""
    from .selectors_dues import branch_party_members

    month = dues.month_start(month)
    members = list(branch_party_members(acting_user, branch, action=CHANGE))
    rates: dict[int, list] = {}
    for rate in scoped(acting_user, DuesRate, CHANGE).filter(member__in=members):
        rates.setdefault(rate.member_id, []).append(rate)
    paid = set(
        scoped(acting_user, DuesPayment)
        .filter(member__in=members, month=month, voided_at__isnull=True)
        .values_list("member_id", flat=True)
    )
    planned, skipped = [], []
    for member in members:
        rate = dues.rate_for(rates.get(member.pk, []), month)
        if member.pk in paid:
            continue
        if rate is None:
            skipped.append(_("%(n)s：没有党费标准") % {"n": member.name})
            continue
        planned.append(PlannedPayment(member, month, rate.amount, rate.amount))
    return planned, skipped


@transaction.atomic
def dues_payment_record_branch(
    *, acting_user, branch, month: datetime.date, paid_on: datetime.date, method: str, member_ids: list[int]
) -> list[DuesPayment]:
    """Record the month at the standard amount for the members the user confirmed (``member_ids``:
    those the preview listed). A member paid in the meantime is refused, nothing saved."""
    if not isinstance(paid_on, datetime.date) or paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("交纳日期不能晚于今天")})
    if method not in DuesPayment.Method.values:
        raise ValidationError({"method": _("请选择交纳方式")})
    planned, _skipped = branch_standard_plan(acting_user=acting_user, branch=branch, month=month)
    wanted = set(member_ids)
    chosen = [p for p in planned if p.member.pk in wanted]
    if len(chosen) != len(wanted):
        raise ValidationError(_("名单已变化（有人已交纳或标准已修改），请重新确认"))
    if not chosen:
        raise ValidationError(_("本月没有需要登记的党员"))
    return _write(acting_user, chosen, paid_on=paid_on, method=method, receipt_no="", note=_("本月按标准全部交纳"))


@transaction.atomic
def dues_payment_void(*, acting_user, payment: DuesPayment, reason: str) -> DuesPayment:
    """Void a payment (entered twice, wrong member...): the month is owed again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    payment = DuesPayment.objects.select_for_update(of=("self",)).select_related("member__branch").get(pk=payment.pk)
    ensure_in_scope(acting_user, payment, CHANGE)
    ensure_manages(acting_user, payment.member)
    if payment.is_voided:
        raise ValidationError(_("该记录已作废"))
    before = payment_snapshot(payment)
    payment.voided_at = timezone.now()
    payment.voided_by = acting_user
    payment.void_reason = reason[:200]
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.VOID,
        obj=payment,
        before=before,
        after=payment_snapshot(payment),
        note=reason[:200],
    )
    return payment


def denied_message() -> str:
    return _("该党员不在您的党费管理范围内")

"""Writes of receipts (DESIGN.md §4.1): keyword-only, atomic, full_clean, scope re-checked after
the write, ChangeLog in the same transaction. Stock moves under a row lock (stock.py).

Distributions are written by ``services_distributions``; the catalogue by ``services_items``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.servicelog import rules
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.models import MAX_QUANTITY, Activity

from . import selectors
from .models import Item, Receipt
from .stock import amount, locked_stock, stock_add

RECEIPT_FIELDS = {
    "org",
    "item",
    "quantity",
    "value_yuan",
    "received_on",
    "kind",
    "donor_kind",
    "donor_name",
    "donor_public",
    "receipt_number",
    "activity",
    "note",
}


@dataclass
class SavedReceipt:
    receipt: Receipt
    created: bool  # False: the idempotency key named a receipt made before


def receipt_snapshot(receipt: Receipt) -> dict:
    return snapshot(receipt, exclude=("idempotency_key",))


def clean_quantity(value, *, field: str = "quantity") -> Decimal:
    """A positive amount with at most two decimals (a negative or zero amount is a field error)."""
    return rules.clean_quantity(value, type_unit="", field=field)


def check_org(user, org, *, field: str = "org", day: datetime.date | None = None):
    """``org`` must be one where the user holds materials.change, and existing on ``day``."""
    if org is None:
        raise ValidationError({field: _("请选择组织")})
    if not selectors.holding_orgs(user).filter(pk=org.pk).exists():
        raise ValidationError({field: _("未找到该组织（或您不能管理它的物资）")})
    if day is not None and day < org.active_from:
        raise ValidationError(
            {field: _("%(o)s 成立于 %(d)s，之前不能有物资往来") % {"o": org.name, "d": org.active_from}}
        )
    return org


def check_item(item: Item | None, *, field: str = "item") -> Item:
    if item is None:
        raise ValidationError({field: _("请选择物资")})
    if not item.active:
        raise ValidationError({field: _("物资“%(i)s”已停用") % {"i": item.name}})
    return item


def check_day(day, *, field: str, today: datetime.date) -> datetime.date:
    if day is None:
        return today
    if day > today:
        raise ValidationError({field: _("日期不能晚于今天")})
    return day


def _donor(fields: dict) -> dict:
    """The donor fields by kind: a donation names its donor (or is anonymous); a produced or
    purchased batch has none."""
    kind = fields.get("kind") or Receipt.Kind.DONATED
    if kind not in Receipt.Kind.values:
        raise ValidationError({"kind": _("请选择来源")})
    donor_kind = fields.get("donor_kind") or ""
    name = (fields.get("donor_name") or "").strip()
    public = fields.get("donor_public", True)
    if kind != Receipt.Kind.DONATED:
        return {"kind": kind, "donor_kind": "", "donor_name": "", "donor_public": True}
    if donor_kind == Receipt.DonorKind.ANONYMOUS:
        return {"kind": kind, "donor_kind": donor_kind, "donor_name": "", "donor_public": False}
    if donor_kind not in Receipt.DonorKind.values:
        raise ValidationError({"donor_kind": _("接收捐赠须选择捐赠方类型（不愿留名的选“匿名”）")})
    if not name:
        raise ValidationError({"donor_name": _("请填写捐赠方名称（不愿留名的选“匿名”）")})
    return {"kind": kind, "donor_kind": donor_kind, "donor_name": name, "donor_public": bool(public)}


def _activity(user, activity: Activity | None, kind: str, org) -> Activity | None:
    if activity is None:
        return None
    if kind != Receipt.Kind.PRODUCED:
        raise ValidationError({"activity": _("只有自制生产的物资才关联生产活动")})
    if not scoped(user, Activity, VIEW).filter(pk=activity.pk).exists():
        raise ValidationError({"activity": _("未找到该活动（或不在您的权限范围内）")})
    if activity.is_voided or activity.status != Activity.Status.HELD:
        raise ValidationError({"activity": _("生产活动须为已举办的活动")})
    return activity


def _value(value) -> Decimal | None:
    """折合金额: zero or more yuan, two decimals; 0 means "not valued"."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"value_yuan": _("“%(v)s”不是有效的金额") % {"v": value}}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"value_yuan": _("折合金额不能为负数")})
    if number > MAX_QUANTITY or number != number.quantize(Decimal("0.01")):
        raise ValidationError({"value_yuan": _("折合金额最多保留两位小数，且不能超过 %(m)s 元") % {"m": MAX_QUANTITY}})
    return number or None


def check_receipt_number(org, number: str, *, exclude_pk=None) -> str:
    number = (number or "").strip()
    if not number:
        return ""
    taken = Receipt.objects.filter(org=org, receipt_number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"receipt_number": _("收据编号“%(n)s”在 %(o)s 已登记过") % {"n": number, "o": org.name}})
    return number


def build_receipt(acting_user, fields: dict, *, today: datetime.date) -> Receipt:
    """An unsaved receipt checked against every rule (shared with the donations import)."""
    unknown = set(fields) - RECEIPT_FIELDS
    if unknown:
        raise TypeError(f"receipt_create got unknown fields {sorted(unknown)}")
    item = check_item(fields.get("item"))
    received_on = check_day(fields.get("received_on"), field="received_on", today=today)
    org = check_org(acting_user, fields.get("org"), day=received_on)
    quantity = clean_quantity(fields.get("quantity"))
    donor = _donor(fields)
    value = fields.get("value_yuan")
    if value in (None, ""):
        value = quantity if item.is_money else None
    else:
        value = _value(value)
    receipt = Receipt(
        org=org,
        item=item,
        quantity=quantity,
        value_yuan=value,
        received_on=received_on,
        activity=_activity(acting_user, fields.get("activity"), donor["kind"], org),
        receipt_number=check_receipt_number(org, fields.get("receipt_number")),
        note=(fields.get("note") or "").strip(),
        created_by=acting_user,
        **donor,
    )
    receipt.full_clean(exclude=["created_by", "voided_by", "org", "item", "activity"])
    return receipt


@transaction.atomic
def receipt_create(*, acting_user, idempotency_key: str = "", **fields) -> SavedReceipt:
    """Receive stock into a holding organization; the stock row grows under its lock.

    Fields: org, item, quantity (> 0), received_on (default today, not in the future), kind
    (donated/produced/purchased), donor_kind, donor_name, donor_public, receipt_number (unique
    per org), activity (a produced batch's held workshop), value_yuan, note."""
    key = check_key(idempotency_key)
    earlier = replay(Receipt, acting_user, key)
    if earlier is not None:
        return SavedReceipt(earlier, False)
    receipt = build_receipt(acting_user, fields, today=timezone.localdate())
    receipt.idempotency_key = key
    earlier = save_new(receipt, acting_user=acting_user, key=key)
    if earlier is not None:
        return SavedReceipt(earlier, False)
    stock = stock_add(locked_stock(receipt.org, receipt.item), receipt.quantity)
    ensure_in_scope(acting_user, receipt, CHANGE)
    after = receipt_snapshot(receipt) | {"stock_after": str(stock.quantity)}
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=receipt, after=after)
    return SavedReceipt(receipt, True)


@transaction.atomic
def receipt_void(*, acting_user, receipt: Receipt, reason: str) -> Receipt:
    """Take a receipt back out of stock, with a reason. Refused while what it brought in has
    been given out (the stock would go negative): the distributions are voided first."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    receipt = Receipt.objects.select_for_update(of=("self",)).select_related("org", "item").get(pk=receipt.pk)
    ensure_in_scope(acting_user, receipt, CHANGE)
    if receipt.is_voided:
        raise ValidationError(
            _("该入库已于 %(t)s 作废") % {"t": timezone.localtime(receipt.voided_at).strftime("%Y-%m-%d %H:%M")}
        )
    stock = locked_stock(receipt.org, receipt.item)
    if stock.quantity < receipt.quantity:
        given = receipt.quantity - stock.quantity
        raise ValidationError(
            _("这批物资已发放 %(g)s，现有库存 %(s)s 不够冲减 %(q)s：请先作废相应的发放")
            % {
                "g": amount(given, receipt.item),
                "s": amount(stock.quantity, receipt.item),
                "q": amount(receipt.quantity, receipt.item),
            }
        )
    before = receipt_snapshot(receipt)
    stock.quantity -= receipt.quantity
    stock.save(update_fields=["quantity", "updated_at"])
    receipt.voided_at = timezone.now()
    receipt.voided_by = acting_user
    receipt.void_reason = reason[:200]
    receipt.save(update_fields=["voided_at", "voided_by", "void_reason"])
    after = receipt_snapshot(receipt) | {"stock_after": str(stock.quantity)}
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.VOID, obj=receipt, before=before, after=after, note=reason
    )
    return receipt

"""Writes of the item catalogue (administrators: materialitems.change over 全部).

An item's distributions count as its service type in that type's unit, so the unit of an item
must be its type's: 口罩 in 件 counted as 发放口罩 (件), 善款 in 元 as 捐款 (元).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot

from .models import Item

ITEM_FIELDS = {"code", "name", "category", "unit", "service_type", "active", "sort_order"}


def _check(item: Item) -> None:
    if item.service_type_id and item.unit != item.service_type.unit:
        raise ValidationError(
            {
                "unit": _("单位须与服务类型“%(t)s”的计量单位（%(u)s）一致")
                % {"t": item.service_type.name, "u": item.service_type.unit}
            }
        )
    if item.unit and item.pk:
        used = item.receipts.exists() or item.distributions.exists()
        stored = Item.objects.filter(pk=item.pk).values_list("unit", flat=True).first()
        if used and stored != item.unit:
            raise ValidationError({"unit": _("该物资已有入库或发放记录，不能改变单位")})


def _allowed(acting_user) -> None:
    if not can(acting_user, CHANGE, Item):
        raise ValidationError(_("只有系统管理员可以维护物资品类"))


@transaction.atomic
def item_create(*, acting_user, **fields) -> Item:
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"item_create got unknown fields {sorted(unknown)}")
    _allowed(acting_user)
    item = Item(**fields)
    item.name = (item.name or "").strip()
    item.full_clean()
    _check(item)
    item.save()
    ensure_in_scope(acting_user, item, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=item, after=snapshot(item))
    return item


@transaction.atomic
def item_update(*, acting_user, item: Item, **changes) -> Item:
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"item_update cannot change {sorted(unknown)}")
    item = Item.objects.select_for_update().get(pk=item.pk)
    ensure_in_scope(acting_user, item, CHANGE)
    before = snapshot(item)
    for field, value in changes.items():
        setattr(item, field, value.strip() if isinstance(value, str) else value)
    item.full_clean()
    _check(item)
    item.save()
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=item, before=before, after=snapshot(item))
    return item

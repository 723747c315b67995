"""Writes of distributions (issue 12 §3): stock given out by its holding organization, never more
than it holds, each a counted fact with its ServiceRecord (servicelog/derived.py) so that the
dashboard's quantities are the distributed quantities.

The stock row is locked before it is read: two clerks giving out the last ten masks at once are
serialised, and the second is told what is left. Nothing is saved when a distribution is refused.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog import selectors as servicelog_selectors
from xianfeng.servicelog.derived import derived_record_create, derived_record_void
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.models import Activity, Subject

from .models import Distribution
from .services import check_day, check_item, check_org, clean_quantity
from .stock import locked_stock, stock_add, stock_take

Kind = Distribution.RecipientKind
DISTRIBUTION_FIELDS = {
    "org",
    "item",
    "quantity",
    "served_on",
    "recipient_kind",
    "resident",
    "household",
    "activity",
    "recipient_org",
    "recipient_name",
    "households_count",
    "note",
}
MAX_HOUSEHOLDS = 1_000_000


@dataclass
class SavedDistribution:
    distribution: Distribution
    created: bool


def distribution_snapshot(distribution: Distribution) -> dict:
    return snapshot(distribution, exclude=("idempotency_key", "village_code", "township_code", "county_code"))


def _resident(user, resident):
    if resident is None:
        raise ValidationError({"resident": _("请选择居民")})
    if not scoped(user, Resident, VIEW).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": _("未找到该居民（或不在您的权限范围内）")})
    if resident.merged_into_id:
        raise ValidationError({"resident": _("该居民记录已合并到另一条记录，请在合并后的记录上登记")})
    return resident


def _household(user, household):
    if household is None:
        raise ValidationError({"household": _("请选择户")})
    if not scoped(user, Household, VIEW).filter(pk=household.pk).exists():
        raise ValidationError({"household": _("未找到该户（或不在您的权限范围内）")})
    return household


def _activity(user, activity):
    if activity is None:
        raise ValidationError({"activity": _("请选择活动")})
    if not scoped(user, Activity, VIEW).filter(pk=activity.pk).exists():
        raise ValidationError({"activity": _("未找到该活动（或不在您的权限范围内）")})
    if activity.is_voided or activity.status == Activity.Status.CANCELLED:
        raise ValidationError({"activity": _("该活动已取消或作废")})
    return activity


def _recipient(user, fields: dict) -> dict:
    """The recipient fields that the kind uses, checked; the others cleared."""
    kind = fields.get("recipient_kind") or ""
    out = {
        "recipient_kind": kind,
        "resident": None,
        "household": None,
        "activity": None,
        "recipient_org": None,
        "recipient_name": "",
        "households_count": 0,
    }
    if kind == Kind.RESIDENT:
        out["resident"] = _resident(user, fields.get("resident"))
    elif kind == Kind.HOUSEHOLD:
        out["household"] = _household(user, fields.get("household"))
    elif kind == Kind.ACTIVITY:
        out["activity"] = _activity(user, fields.get("activity"))
    elif kind == Kind.ORGANIZATION:
        org, name = fields.get("recipient_org"), (fields.get("recipient_name") or "").strip()
        if org is not None:
            if not scoped(user, Organization, VIEW).filter(pk=org.pk).exists():
                raise ValidationError({"recipient_org": _("未找到该组织（或不在您的权限范围内）")})
            out["recipient_org"] = org
        elif name:
            out["recipient_name"] = name
        else:
            raise ValidationError({"recipient_name": _("请选择本系统中的组织，或填写接收单位名称")})
    elif kind == Kind.OUTBOUND_FAMILIES:
        count = fields.get("households_count") or 0
        if not isinstance(count, int) or count < 1 or count > MAX_HOUSEHOLDS:
            raise ValidationError({"households_count": _("请填写受益户数（至少 1 户）")})
        out["households_count"] = count
    else:
        raise ValidationError({"recipient_kind": _("请选择发放对象")})
    return out


def place_of(recipient: dict) -> str:
    """Where a distribution happened: the recipient's village, else the activity's place, else
    the first region the receiving organization serves; '' for an outside organization or the
    families of outbound staff (they add no township to the coverage figures)."""
    if recipient["resident"] is not None:
        return recipient["resident"].village_id
    if recipient["household"] is not None:
        return recipient["household"].village_id
    if recipient["activity"] is not None:
        return recipient["activity"].place_code
    if recipient["recipient_org"] is not None:
        return recipient["recipient_org"].regions.order_by("code").values_list("code", flat=True).first() or ""
    return ""


def _check_subject(item, recipient: dict) -> None:
    """An item counted per person (a wheelchair: 辅助器具发放) goes to a resident or a household."""
    subject = item.service_type.subject
    has_person = recipient["resident"] is not None or recipient["household"] is not None
    if subject in (Subject.RESIDENT, Subject.HOUSEHOLD, Subject.ANY) and not has_person:
        raise ValidationError(
            {"recipient_kind": _("%(i)s按“%(t)s”计数，须发给居民或户") % {"i": item.name, "t": item.service_type.name}}
        )


def build_distribution(acting_user, fields: dict, *, today: datetime.date) -> Distribution:
    unknown = set(fields) - DISTRIBUTION_FIELDS
    if unknown:
        raise TypeError(f"distribution_create got unknown fields {sorted(unknown)}")
    item = check_item(fields.get("item"))
    served_on = check_day(fields.get("served_on"), field="served_on", today=today)
    org = check_org(acting_user, fields.get("org"), day=served_on)
    quantity = clean_quantity(fields.get("quantity"))
    recipient = _recipient(acting_user, fields)
    _check_subject(item, recipient)
    distribution = Distribution(
        org=org,
        served_on=served_on,
        item=item,
        quantity=quantity,
        note=(fields.get("note") or "").strip(),
        created_by=acting_user,
        **recipient,
    )
    distribution.set_place(place_of(recipient))
    distribution.full_clean(
        exclude=["created_by", "voided_by", "org", "item", "resident", "household", "activity", "recipient_org"]
    )
    return distribution


def _record(acting_user, distribution: Distribution):
    """The ServiceRecord that carries the distribution into the figures: the item's type, the
    distributed quantity, the giver (the acting user's member, with the type's default hours)."""
    stype = distribution.item.service_type
    member = servicelog_selectors.own_member(acting_user)
    providers = [(member, stype.default_hours)] if member is not None else []
    return derived_record_create(
        acting_user=acting_user,
        service_type=stype,
        org=distribution.org,
        served_on=distribution.served_on,
        place_code=distribution.place_code,
        providers=providers,
        resident=distribution.resident,
        household=distribution.household,
        activity=distribution.activity,
        quantity=distribution.quantity,
        note=_("物资发放 #%(n)s：%(r)s") % {"n": distribution.pk, "r": recipient_summary(distribution)},
    )


def recipient_summary(distribution: Distribution) -> str:
    """Who received it, for people entitled to see the distribution (not for the public ledger)."""
    kind = distribution.recipient_kind
    if kind == Kind.RESIDENT and distribution.resident_id:
        return distribution.resident.name
    if kind == Kind.HOUSEHOLD and distribution.household_id:
        return str(distribution.household)
    if kind == Kind.ACTIVITY and distribution.activity_id:
        return distribution.activity.title
    if kind == Kind.ORGANIZATION:
        return distribution.recipient_org.name if distribution.recipient_org_id else distribution.recipient_name
    if kind == Kind.OUTBOUND_FAMILIES:
        return _("一线人员家属 %(n)s 户") % {"n": distribution.households_count}
    return distribution.get_recipient_kind_display()


@transaction.atomic
def distribution_create(*, acting_user, idempotency_key: str = "", **fields) -> SavedDistribution:
    """Give stock out. Refused (nothing saved) when it is more than the holding organization has.

    Fields: org (holding), item, quantity, served_on (default today), recipient_kind and, by
    kind, resident / household / activity / recipient_org or recipient_name / households_count;
    note. The same user and ``idempotency_key`` return the distribution made before."""
    key = check_key(idempotency_key)
    earlier = replay(Distribution, acting_user, key)
    if earlier is not None:
        return SavedDistribution(earlier, False)
    distribution = build_distribution(acting_user, fields, today=timezone.localdate())
    stock = locked_stock(distribution.org, distribution.item)  # held until the transaction ends
    stock_take(stock, distribution.quantity)
    distribution.idempotency_key = key
    earlier = save_new(distribution, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request: give the stock back
        stock_add(stock, distribution.quantity)
        return SavedDistribution(earlier, False)
    distribution.record = _record(acting_user, distribution)
    distribution.save(update_fields=["record"])
    ensure_in_scope(acting_user, distribution, CHANGE)
    after = distribution_snapshot(distribution) | {"stock_after": str(stock.quantity)}
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=distribution, after=after)
    return SavedDistribution(distribution, True)


@transaction.atomic
def distribution_void(*, acting_user, distribution: Distribution, reason: str) -> Distribution:
    """Take a distribution back: the stock returns, its record leaves every figure."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    distribution = (
        Distribution.objects.select_for_update(of=("self",))
        .select_related("org", "item", "record")
        .get(pk=distribution.pk)
    )
    ensure_in_scope(acting_user, distribution, CHANGE)
    if distribution.is_voided:
        at = timezone.localtime(distribution.voided_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(_("该发放已于 %(t)s 作废") % {"t": at})
    before = distribution_snapshot(distribution)
    stock = stock_add(locked_stock(distribution.org, distribution.item), distribution.quantity)
    distribution.voided_at = timezone.now()
    distribution.voided_by = acting_user
    distribution.void_reason = reason[:200]
    distribution.save(update_fields=["voided_at", "voided_by", "void_reason"])
    derived_record_void(acting_user=acting_user, record=distribution.record, reason=reason)
    after = distribution_snapshot(distribution) | {"stock_after": str(stock.quantity)}
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.VOID, obj=distribution, before=before, after=after, note=reason
    )
    return distribution

"""Writes of service records (DESIGN.md §4.1): keyword-only, atomic, scope re-checked after the
write, ChangeLog in the same transaction. Records are voided, never deleted.

A client-supplied ``idempotency_key`` makes a create safe to repeat (a double tap, a resubmitted
form, a retried API call, tomorrow's offline outbox): the same user and key return the record
already made instead of a second one.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.residents.models import Household, Resident
from xianfeng.teams.models import Team

from . import hooks, rules, selectors
from .idempotency import check_key, replay, save_new
from .models import Activity, RecordProvider, ServiceRecord, ServiceType
from .voiding import void

MAX_BULK = 1000
RECORD_EDITABLE = {
    "service_type",
    "served_on",
    "resident",
    "household",
    "providers",
    "hours",
    "team",
    "org",
    "activity",
    "quantity",
    "unit",
    "result",
    "note",
}
# Only for programs (xianfeng.programs.services): a result already validated by the program's
# visit form, stored as given instead of being checked against the type's result fields.
PROGRAM_RESULT = "program_result"


@dataclass
class Saved:
    record: ServiceRecord
    created: bool  # False: the idempotency key named a record made before


def _snapshot(record: ServiceRecord, providers=None) -> dict:
    """The record as the ChangeLog keeps it; ``providers`` [(member, hours)] when just written."""
    data = snapshot(record, exclude=("idempotency_key", "village_code", "township_code", "county_code"))
    if providers is None:
        providers = [(p.member, p.hours) for p in record.providers.select_related("member")]
    data["providers"] = [f"{member.name} {hours}h" for member, hours in providers]
    return data


@transaction.atomic
def record_create(*, acting_user, idempotency_key: str = "", **fields) -> Saved:
    """Record one service. See ``_fill`` for the fields; returns the record and whether it is new."""
    key = check_key(idempotency_key)
    earlier = replay(ServiceRecord, acting_user, key)
    if earlier is not None:
        return Saved(earlier, False)
    unknown = set(fields) - RECORD_EDITABLE - {PROGRAM_RESULT}
    if unknown:
        raise TypeError(f"record_create got unknown fields {sorted(unknown)}")
    record = ServiceRecord(created_by=acting_user, idempotency_key=key)
    providers = _fill(acting_user, record, fields, today=timezone.localdate())
    earlier = save_new(record, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request
        return Saved(earlier, False)
    _save_providers(record, providers)
    ensure_in_scope(acting_user, record, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=record, after=_snapshot(record, providers))
    return Saved(record, True)


@transaction.atomic
def records_create_bulk(*, acting_user, items: list[dict]) -> list[Saved]:
    """Up to MAX_BULK records, all or none. Errors come back keyed by the item's position:
    ``ValidationError({"3.resident": [...], ...})``."""
    if len(items) > MAX_BULK:
        raise ValidationError({"items": _("一次最多提交 %(n)d 条记录") % {"n": MAX_BULK}})
    saved, errors = [], {}
    for index, item in enumerate(items):
        item = dict(item)
        try:
            with transaction.atomic():
                saved.append(record_create(acting_user=acting_user, **item))
        except ValidationError as exc:
            for field, messages in _error_dict(exc).items():
                errors[f"{index}.{field}"] = messages
        except PermissionDenied:
            errors[f"{index}.org"] = [_("不在您可登记的范围内")]
    if errors:
        raise ValidationError(errors)
    return saved


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@transaction.atomic
def record_update(*, acting_user, record: ServiceRecord, **changes) -> ServiceRecord:
    """Correct a record; the ChangeLog keeps what it was. Voided records stay as they are."""
    unknown = set(changes) - RECORD_EDITABLE
    if unknown:
        raise TypeError(f"record_update cannot change {sorted(unknown)}")
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    ensure_in_scope(acting_user, record, CHANGE)
    if record.is_voided:
        raise ValidationError(_("该记录已作废，不能修改"))
    refusal = hooks.edit_refusal(record)
    if refusal:
        raise ValidationError(refusal)
    before = _snapshot(record)
    current = {
        "service_type": record.service_type,
        "served_on": record.served_on,
        "resident": record.resident,
        "household": record.household,
        "team": record.team,
        "org": record.org,
        "activity": record.activity,
        "quantity": record.quantity,
        "result": record.result,
        "note": record.note,
    }
    if "providers" not in changes:
        current["providers"] = [p.member for p in record.providers.select_related("member")]
        current["hours"] = next(iter(p.hours for p in record.providers.all()), None)
    if "org" not in changes and ("team" in changes or "providers" in changes):
        current.pop("org")  # derived again from the new team or providers
    current.update(changes)
    providers = _fill(acting_user, record, current, today=timezone.localdate(), existing=True)
    record.save()
    record.providers.all().delete()  # a plain child table rewritten; the ChangeLog keeps the old list
    _save_providers(record, providers)
    ensure_in_scope(acting_user, record, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=record, before=before, after=_snapshot(record)
    )
    return record


@transaction.atomic
def record_void(*, acting_user, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Take a record out of every count, with a reason; it stays readable and in the audit."""
    refusal = hooks.void_refusal(record)
    if refusal:
        raise ValidationError(refusal)
    return void(
        acting_user=acting_user,
        obj=record,
        reason=reason,
        snapshot=_snapshot,
        already=_("该记录已于 %(t)s 作废"),
        uncount=_uncount,
    )


def _uncount(record: ServiceRecord) -> None:
    record.providers.update(counted=False)
    hooks.record_voided(record)


def set_type_sensitivity(*, service_type: ServiceType) -> int:
    """After an administrator changes a type's level: its records follow (the health column)."""
    return ServiceRecord.objects.filter(service_type=service_type).update(health=service_type.is_health)


# --- filling a record from its fields ------------------------------------------------------


def _fill(acting_user, record: ServiceRecord, fields: dict, *, today: datetime.date, existing: bool = False):
    """Check every field against the rules and the user's scope; set them on ``record``.

    Returns the providers as [(member, hours)] to save after the record. Fields: service_type
    (required), served_on (default today), resident, household, providers (default the user's
    own member), hours (each provider's; default the type's), team, org (default the team's,
    else the first provider's branch), activity, quantity (default 1), unit (must be the
    type's), result (typed by the type), note.
    """
    stype = fields.get("service_type")
    if stype is None:
        raise ValidationError({"service_type": _("请选择服务类型")})
    if not stype.active and not (existing and stype.pk == record.service_type_id):
        raise ValidationError({"service_type": _("服务类型“%(t)s”已停用") % {"t": stype.name}})
    if stype.is_health and not selectors.may_record_health(acting_user):
        raise ValidationError({"service_type": _("您没有登记健康类服务（%(t)s）的权限") % {"t": stype.name}})
    resident, household = fields.get("resident"), fields.get("household")
    activity = fields.get("activity")
    served_on = fields.get("served_on") or (activity.served_on if activity is not None else today)
    _check_resident(acting_user, resident)
    _check_household(acting_user, household, resident)
    rules.check_subject(stype.subject, has_resident=resident is not None, has_household=household is not None)
    rules.check_served_on(
        served_on,
        today=today,
        born=resident.birth_date if resident is not None else None,
        died=resident.deceased_on if resident is not None else None,
    )
    if activity is not None:
        _check_activity(acting_user, activity, served_on)
    team = fields.get("team")
    if team is not None and not scoped(acting_user, Team).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})
    providers = _providers(acting_user, fields.get("providers"), fields.get("hours"), stype, served_on)
    # The organization object (not only its id): the ChangeLog files the record under its path.
    org = fields.get("org") or (team.owner_org if team is not None else None) or providers[0][0].branch
    if org is None:
        raise ValidationError({"org": _("请选择组织")})
    quantity = rules.clean_quantity(
        fields.get("quantity") if fields.get("quantity") not in (None, "") else 1,
        type_unit=stype.unit,
        unit=fields.get("unit") or "",
    )
    record.service_type = stype
    record.served_on = served_on
    record.resident = resident
    record.household = household if household is not None else None
    record.team = team
    record.org = org
    record.activity = activity
    record.quantity = quantity
    if fields.get(PROGRAM_RESULT) is not None:
        record.result = fields[PROGRAM_RESULT]
    else:
        record.result = rules.clean_result(stype.result_fields, fields.get("result"))
    record.note = (fields.get("note") or "").strip()
    record.health = stype.is_health
    record.set_place(_place_code(resident, household, activity))
    record.full_clean(exclude=["created_by", "voided_by", "org", "service_type", "resident", "household", "team"])
    return providers


def _place_code(resident, household, activity) -> str:
    """The village of the person served on the day (kept even if they move later)."""
    if resident is not None:
        return resident.village_id
    if household is not None:
        return household.village_id
    if activity is not None:
        return activity.place_code
    return ""


def _check_resident(user, resident: Resident | None) -> None:
    if resident is None:
        return
    if not scoped(user, Resident, VIEW).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": _("未找到该居民（或不在您的权限范围内）")})
    if resident.merged_into_id:
        raise ValidationError({"resident": _("该居民记录已合并到另一条记录，请在合并后的记录上登记")})


def _check_household(user, household: Household | None, resident: Resident | None) -> None:
    if household is None:
        return
    if not scoped(user, Household, VIEW).filter(pk=household.pk).exists():
        raise ValidationError({"household": _("未找到该户（或不在您的权限范围内）")})
    if resident is not None and resident.household_id != household.pk:
        raise ValidationError({"household": _("该居民不属于所选的户")})


def _check_activity(user, activity: Activity, served_on: datetime.date) -> None:
    if not scoped(user, Activity, CHANGE).filter(pk=activity.pk).exists():
        raise ValidationError({"activity": _("未找到该活动（或您不能在该活动下登记）")})
    if activity.is_voided or activity.status == Activity.Status.CANCELLED:
        raise ValidationError({"activity": _("该活动已取消或作废")})


def _providers(user, members, hours, stype: ServiceType, served_on) -> list:
    if members is None:
        own = selectors.own_member(user)
        members = [own] if own is not None else []
    members = list(dict.fromkeys(members))  # the same person once
    if not members:
        raise ValidationError({"providers": _("请至少选择一名服务人员")})
    allowed = set(
        selectors.provider_queryset(user, served_on).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True)
    )
    outside = [m.name for m in members if m.pk not in allowed]
    if outside:
        raise ValidationError({"providers": _("不在您的权限范围内：%(n)s") % {"n": "、".join(outside)}})
    hours = rules.clean_hours(stype.default_hours if hours in (None, "") else hours)
    return [(member, hours) for member in members]


def _save_providers(record: ServiceRecord, providers) -> None:
    rows = []
    for member, hours in providers:
        row = RecordProvider(record=record, member=member, hours=hours, counted=not record.is_voided)
        row.copy_place(record)
        rows.append(row)
    RecordProvider.objects.bulk_create(rows)

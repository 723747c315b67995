"""Writes of the service-type catalogue (DESIGN.md §4.1), by administrators only.

A type is never deleted: it is deactivated, so its records keep their meaning. Its ``code`` is
what figures and the API use, so it cannot change once a record or an activity uses it. Changing
a type's sensitivity moves its existing records with it (``services.set_type_sensitivity``): a type
made health-level disappears, with all its records, from everyone without the health level.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot

from . import services
from .models import Activity, ActivityQuantity, ServiceRecord, ServiceType

TYPE_FIELDS = (
    "code",
    "name",
    "category",
    "unit",
    "counts_person_time",
    "subject",
    "sensitivity",
    "default_hours",
    "result_fields",
    "description",
    "sort_order",
    "active",
)
RESULT_KINDS = ("choice", "integer", "decimal", "text", "boolean")
MAX_RESULT_FIELDS = 20
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SPEC_KEYS = {"key", "label", "kind", "required", "choices", "min", "max", "max_length"}


def type_usage(service_type: ServiceType) -> int:
    """How many records and activities use the type (its code is frozen once any do)."""
    if service_type.pk is None:
        return 0
    return (
        ServiceRecord.objects.filter(service_type=service_type).count()
        + ActivityQuantity.objects.filter(service_type=service_type).count()
        + Activity.service_types.through.objects.filter(servicetype=service_type).count()
    )


def clean_result_fields(value) -> list[dict]:
    """A type's typed result fields, checked item by item; errors name the item (第 n 项)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError({"result_fields": _("结果字段应为列表（JSON 数组），每项是一个对象")})
    if len(value) > MAX_RESULT_FIELDS:
        raise ValidationError({"result_fields": _("结果字段最多 %(n)d 项") % {"n": MAX_RESULT_FIELDS}})
    clean, keys = [], set()
    for position, spec in enumerate(value, start=1):
        try:
            item = _clean_spec(spec)
        except ValueError as exc:
            raise ValidationError({"result_fields": _("第 %(n)d 项：%(e)s") % {"n": position, "e": exc}}) from None
        if item["key"] in keys:
            message = _("第 %(n)d 项：键“%(k)s”重复") % {"n": position, "k": item["key"]}
            raise ValidationError({"result_fields": message})
        keys.add(item["key"])
        clean.append(item)
    return clean


def _clean_spec(spec) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(_('应为一个对象，如 {"key": "result", "label": "结果", "kind": "text"}'))
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise ValueError(_("不认识的属性：%(k)s") % {"k": "、".join(map(str, unknown))})
    key, label, kind = spec.get("key"), spec.get("label"), spec.get("kind", "text")
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(_("key 须为小写英文字母开头的字母、数字或下划线，最长 40 个字符"))
    if not isinstance(label, str) or not label.strip() or len(label) > 50:
        raise ValueError(_("label（显示名称）必填，最长 50 个字符"))
    if kind not in RESULT_KINDS:
        raise ValueError(_("kind 应为以下之一：%(k)s") % {"k": "、".join(RESULT_KINDS)})
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise ValueError(_("required 应为 true 或 false"))
    item = {"key": key, "label": label.strip(), "kind": kind, "required": required}
    if kind == "choice":
        item["choices"] = _clean_choices(spec.get("choices"))
    elif "choices" in spec:
        raise ValueError(_("只有 kind 为 choice 的项可以有 choices"))
    if kind in ("integer", "decimal"):
        for bound in ("min", "max"):
            if spec.get(bound) is not None:
                number = spec[bound]
                if isinstance(number, bool) or not isinstance(number, int | float) or abs(number) > 10**9:
                    raise ValueError(_("%(b)s 应为不超过 10 亿的数字") % {"b": bound})
                item[bound] = number
        if "min" in item and "max" in item and item["min"] > item["max"]:
            raise ValueError(_("min 不能大于 max"))
    elif "min" in spec or "max" in spec:
        raise ValueError(_("只有数字项（integer、decimal）可以有 min、max"))
    if kind == "text" and spec.get("max_length") is not None:
        length = spec["max_length"]
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 200:
            raise ValueError(_("max_length 应为 1 到 200 的整数"))
        item["max_length"] = length
    elif kind != "text" and "max_length" in spec:
        raise ValueError(_("只有文本项（text）可以有 max_length"))
    return item


def _clean_choices(choices) -> list[list[str]]:
    if not isinstance(choices, list) or not choices:
        raise ValueError(_('choices 必填，如 [["negative", "阴性"], ["positive", "阳性"]]'))
    clean, codes = [], set()
    for choice in choices:
        if (
            not isinstance(choice, list)
            or len(choice) != 2
            or not all(isinstance(part, str) and part.strip() and len(part) <= 50 for part in choice)
        ):
            raise ValueError(_("choices 的每一项应为 [代码, 名称] 两个非空文字"))
        code, text = choice[0].strip(), choice[1].strip()
        if code in codes:
            raise ValueError(_("choices 的代码“%(c)s”重复") % {"c": code})
        codes.add(code)
        clean.append([code, text])
    return clean


def _apply(stype: ServiceType, fields: dict) -> None:
    unknown = set(fields) - set(TYPE_FIELDS)
    if unknown:
        raise TypeError(f"service types have no fields {sorted(unknown)}")
    for name, value in fields.items():
        if name == "result_fields":
            value = clean_result_fields(value)
        elif name == "default_hours":
            value = Decimal(str(value))
        elif name in ("code", "name", "description") and isinstance(value, str):
            value = value.strip()
        setattr(stype, name, value)
    stype.full_clean()


def _deny_unless_administrator(acting_user, stype: ServiceType) -> None:
    ensure_in_scope(acting_user, stype, CHANGE)  # only 系统管理员 over 全部 reaches the catalogue


@transaction.atomic
def service_type_create(*, acting_user, **fields) -> ServiceType:
    """Add a type to the catalogue (``TYPE_FIELDS``; code and name required, unique)."""
    stype = ServiceType()
    _apply(stype, fields)
    stype.save()
    _deny_unless_administrator(acting_user, stype)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=stype, after=snapshot(stype))
    return stype


@transaction.atomic
def service_type_update(*, acting_user, service_type: ServiceType, **changes) -> ServiceType:
    """Change a type; deactivate it with ``active=False`` (types are never deleted)."""
    stype = ServiceType.objects.select_for_update().get(pk=service_type.pk)
    _deny_unless_administrator(acting_user, stype)
    before = snapshot(stype)
    if "code" in changes and changes["code"].strip() != stype.code:
        used = type_usage(stype)
        if used:
            message = _("已有 %(n)d 条记录或活动使用代码“%(c)s”，代码不能再修改") % {"n": used, "c": stype.code}
            raise ValidationError({"code": message})
    old_sensitivity = stype.sensitivity
    _apply(stype, changes)
    stype.save()
    moved = 0
    if stype.sensitivity != old_sensitivity:
        moved = services.set_type_sensitivity(service_type=stype)
    _deny_unless_administrator(acting_user, stype)
    note = _("敏感级别改变，%(n)d 条已有记录随之调整") % {"n": moved} if stype.sensitivity != old_sensitivity else ""
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=stype, before=before, after=snapshot(stype), note=note
    )
    return stype

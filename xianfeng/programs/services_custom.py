"""Writes of custom interval programs (custom.py), by administrators over 全部 only.

A program's code is what its enrollments store, so it never changes once created; a program is
deactivated, never deleted. Field definitions are checked when saved, item by item, with messages
that name the item; a change of interval derives every open enrollment's due date again (in the
background, like a settings change), and a change of the health flag moves the program's
enrollments and visits with it.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.residents.models import ResidentTagKind
from xianfeng.servicelog.models import ServiceType, Subject

from . import custom
from .models import CustomProgram, Enrollment, Visit

FIELD_KINDS = ("choice", "multichoice", "integer", "decimal", "text", "boolean", "date")
CHOICE_KINDS = ("choice", "multichoice")
MAX_FIELDS = 20
MAX_CHOICES = 30
MAX_INTERVAL = 730
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
EDITABLE = ("name", "eligible_tags", "interval_days", "service_type", "visit_fields", "health", "active")


def clean_visit_fields(value) -> list[dict]:
    """An administrator's visit fields, checked; errors keyed ``visit_fields`` name the item."""
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationError({"visit_fields": _("随访字段应为列表")})
    if len(value) > MAX_FIELDS:
        raise ValidationError({"visit_fields": _("随访字段最多 %(n)d 项") % {"n": MAX_FIELDS}})
    clean, keys = [], set()
    for position, spec in enumerate(value, start=1):
        try:
            item = _clean_field(spec)
        except ValueError as exc:
            raise ValidationError({"visit_fields": _("第 %(n)d 项：%(e)s") % {"n": position, "e": exc}}) from None
        if item["key"] in keys:
            message = _("第 %(n)d 项：键“%(k)s”重复") % {"n": position, "k": item["key"]}
            raise ValidationError({"visit_fields": message})
        keys.add(item["key"])
        clean.append(item)
    return clean


def _clean_field(spec) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(_("应为一项字段定义（键、名称、类型）"))
    key = str(spec.get("key") or "").strip()
    label = str(spec.get("label") or "").strip()
    kind = str(spec.get("kind") or "").strip()
    if not _KEY.match(key):
        raise ValueError(_("键“%(k)s”应以小写英文字母开头，只含小写字母、数字和下划线，最长 30 个字符") % {"k": key})
    if key == "reached":
        raise ValueError(_("键“reached”由系统使用（见到本人），请换一个键"))
    if not label or len(label) > 50:
        raise ValueError(_("“%(k)s”的名称必填，最长 50 个字") % {"k": key})
    if kind not in FIELD_KINDS:
        raise ValueError(_("“%(l)s”的类型应为以下之一：%(o)s") % {"l": label, "o": "、".join(FIELD_KINDS)})
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise ValueError(_("“%(l)s”的“必填”应为是或否") % {"l": label})
    item = {"key": key, "label": label, "kind": kind, "required": required}
    choices = spec.get("choices") or []
    if kind in CHOICE_KINDS:
        item["choices"] = _clean_choices(label, choices)
    elif choices:
        raise ValueError(_("“%(l)s”不是选择题，不能有选项") % {"l": label})
    return item


def _clean_choices(label: str, choices) -> list[list[str]]:
    if not isinstance(choices, (list, tuple)) or not choices:
        raise ValueError(_("“%(l)s”是选择题，请填写选项，如 yes=是; no=否") % {"l": label})
    if len(choices) > MAX_CHOICES:
        raise ValueError(_("“%(l)s”的选项最多 %(n)d 个") % {"l": label, "n": MAX_CHOICES})
    clean, codes = [], set()
    for choice in choices:
        if not isinstance(choice, (list, tuple)) or len(choice) != 2:
            raise ValueError(_("“%(l)s”的每个选项应为“代码=名称”") % {"l": label})
        code, text = str(choice[0]).strip(), str(choice[1]).strip()
        if not code or not text or len(code) > 30 or len(text) > 50:
            raise ValueError(_("“%(l)s”的选项代码和名称都须填写（代码最长 30、名称最长 50 个字）") % {"l": label})
        if code in codes:
            raise ValueError(_("“%(l)s”的选项代码“%(c)s”重复") % {"l": label, "c": code})
        codes.add(code)
        clean.append([code, text])
    return clean


def _clean_tags(tags) -> list[str]:
    known = dict(ResidentTagKind.choices)
    tags = list(dict.fromkeys(tags or []))
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise ValidationError({"eligible_tags": _("没有这种居民标签：%(t)s") % {"t": "、".join(map(str, unknown))}})
    return tags


def _check_service_type(stype) -> None:
    if not isinstance(stype, ServiceType):
        raise ValidationError({"service_type": _("请选择随访登记为哪种服务")})
    if not stype.active:
        raise ValidationError({"service_type": _("服务类型“%(t)s”已停用") % {"t": stype.name}})
    # Visits are recorded for the enrolled resident: the type must take a resident.
    if stype.subject not in (Subject.RESIDENT, Subject.ANY):
        raise ValidationError({"service_type": _("“%(t)s”不是针对居民个人的服务，请另选") % {"t": stype.name}})


def _apply(row: CustomProgram, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE) - {"code"}
    if unknown:
        raise TypeError(f"custom programs have no fields {sorted(unknown)}")
    for name, value in fields.items():
        if name == "visit_fields":
            value = clean_visit_fields(value)
        elif name == "eligible_tags":
            value = _clean_tags(value)
        elif name == "service_type":
            _check_service_type(value)
        elif name == "interval_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INTERVAL:
                raise ValidationError({"interval_days": _("随访间隔应为 1 到 %(n)d 天的整数") % {"n": MAX_INTERVAL}})
        elif name in ("name", "code") and isinstance(value, str):
            value = value.strip()
        setattr(row, name, value)
    # Health-level visits make a health-level program (who may see its enrollments follows).
    if row.service_type_id and row.service_type.is_health:
        row.health = True
    row.full_clean()


def _deny_unless_administrator(acting_user) -> None:
    if not can(acting_user, CHANGE, CustomProgram):
        raise PermissionDenied


@transaction.atomic
def custom_program_create(*, acting_user, code: str, **fields) -> CustomProgram:
    """A new custom interval program (``EDITABLE`` fields; code, name and service type required)."""
    _deny_unless_administrator(acting_user)
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError(
            {"code": _("代码应以小写英文字母开头，只含小写字母、数字和下划线，2 到 30 个字符，如 pregnancy_mental")}
        )
    row = CustomProgram()
    _apply(row, {"code": code, **fields})
    row.save()
    ensure_in_scope(acting_user, row, CHANGE)  # only an administrator over 全部 reaches it
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=row, after=snapshot(row))
    custom.reload(row)
    return row


@transaction.atomic
def custom_program_update(*, acting_user, custom_program: CustomProgram, **changes) -> CustomProgram:
    """Change a custom program; ``active=False`` deactivates it (no new enrollment)."""
    _deny_unless_administrator(acting_user)
    row = CustomProgram.objects.select_for_update().select_related("service_type").get(pk=custom_program.pk)
    ensure_in_scope(acting_user, row, CHANGE)
    if "code" in changes and changes["code"].strip() != row.code:
        raise ValidationError({"code": _("项目代码创建后不能修改（已纳入的对象按代码记录）")})
    changes.pop("code", None)
    before = snapshot(row)
    old_interval, old_health = row.interval_days, row.health
    _apply(row, changes)
    row.save()
    code = custom.program_code(row.code)
    if row.health != old_health:
        Enrollment.objects.filter(program=code).update(health=row.health)
        visits = Visit.objects.filter(enrollment__program=code)
        visits.update(health=row.health)
        if not row.health:  # a visit recorded as a health-level service stays health data
            visits.filter(record__health=True).update(health=True)
    custom.reload(row)
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=row, before=before, after=snapshot(row))
    if row.interval_days != old_interval:
        from .tasks import recompute_program

        transaction.on_commit(lambda: recompute_program.enqueue(code))
    return row


def open_enrollment_count(code: str) -> int:
    """How many open enrollments a change of the program's rule recomputes."""
    from .models import OPEN_STATUSES

    return Enrollment.objects.live().filter(program=code, status__in=OPEN_STATUSES).count()

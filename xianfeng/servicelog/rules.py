"""The service log's rules as plain functions (no database): dates, subjects, quantities,
hours and typed results. Services, forms, the API and imports all call these, so a record is
refused for the same reason, in the same words, wherever it is entered.

Errors are ``ValidationError({field: message})`` naming the field the user must fix.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import MAX_HOURS_PER_DAY, MAX_QUANTITY, Subject

EARLIEST_SERVICE_DAY = datetime.date(2000, 1, 1)


def check_served_on(
    served_on: datetime.date | None,
    *,
    today: datetime.date,
    born: datetime.date | None = None,
    died: datetime.date | None = None,
    field: str = "served_on",
) -> None:
    """A service happens today or before, after the person was born and not after they died."""
    if served_on is None:
        raise ValidationError({field: _("请填写服务日期")})
    if served_on > today:
        raise ValidationError({field: _("服务日期 %(d)s 晚于今天，不能预先登记") % {"d": served_on}})
    if served_on < EARLIEST_SERVICE_DAY:
        raise ValidationError({field: _("服务日期不能早于 %(d)s") % {"d": EARLIEST_SERVICE_DAY}})
    if born is not None and served_on < born:
        raise ValidationError({field: _("服务日期 %(d)s 早于该居民的出生日期 %(b)s") % {"d": served_on, "b": born}})
    if died is not None and served_on > died:
        raise ValidationError(
            {field: _("该居民已于 %(b)s 去世，服务日期 %(d)s 不能晚于此") % {"d": served_on, "b": died}}
        )


def check_subject(subject: str, *, has_resident: bool, has_household: bool) -> None:
    if subject == Subject.RESIDENT and not has_resident:
        raise ValidationError({"resident": _("该服务类型须指定服务对象（居民）")})
    if subject == Subject.HOUSEHOLD and not has_household:
        raise ValidationError({"household": _("该服务类型须指定服务对象（户）")})
    if subject == Subject.ANY and not (has_resident or has_household):
        raise ValidationError({"resident": _("该服务类型须指定服务对象（居民或户）")})


def clean_quantity(value, *, type_unit: str, unit: str = "", field: str = "quantity") -> Decimal:
    """A positive quantity in the type's own unit (a record of 份 does not take 元)."""
    if unit and unit != type_unit:
        raise ValidationError({field: _("该服务类型以“%(t)s”计量，不接受“%(u)s”") % {"t": type_unit, "u": unit}})
    quantity = _decimal(value, field)
    if quantity <= 0:
        raise ValidationError({field: _("数量必须大于 0")})
    if quantity > MAX_QUANTITY:
        raise ValidationError({field: _("数量不能超过 %(m)s") % {"m": MAX_QUANTITY}})
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationError({field: _("数量最多保留两位小数")})
    return quantity


def clean_hours(value, *, days: int = 1, field: str = "hours") -> Decimal:
    """Volunteer hours (travel excluded): 0 to 24 per day of service, one decimal."""
    hours = _decimal(value, field)
    limit = MAX_HOURS_PER_DAY * max(days, 1)
    if hours < 0:
        raise ValidationError({field: _("服务时长不能为负数")})
    if hours > limit:
        raise ValidationError({field: _("服务时长不能超过 %(m)s 小时（每天最多 24 小时）") % {"m": limit}})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationError({field: _("服务时长最多保留一位小数")})
    return hours


def _decimal(value, field: str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError({field: _("“%(v)s”不是有效的数字") % {"v": value}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("“%(v)s”不是有效的数字") % {"v": value}})
    return number


def clean_result(fields: list[dict], data: dict | None) -> dict:
    """Validate a record's typed result against its type's result fields; return the clean dict.

    Unknown keys are refused (a typo must not be stored silently); a required field must be
    given; a choice must be one of the type's choices (by code or by its label).
    """
    data = dict(data or {})
    known = {f["key"]: f for f in fields}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError({"result": _("该服务类型没有结果项：%(k)s") % {"k": "、".join(unknown)}})
    clean = {}
    for key, spec in known.items():
        value = data.get(key)
        if value is None or value == "":
            if spec.get("required"):
                raise ValidationError({"result": _("请填写“%(l)s”") % {"l": spec["label"]}})
            continue
        clean[key] = _result_value(spec, value)
    return clean


def _result_value(spec: dict, value):
    label, kind = spec["label"], spec.get("kind", "text")
    if kind == "choice":
        for code, text in spec.get("choices", []):
            if str(value) in (str(code), str(text)):
                return code
        options = "、".join(text for _code, text in spec.get("choices", []))
        raise ValidationError({"result": _("“%(l)s”应为以下之一：%(o)s") % {"l": label, "o": options}})
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "是", "y"):
            return True
        if text in ("0", "false", "no", "否", "n"):
            return False
        raise ValidationError({"result": _("“%(l)s”应填“是”或“否”") % {"l": label}})
    if kind in ("integer", "decimal"):
        try:
            number = int(str(value)) if kind == "integer" else Decimal(str(value))
        except (ValueError, InvalidOperation):
            raise ValidationError({"result": _("“%(l)s”应为数字") % {"l": label}}) from None
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValidationError({"result": _("“%(l)s”应在 %(a)s 到 %(b)s 之间") % {"l": label, "a": low, "b": high}})
        return number if kind == "integer" else str(number)
    text = str(value).strip()
    if len(text) > spec.get("max_length", 200):
        raise ValidationError({"result": _("“%(l)s”太长") % {"l": label}})
    return text


def result_display(fields: list[dict], result: dict) -> list[tuple[str, str]]:
    """(label, value as read) of a record's result, in the type's order."""
    shown = []
    for spec in fields:
        if spec["key"] not in (result or {}):
            continue
        value = result[spec["key"]]
        if spec.get("kind") == "choice":
            value = dict((str(c), t) for c, t in spec.get("choices", [])).get(str(value), value)
        elif spec.get("kind") == "boolean":
            value = _("是") if value else _("否")
        shown.append((spec["label"], str(value)))
    return shown

"""Typed fields of a program's enrollment and visit forms, and their validation.

A field is a dict, the same shape as a service type's result fields (servicelog.catalogue) so
that the record page can show a visit's data without knowing the program::

    {"key": "risk_level", "label": "危险性评估", "kind": "choice", "required": True,
     "choices": [["0", "0级"], ...]}

kinds: choice, multichoice, integer, decimal, text, boolean, date, people (a list of
{"name", "role"} such as the participants of a joint follow-up). Errors are keyed by the
field's key, so a form shows the message under the field and the API names it.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TRUE = ("1", "true", "yes", "是", "y", "on")
FALSE = ("0", "false", "no", "否", "n", "off")
MAX_TEXT = 500
MAX_PEOPLE = 20


def clean_fields(fields: list[dict], data: dict | None, *, prefix: str = "") -> dict:
    """Validate ``data`` against ``fields``; return the clean dict (empty optional values left out).

    Unknown keys are refused (a typo must not be stored silently). All errors are collected and
    raised together, keyed ``prefix + key``.
    """
    data = dict(data or {})
    known = {f["key"]: f for f in fields}
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - set(known)):
        errors[prefix + key] = [_("没有这一项：%(k)s") % {"k": key}]
    clean = {}
    for key, spec in known.items():
        value = data.get(key)
        if _empty(value):
            if spec.get("required"):
                errors[prefix + key] = [_("请填写“%(l)s”") % {"l": spec["label"]}]
            continue
        try:
            clean[key] = clean_value(spec, value)
        except ValidationError as exc:
            errors[prefix + key] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return clean


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clean_value(spec: dict, value):
    label, kind = spec["label"], spec.get("kind", "text")
    if kind == "choice":
        return _choice(spec, value)
    if kind == "multichoice":
        values = value if isinstance(value, (list, tuple)) else [v for v in str(value).replace("，", ",").split(",")]
        return list(dict.fromkeys(_choice(spec, v.strip() if isinstance(v, str) else v) for v in values if v != ""))
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValidationError(_("“%(l)s”应填“是”或“否”") % {"l": label})
    if kind in ("integer", "decimal"):
        return _number(spec, value)
    if kind == "date":
        return _date(spec, value)
    if kind == "people":
        return _people(spec, value)
    text = str(value).strip()
    limit = spec.get("max_length", MAX_TEXT)
    if len(text) > limit:
        raise ValidationError(_("“%(l)s”最多 %(n)d 个字") % {"l": label, "n": limit})
    return text


def _choice(spec: dict, value) -> str:
    for code, text in spec.get("choices", []):
        if str(value).strip() in (str(code), str(text)):
            return code
    options = "、".join(str(text) for _code, text in spec.get("choices", []))
    raise ValidationError(_("“%(l)s”应为以下之一：%(o)s") % {"l": spec["label"], "o": options})


def _number(spec: dict, value):
    label = spec["label"]
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("“%(l)s”应为数字") % {"l": label}) from None
    if not number.is_finite():
        raise ValidationError(_("“%(l)s”应为数字") % {"l": label})
    if spec.get("kind") == "integer":
        if number != number.to_integral_value():
            raise ValidationError(_("“%(l)s”应为整数") % {"l": label})
    low, high = spec.get("min"), spec.get("max", 10**9)
    if (low is not None and number < Decimal(str(low))) or number > Decimal(str(high)):
        low_text = "" if low is None else str(low)
        raise ValidationError(_("“%(l)s”应在 %(a)s 到 %(b)s 之间") % {"l": label, "a": low_text, "b": high})
    return int(number) if spec.get("kind") == "integer" else str(number)


def _date(spec: dict, value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise ValidationError(_("“%(l)s”应为日期，如 2026-01-31") % {"l": spec["label"]}) from None


def _people(spec: dict, value) -> list[dict]:
    label = spec["label"]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(_("“%(l)s”应为人员列表") % {"l": label})
    if len(value) > MAX_PEOPLE:
        raise ValidationError(_("“%(l)s”最多 %(n)d 人") % {"l": label, "n": MAX_PEOPLE})
    roles = dict(spec.get("choices", []))
    people = []
    for person in value:
        if not isinstance(person, dict) or not str(person.get("name", "")).strip():
            raise ValidationError(_("“%(l)s”每一位都需填写姓名") % {"l": label})
        role = str(person.get("role", "")).strip()
        if roles and role not in roles:
            role = next((code for code, text in roles.items() if str(text) == role), None)
            if role is None:
                raise ValidationError(
                    _("“%(l)s”的身份应为以下之一：%(o)s") % {"l": label, "o": "、".join(str(v) for v in roles.values())}
                )
        people.append({"name": str(person["name"]).strip()[:50], "role": role})
    return people


def display(fields: list[dict], data: dict) -> list[tuple[str, str]]:
    """(label, text) pairs of stored data for a page, in the fields' order."""
    rows = []
    for spec in fields:
        if spec["key"] not in data:
            continue
        value = data[spec["key"]]
        choices = {str(code): str(text) for code, text in spec.get("choices", [])}
        kind = spec.get("kind", "text")
        if kind == "choice":
            text = choices.get(str(value), str(value))
        elif kind == "multichoice":
            text = "、".join(choices.get(str(v), str(v)) for v in value)
        elif kind == "boolean":
            text = _("是") if value else _("否")
        elif kind == "people":
            text = "、".join(
                f"{p['name']}（{choices.get(p['role'], p['role'])}）" if p["role"] else p["name"] for p in value
            )
        else:
            text = str(value)
        rows.append((str(spec["label"]), text))
    return rows

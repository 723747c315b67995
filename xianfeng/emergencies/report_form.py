"""The daily situation report's form (issue 13 §6: "its configurable form").

An emergency's ``report_fields`` is a list of ``{"code", "label", "enabled"}`` in the report's
order; empty means DEFAULT_REPORT_FIELDS, all switched on. A headquarters may switch a field off,
relabel it, reorder the fields and add its own (the code is generated). A field that already has
counts in a live report may be switched off but never removed: its numbers stay readable.

Pure functions: the service (services_command.emergency_set_report_fields) locks and logs.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DEFAULT_REPORT_FIELDS

MAX_FIELDS = 20
MAX_LABEL = 20
CUSTOM_PREFIX = "custom_"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
# The largest cumulative count a report takes (a province's screenings over a year fit easily).
MAX_COUNT = 100_000_000


def default_fields() -> list[dict]:
    return [{"code": code, "label": str(label), "enabled": True} for code, label in DEFAULT_REPORT_FIELDS]


def report_fields(emergency) -> list[dict]:
    """Every field of the emergency's report, in order, switched off ones included."""
    stored = emergency.report_fields or []
    if not stored:
        return default_fields()
    return [
        {"code": str(f.get("code", "")), "label": str(f.get("label", "")), "enabled": bool(f.get("enabled", True))}
        for f in stored
        if isinstance(f, dict) and f.get("code")
    ]


def enabled_fields(emergency) -> list[dict]:
    return [f for f in report_fields(emergency) if f["enabled"]]


def labels(emergency) -> dict[str, str]:
    """{code: label} of every field, switched off ones included (for old reports)."""
    return {f["code"]: f["label"] for f in report_fields(emergency)}


def _new_code(taken: set[str]) -> str:
    n = 1
    while f"{CUSTOM_PREFIX}{n}" in taken:
        n += 1
    return f"{CUSTOM_PREFIX}{n}"


def clean_fields(fields: list[dict], *, current: list[dict], used_codes: set[str]) -> list[dict]:
    """The new list of fields, checked: labels required and unique, codes known (an entry without
    a code is a new custom field and gets one), at most MAX_FIELDS, at least one switched on, and
    no field that has counts removed. Raises ValidationError({"fields": [...]}) naming each problem."""
    problems: list[str] = []
    known = {f["code"] for f in current} | {code for code, _label in DEFAULT_REPORT_FIELDS}
    taken = set(known)
    cleaned: list[dict] = []
    seen_codes: set[str] = set()
    seen_labels: set[str] = set()
    if not isinstance(fields, list):
        raise ValidationError({"fields": [_("字段列表格式不正确")]})
    if len(fields) > MAX_FIELDS:
        problems.append(_("日报字段最多 %(n)s 个") % {"n": MAX_FIELDS})
    for position, raw in enumerate(fields[: MAX_FIELDS + 1], start=1):
        if not isinstance(raw, dict):
            problems.append(_("第 %(i)s 个字段格式不正确") % {"i": position})
            continue
        code = str(raw.get("code") or "").strip()
        label = str(raw.get("label") or "").strip()
        enabled = bool(raw.get("enabled", True))
        if not label:
            problems.append(_("第 %(i)s 个字段未填写名称") % {"i": position})
            continue
        if len(label) > MAX_LABEL:
            problems.append(_("字段名称“%(l)s”过长（最多 %(n)s 个字）") % {"l": label[:MAX_LABEL], "n": MAX_LABEL})
            continue
        if code and (not CODE_PATTERN.match(code) or (code not in known and not code.startswith(CUSTOM_PREFIX))):
            problems.append(_("字段代码“%(c)s”无效") % {"c": code[:30]})
            continue
        if not code:
            code = _new_code(taken)
        taken.add(code)
        if code in seen_codes:
            problems.append(_("字段代码“%(c)s”重复") % {"c": code})
            continue
        if label in seen_labels:
            problems.append(_("字段名称“%(l)s”重复") % {"l": label})
            continue
        seen_codes.add(code)
        seen_labels.add(label)
        cleaned.append({"code": code, "label": label, "enabled": enabled})
    old_labels = {f["code"]: f["label"] for f in current}
    for code in sorted(used_codes - seen_codes):
        problems.append(_("字段“%(l)s”已有填报数据，不能删除，只能停用") % {"l": old_labels.get(code, code)})
    if cleaned and not any(f["enabled"] for f in cleaned):
        problems.append(_("至少要启用一个字段"))
    if not cleaned and not problems:
        problems.append(_("至少要有一个字段"))
    if problems:
        raise ValidationError({"fields": problems})
    return cleaned

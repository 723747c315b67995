"""pydantic's validation errors in the interface language (issue 8: every message in that language).

pydantic writes its messages in English ("Field required", "Input should be a valid integer").
Each error carries a stable ``type`` and the values it was checked against (``ctx``); this module
maps the type to a message of our own through gettext, so a Simplified Chinese interface reads
Chinese and an English one reads the English catalog's text. A type not listed here gets the
generic "输入无效" rather than pydantic's English; a ``value_error`` keeps its own message when it
is ours (our validators raise Chinese text), never a library's English one.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_CJK = re.compile(r"[\u3400-\u9fff]")

_INTEGER = gettext_lazy("请输入整数")
_NUMBER = gettext_lazy("请输入数字")
_DATE = gettext_lazy("请输入有效日期，格式为 YYYY-MM-DD")
_DATETIME = gettext_lazy("请输入有效的日期时间，格式为 YYYY-MM-DDTHH:MM:SS")
_TIME = gettext_lazy("请输入有效时间，格式为 HH:MM")
_BOOL = gettext_lazy("请输入 true 或 false")
_TEXT = gettext_lazy("请输入文本")
_UUID = gettext_lazy("请输入有效的 UUID")
_OBJECT = gettext_lazy("请提供一个对象")
_LIST = gettext_lazy("请提供一个列表")
_ONE_OF = gettext_lazy("必须是以下之一：%(expected)s")

# type -> message; %(name)s placeholders are filled from the error's ctx.
MESSAGES = {
    "missing": gettext_lazy("必填"),
    "missing_argument": gettext_lazy("必填"),
    "extra_forbidden": gettext_lazy("不允许的字段"),
    "int_parsing": _INTEGER,
    "int_type": _INTEGER,
    "int_from_float": _INTEGER,
    "int_parsing_size": gettext_lazy("数值过大"),
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": gettext_lazy("请输入有限的数字"),
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_max_digits": gettext_lazy("最多 %(max_digits)s 位数字"),
    "decimal_max_places": gettext_lazy("小数点后最多 %(decimal_places)s 位"),
    "decimal_whole_digits": gettext_lazy("整数部分最多 %(whole_digits)s 位"),
    "multiple_of": gettext_lazy("必须是 %(multiple_of)s 的倍数"),
    "greater_than": gettext_lazy("必须大于 %(gt)s"),
    "greater_than_equal": gettext_lazy("不能小于 %(ge)s"),
    "less_than": gettext_lazy("必须小于 %(lt)s"),
    "less_than_equal": gettext_lazy("不能大于 %(le)s"),
    "string_type": _TEXT,
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符"),
    "string_too_long": gettext_lazy("最多 %(max_length)s 个字符"),
    "string_pattern_mismatch": gettext_lazy("格式不正确"),
    "string_unicode": gettext_lazy("包含无效的 Unicode 字符"),
    "bool_parsing": _BOOL,
    "bool_type": _BOOL,
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": gettext_lazy("请输入日期，不带时间"),
    "date_past": gettext_lazy("日期必须早于今天"),
    "date_future": gettext_lazy("日期必须晚于今天"),
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "time_parsing": _TIME,
    "time_type": _TIME,
    "uuid_parsing": _UUID,
    "uuid_type": _UUID,
    "uuid_version": _UUID,
    "literal_error": _ONE_OF,
    "enum": _ONE_OF,
    "json_invalid": gettext_lazy("不是有效的 JSON"),
    "json_type": gettext_lazy("不是有效的 JSON"),
    "list_type": _LIST,
    "too_short": gettext_lazy("至少 %(min_length)s 项"),
    "too_long": gettext_lazy("最多 %(max_length)s 项"),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "none_required": gettext_lazy("必须为空 (null)"),
    "url_parsing": gettext_lazy("请输入有效的网址"),
    "url_type": gettext_lazy("请输入有效的网址"),
}
GENERIC = gettext_lazy("输入无效")

# pydantic prefixes a ValueError's / AssertionError's text with these.
_PREFIXES = ("Value error, ", "Assertion failed, ")


def _own_text(error: dict) -> str | None:
    """The text of a validator's ValueError when it is ours (Chinese), else None."""
    text = str((error.get("ctx") or {}).get("error") or error.get("msg") or "")
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    return text if _CJK.search(text) else None


def _expected(ctx: dict) -> str:
    """Allowed values of a literal or enum, in the interface language's list style."""
    text = str(ctx.get("expected", ""))
    # pydantic writes "'a', 'b' or 'c'": keep the quoted values, drop its English "or".
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", text) or [text]
    return _("、").join(values)


def translate(error: dict) -> str:
    """Our message for one pydantic error (a dict from ``ValidationError.errors()``)."""
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error"):
        return _own_text(error) or str(GENERIC)
    message = MESSAGES.get(kind)
    if message is None:
        return str(GENERIC)
    ctx = dict(error.get("ctx") or {})
    if kind in ("literal_error", "enum"):
        ctx["expected"] = _expected(ctx)
    text = str(message)
    if "%(" not in text:
        return text
    try:
        return text % {key: str(value) for key, value in ctx.items()}
    except (KeyError, ValueError, TypeError):
        return str(GENERIC)  # a ctx without the value the message names: never a half-filled message

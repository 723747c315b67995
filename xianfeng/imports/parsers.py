"""Cell parsers shared by every import. Each returns a Python value or raises CellError
with a message a clerk can act on. Input is whatever a spreadsheet or CSV gives us:
str, int, float, datetime, bool or None."""

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

from xianfeng.core.text import to_halfwidth

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INT = re.compile(r"^[+-]?\d+$")


class CellError(ValueError):
    pass


def clean_text(value) -> str:
    """Half-width, trimmed text; floats that are whole numbers lose their '.0' (Excel codes)."""
    if value is None:
        return ""
    if value.__class__ is str:  # the common case first: every import calls this per cell
        return to_halfwidth(value).strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return to_halfwidth(str(value)).strip()


def parse_text(value, max_length: int | None = None) -> str:
    if value.__class__ is str:
        # clean_text inlined for the common case (called per cell of every import): the same
        # half-width form as to_halfwidth; split() drops the ends that strip() would.
        text = " ".join((value if value.isascii() else unicodedata.normalize("NFKC", value)).split())
    elif value is None:
        return ""
    else:
        text = " ".join(clean_text(value).split())
    if max_length is not None and len(text) > max_length:
        raise CellError(_("过长：最多 %(n)s 个字符") % {"n": max_length})
    return text


def parse_int(value, minimum: int | None = None) -> int | None:
    text = clean_text(value).replace(",", "")
    if text == "":
        return None
    if not _INT.match(text):
        raise CellError(_("“%(v)s”不是整数") % {"v": text})
    number = int(text)
    if minimum is not None and number < minimum:
        raise CellError(_("不能小于 %(n)s") % {"n": minimum})
    return number


def parse_date(value) -> datetime.date | None:
    """1965-03-02, 1965.3.2, 1965/3/2, 1965年3月2日, 19650302, or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's own range (1900-01-01 .. 9999-12-31)
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("“%(v)s”不是有效日期") % {"v": value})
    text = clean_text(value)
    if text == "":
        return None
    match = _DATE_PARTS.match(text) or _COMPACT_DATE.match(text)
    if match is None and _INT.match(text) and len(text) <= 5:
        return parse_date(int(text))
    if match is None:
        raise CellError(_("“%(v)s”不是可识别的日期，请写成 1965-03-02 或 1965年3月2日") % {"v": text})
    try:
        return datetime.date(*(int(p) for p in match.groups()))
    except ValueError as exc:
        raise CellError(_("“%(v)s”不是存在的日期") % {"v": text}) from exc


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", ""}


def parse_bool(value) -> bool:
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("请填“是”或“否”"))


def parse_choice(value, choices) -> str:
    """Accept either the stored value or its label (党支部 or branch)."""
    text = clean_text(value)
    for stored, label in choices:
        if text in (str(stored), str(label)):
            return stored
    labels = "、".join(str(label) for _stored, label in choices)
    raise CellError(_("“%(v)s”不是可选值（%(labels)s）") % {"v": text, "labels": labels})

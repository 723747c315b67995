"""Identifiers of a member: phone numbers and volunteer numbers (ID numbers: core.idnumber)."""

import re

from django.utils.translation import gettext as _

from xianfeng.core.text import to_halfwidth
from xianfeng.residents.rules import birth_date_error  # one rule for every person (residents/rules.py)

__all__ = ["birth_date_error", "birth_date_errors", "parse_phone", "volunteer_number", "volunteer_sequence"]


def birth_date_errors(typed, derived=None) -> dict:
    """Errors by column for a birth date out of bounds: the one typed, else ``derived`` (read from
    the ID number when nothing was typed)."""
    if message := birth_date_error(typed):
        return {"birth_date": message}
    if message := birth_date_error(derived, from_id=True):
        return {"id_number": message}
    return {}


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
VOLUNTEER_PREFIX = "ZY"


class PhoneError(ValueError):
    pass


def normalize_phone(raw) -> str:
    """Half-width, no spaces or brackets, +86 dropped: 138 1234 5678 -> 13812345678."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = to_halfwidth(str(raw)).strip()
    for mark in (" ", "(", ")", "（", "）"):
        text = text.replace(mark, "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text.lstrip("-")


def parse_phone(raw) -> str:
    """A mobile (11 digits, starting 13–19) or a landline with area code (0415-1234567)."""
    text = normalize_phone(raw)
    if not text:
        return ""
    if _MOBILE.match(text):
        return text
    if _LANDLINE.match(text):
        digits = text.replace("-", "")
        area = 3 if digits[1] in "12" else 4
        return digits[:area] + "-" + digits[area:]
    raise PhoneError(_("“%(v)s”不是有效的手机号（11位）或带区号的固定电话") % {"v": text})


def volunteer_number(year: int, sequence: int) -> str:
    """ZY2024000123: the public identifier printed for volunteers instead of the ID number."""
    return f"{VOLUNTEER_PREFIX}{year:04d}{sequence:06d}"


def volunteer_sequence(number: str, year: int) -> int | None:
    prefix = f"{VOLUNTEER_PREFIX}{year:04d}"
    tail = number[len(prefix) :]
    if number.startswith(prefix) and tail.isdigit():
        return int(tail)
    return None

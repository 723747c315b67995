"""Normalizers for the personal fields. They are importable by path because the blind-index
fields name them in migrations."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xianfeng.core.text import to_halfwidth

_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")


def normalize_phone(raw: str | None) -> str:
    """13812345678, '138 1234 5678', '＋86-138…', '0415-1234567' -> digits only (no +86)."""
    if not raw:
        return ""
    text = _PHONE_NOISE.sub("", to_halfwidth(str(raw)))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86") and text[2] == "1":
        text = text[2:]
    return text


def validate_phone(raw: str | None) -> str:
    """The normalized phone, or ValidationError with a message a clerk can act on."""
    phone = normalize_phone(raw)
    if phone and not _PHONE.match(phone):
        raise ValidationError(
            _("“%(v)s”不是有效的电话号码：手机11位，固话含区号（如 0415-1234567）") % {"v": raw}, code="phone"
        )
    return phone

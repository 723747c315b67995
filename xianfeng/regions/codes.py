"""GB/T 2260 and statistical division codes, trimmed to their meaningful digits.

province 2 · city 4 · county 6 (GB/T 2260) · township 9 · village 12 (national statistical
codes). A code's ancestors are its prefixes, so a subtree is ``code LIKE '2106%'``.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LEVEL_BY_LENGTH = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}
LENGTHS = sorted(LEVEL_BY_LENGTH)
_DIGITS = re.compile(r"^\d+$")


def trim_code(raw: str) -> str:
    """Accept the padded forms people paste (210000, 210600, 210681000000) and trim them.

    A 6-digit code ending in 0000 is a province, in 00 a city; 12-digit codes ending in
    000 or 000000 are townships or counties written long.
    """
    code = str(raw).strip()
    if len(code) == 6 and _DIGITS.match(code):
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    if len(code) == 12 and _DIGITS.match(code):
        if code.endswith("000000"):
            return trim_code(code[:6])
        if code.endswith("000"):
            return code[:9]
    return code


def level_of(code: str) -> str | None:
    return LEVEL_BY_LENGTH.get(len(code))


def parent_code(code: str) -> str | None:
    index = LENGTHS.index(len(code))
    if index == 0:
        return None
    return code[: LENGTHS[index - 1]]


def validate_code(code: str) -> None:
    if not _DIGITS.match(code or "") or len(code) not in LEVEL_BY_LENGTH:
        raise ValidationError(
            _("“%(code)s”不是有效的区划代码：应为2、4、6、9或12位数字"), params={"code": code}, code="invalid_code"
        )

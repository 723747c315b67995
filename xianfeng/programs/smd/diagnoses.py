"""The six severe mental disorders managed in the community, with their ICD-10 codes.

《严重精神障碍管理治疗工作规范（2018年版）》第一章 总则: 严重精神障碍 are 精神分裂症、分裂情感性障碍、
持久的妄想性障碍（偏执性精神病）、双相（情感）障碍、癫痫所致精神障碍、精神发育迟滞伴发精神障碍; the
ICD-10 codes are those of the national information system's register (附件 严重精神障碍患者报告卡).
"""

import re

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# code, ICD-10, name — the code is what is stored (enrollment data, diagnosis visits, imports).
DIAGNOSES = (
    ("schizophrenia", "F20", _("精神分裂症")),
    ("schizoaffective", "F25", _("分裂情感性障碍")),
    ("paranoid", "F22", _("持久的妄想性障碍（偏执性精神病）")),
    ("bipolar", "F31", _("双相（情感）障碍")),
    ("epilepsy", "F06", _("癫痫所致精神障碍")),
    ("intellectual", "F70–F79", _("精神发育迟滞伴发精神障碍")),
)

# How registers and colleagues write them, in Chinese whatever the interface language.
ALIASES = {
    "精神分裂症": "schizophrenia",
    "分裂情感性障碍": "schizoaffective",
    "持久的妄想性障碍（偏执性精神病）": "paranoid",
    "持久的妄想性障碍": "paranoid",
    "偏执性精神病": "paranoid",
    "双相（情感）障碍": "bipolar",
    "双相情感障碍": "bipolar",
    "双相障碍": "bipolar",
    "癫痫所致精神障碍": "epilepsy",
    "精神发育迟滞伴发精神障碍": "intellectual",
}

CODES = tuple(code for code, _icd, _name in DIAGNOSES)
ICD10 = {code: icd for code, icd, _name in DIAGNOSES}


def label(code: str) -> str:
    """ "精神分裂症（F20）" for "schizophrenia"; the code itself when unknown."""
    for known, icd, name in DIAGNOSES:
        if known == code:
            return f"{name}（{icd}）"
    return code


def choices() -> list[list]:
    """Field choices labelled with the ICD-10 code, as the forms and imports show them."""
    return [[code, format_lazy("{}（{}）", name, icd)] for code, icd, name in DIAGNOSES]


def normalize(value):
    """A register exported from the national system names the diagnosis by its name or its
    ICD-10 code ("精神分裂症", "F20", "F20.0", "F71"): read those as our code; anything else is
    returned unchanged for the field's own validation to refuse."""
    if not isinstance(value, str):
        return value
    # "精神分裂症（F20）" → "精神分裂症": only a trailing ICD-10 code in brackets is dropped, since
    # names themselves hold brackets ("双相（情感）障碍").
    text = re.sub(r"[（(]\s*F[0-9.–\-~]+\s*[）)]$", "", value.strip().upper()).strip()
    # A spreadsheet cell often holds half-width brackets ("双相(情感)障碍"): compare full-width.
    text = text.replace("(", "（").replace(")", "）")
    if text in ALIASES:
        return ALIASES[text]
    for code, icd, name in DIAGNOSES:
        if text in (code.upper(), str(name).upper().replace("(", "（").replace(")", "）")):
            return code
        if text.startswith("F") and text[1:3].isdigit():
            number = int(text[1:3])
            low, high = icd[1:3], icd[-2:]
            if int(low) <= number <= int(high):
                return code
    return value


def icd10(code: str) -> str:
    return ICD10.get(code, "")

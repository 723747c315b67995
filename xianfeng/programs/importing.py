"""What the imports of severe mental disorder registers (imports.py) share: cell parsers for the
national system's wording, the patient found by ID number, and the carrier of an error met only
while writing. Lookups start from ``scoped()`` and are cached for the run (servicelog's indexes)."""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.roles import HEALTH
from xianfeng.accounts.scoping import can
from xianfeng.core.idnumber import IdNumberError, parse_id_number
from xianfeng.core.masking import mask_id_number
from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import CellError, clean_text, parse_date, parse_text
from xianfeng.imports.readers import FileProblem
from xianfeng.residents.importing import parse_id_text
from xianfeng.residents.models import Resident
from xianfeng.residents.services_import import field_indexer
from xianfeng.servicelog import selectors as servicelog_selectors
from xianfeng.servicelog.importing import text_parser
from xianfeng.servicelog.importing_people import MemberIndex, ResidentIndex

from .models import Enrollment

SMD = "smd"
_RISK = re.compile(r"^\s*([0-9]+)\s*级?")
_DATE_IN_TEXT = re.compile(r"(\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?|\d{8})")
_YES = ("是", "有", "已签", "已签署", "同意", "y", "yes", "1", "√", "✓")
_NO = ("否", "无", "未签", "未签署", "不同意", "拒绝", "n", "no", "0", "×")
_PERSON = re.compile(r"^(?P<name>[^()（）]+)[(（](?P<role>.+)[)）]$")


def parse_risk(value) -> str:
    """危险性评估 as the register writes it: 3, "3", "3级", "3级 明显打砸行为…" → "3" (0–5)."""
    text = clean_text(value)
    if text == "":
        return ""
    match = _RISK.match(text)
    if match is None or not 0 <= int(match.group(1)) <= 5:
        raise CellError(_("危险性评估应为 0–5 级，如“0”或“3级”"))
    return match.group(1)


def parse_diagnosis(value) -> str:
    """诊断 by name (brackets of either width: cells are read half-width) or ICD-10 code; a name
    read here becomes the program's code, anything else goes to the field's own check."""
    from .smd import diagnoses

    text = parse_text(value, 50)
    for code, _icd, name in diagnoses.DIAGNOSES:
        if text == parse_text(str(name)):
            return code
    return text


def parse_consent(value) -> tuple[bool | None, datetime.date | None]:
    """知情同意: "是", "否", "是（2023-05-01）", "是 2023年5月1日" or a date alone (= yes).
    Returns (given or None when blank, date or None)."""
    text = clean_text(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return True, parse_date(value)
    if text == "":
        return None, None
    found = _DATE_IN_TEXT.search(text)
    day = parse_date(found.group(1).replace(" ", "")) if found else None
    word = (_DATE_IN_TEXT.sub("", text) if found else text).strip(" ()（）:：,，").lower()
    if word == "" and day is not None:
        return True, day
    if word in _YES:
        return True, day
    if word in _NO:
        return False, None
    raise CellError(_("知情同意请填“是”或“否”，可附日期，如“是 2023-05-01”"))


def parse_people(value) -> tuple[dict, ...]:
    """参与人员: "张警官（公安）、李主任（村（居）委会）" → [{"name", "role"}] (the role is checked by the
    program's field)."""
    text = clean_text(value)
    if not text:
        return ()
    people = []
    for part in re.split(r"[、，,；;]+", text):
        part = part.strip()
        if not part:
            continue
        match = _PERSON.match(part)
        if match is None:
            raise CellError(_("参与人员请写成“姓名（身份）”，如“张警官（公安）”，多人用顿号分隔"))
        people.append({"name": match.group("name").strip(), "role": match.group("role").strip()})
    return tuple(people)


ID_COLUMN = dict(
    synonyms=("身份证号码", "公民身份号码", "证件号码", "患者身份证号"),
    required=True,
    parse=parse_id_text,
    help="须为已登记、在您权限范围内的居民（请先导入居民）",
    example="210681195003021234",
    personal=True,
    mask=mask_id_number,
)
NAME_COLUMN = dict(
    synonyms=("患者姓名", "姓名（患者）"), parse=text_parser(50), help="与身份证号核对", example="李大爷"
)


def errors_of(exc: ValidationError) -> dict[str, str]:
    """A program's or service's ValidationError as {column key: message} (the keys are the same)."""
    if not hasattr(exc, "error_dict"):
        return {"": "；".join(exc.messages)}
    return {key: "；".join(messages) for key, messages in exc.message_dict.items()}


class WriteProblem(FileProblem):
    """A check only the write could make failed: the engine rolls the file back and shows this."""


def raise_write_problem(row_number: int, exc: ValidationError) -> None:
    raise WriteProblem(
        _("第 %(r)s 行：%(m)s（已全部回滚，未写入任何数据）") % {"r": row_number, "m": "；".join(exc.messages)}
    ) from None


def prepare_people(ctx) -> None:
    """Residents by ID number and members by name, within the user's scope; health rows need the
    health level (DESIGN.md §3), refused before any row is read."""
    user, state = ctx.user, ctx.state
    if not can(user, HEALTH, Enrollment):
        raise PermissionDenied(_("严重精神障碍患者信息属于健康信息，需要健康权限才能导入"))
    state["today"] = timezone.localdate()
    state["residents"] = ResidentIndex(user)
    state["members"] = MemberIndex(user)
    state["id_indexer"] = field_indexer(Resident._meta.get_field("id_number_index"))
    own = servicelog_selectors.own_member(user)
    state["own"] = (own.pk, own.name, own.branch_id) if own is not None else None
    state["seen_ids"] = {}


def find_patient(values: dict, state: dict, errors: dict, row_number: int) -> tuple[dict | None, int]:
    """The resident the row's ID number names (a dict of ResidentIndex) and the first row of the
    file naming them (``row_number`` if none before), or None with the error."""
    try:
        id_value = parse_id_number(values["id_number"], state["today"]).value
    except IdNumberError as exc:
        errors["id_number"] = str(exc)
        return None, row_number
    index = state["id_indexer"](id_value)
    seen = state["seen_ids"].setdefault(index, row_number)
    resident, message = state["residents"].by_id(index)
    if message:
        errors["id_number"] = message
        return None, seen
    if values.get("name") and normalize_name(values["name"]) != resident["name_norm"]:
        errors["name"] = _("身份证号对应的居民是“%(n)s”，与所填姓名不符") % {"n": resident["name"]}
    return resident, seen


def find_members(values: dict, key: str, on: datetime.date, state: dict, errors: dict) -> list[tuple]:
    """The members a cell names (names or volunteer numbers), or [] with the error."""
    if not values.get(key):
        return []
    members, message = state["members"].resolve(values[key], on)
    if message:
        errors[key] = message
    return members

"""Placeholders of the narrative templates (issue 11 §4): a small, closed syntax that names figures.

A template is plain text; ``{…}`` names a figure of the chosen filter, ``{{`` and ``}}`` print a
brace. Parts are separated by ``:`` (or the full-width ``：``); names are the figure's key or its
Chinese label (definitions.METRICS), so an editor can write either::

    {期间} {范围}                         the period (2026年1月1日至3月31日) and flt.describe()
    {服务人次} {person_times}             an exact figure with thousands separators: 301,234
    {服务人次:约}                         rounded the way reports do: 30余万 (see ``approx``)
    {覆盖乡镇率} {覆盖村率}               covered ÷ in scope, "67.5%"
    {类型:home_visit:服务人次[:约]}       one service type's figure (metrics' by_type)
    {项目:smd:management_rate}            a program indicator; a rate prints "85.3%"
    {项目:smd:管理率:分子} / :分母        its numerator or denominator
    {数量:份[:约]}                        the quantity of one unit
    {主要服务类型[:3][:约]}               the top types by 人次: 入户随访 1,234 人次、义诊 456 人次

Nothing else exists, and deliberately nothing that names a person: no name, ID number, phone or
address placeholder, and a template text that contains something shaped like an ID number, a
phone number or a masked value is refused (``personal_data_errors``) — a report is aggregates.

Rounding rule (``approx``), written down once and property-tested:
    below 100            exact (17, 73, 35.5): small numbers are quoted as they are;
    100 ‥ 9 999          cut (never rounded up) to 2 significant digits: 453 → 450余, 4 532 → 4500余;
    10 000 ‥ 99 999      the same in 万 with one decimal: 48 123 → 4.8万余, 40 000 → 4万;
    ≥ 100 000            the same in 万 (亿 from 100 000 000): 301 234 → 30余万, 1 234 567 → 120余万.
"余" is printed exactly when the exact figure is more than the printed one, so a rounded figure is
never more than the exact one and never claims more than was done.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from xianfeng.core.idnumber import is_valid_id_number

from .definitions import METRICS

APPROX_WORDS = ("约", "approx")
NUMERATOR_WORDS, DENOMINATOR_WORDS = ("分子", "numerator"), ("分母", "denominator")
TOP_TYPES_DEFAULT, TOP_TYPES_MAX = 3, 10
DASH = "—"

PERIOD, SCOPE, METRIC, RATE, TYPE, PROGRAM, QUANTITY, TOP_TYPES = (
    "period",
    "scope",
    "metric",
    "rate",
    "type",
    "program",
    "quantity",
    "top_types",
)
HEADS = {
    "期间": PERIOD,
    "period": PERIOD,
    "范围": SCOPE,
    "scope": SCOPE,
    "类型": TYPE,
    "type": TYPE,
    "项目": PROGRAM,
    "program": PROGRAM,
    "数量": QUANTITY,
    "quantity": QUANTITY,
    "主要服务类型": TOP_TYPES,
    "top_types": TOP_TYPES,
}
# 覆盖率: covered within scope ÷ in scope (metrics' *_covered_in_scope over *_in_scope).
RATES = {
    "覆盖乡镇率": "townships",
    "township_coverage": "townships",
    "覆盖村率": "villages",
    "village_coverage": "villages",
}
# Short names readers use for the headline figures, besides the keys and labels.
ALIASES = {
    "人次": "person_times",
    "人数": "persons",
    "户数": "households",
    "场次": "events",
    "覆盖村": "villages_covered",
    "服务时长": "hours",
}
PRINTABLE = [key for key in METRICS if key != "quantity"]
TYPE_KEYS = ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours")

# Words that name a person's data: refused with a message of their own, not as "unknown".
PERSONAL_WORDS = (
    "姓名",
    "名字",
    "身份证",
    "证件",
    "电话",
    "手机",
    "住址",
    "地址",
    "联系方式",
    "name",
    "id_number",
    "idnumber",
    "phone",
    "mobile",
    "address",
)
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_MASKED = re.compile(r"\d{2,}[*＊]{3,}\d*|[*＊]{3,}\d{3,}")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]{0,80})\}|[{}]")


class PlaceholderError(ValueError):
    """A template that cannot be rendered: ``errors`` lists what to fix, one message each."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


@dataclass(frozen=True)
class Spec:
    """One parsed placeholder: ``kind`` with its arguments (a metric key, a type code …)."""

    raw: str
    kind: str
    args: tuple = ()
    approx: bool = False
    part: str = ""  # "numerator" / "denominator" of a program rate


@dataclass
class Catalog:
    """What placeholders may name: service types {code: name}, programs {code: name}, units,
    and each program's indicators {API key: Figure} (loaded for the programs a text names)."""

    types: dict[str, str]
    programs: dict[str, str]
    units: tuple[str, ...] = ()
    load_program_figures: object = None  # callable(code) -> {API key: programs.indicators.Figure}
    _figures: dict = field(default_factory=dict)

    def figures_of(self, code: str) -> dict:
        if code not in self._figures:
            self._figures[code] = self.load_program_figures(code) if self.load_program_figures else {}
        return self._figures[code]

    def keys_of(self, code: str) -> dict[str, str]:
        """{accepted name: API key}: the API key, the program's own key and the label."""
        names = {}
        for api_key, figure in self.figures_of(code).items():
            names[str(figure.label)] = api_key
            names[figure.key] = api_key
            names[api_key] = api_key
        return names


def metric_key(name: str) -> str | None:
    """The metric key a placeholder name means (key, label or alias), None if none."""
    name = name.strip()
    if name in METRICS and name != "quantity":
        return name
    if name in ALIASES:
        return ALIASES[name]
    for key in PRINTABLE:
        if str(METRICS[key].label) == name:
            return key
    return None


def _split(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[:：]", raw)]


def _modifiers(words: list[str], raw: str) -> tuple[bool, str]:
    """(approx, part) from the trailing words; PlaceholderError on anything else."""
    approx, part = False, ""
    for word in words:
        if word in APPROX_WORDS:
            approx = True
        elif word in NUMERATOR_WORDS:
            part = "numerator"
        elif word in DENOMINATOR_WORDS:
            part = "denominator"
        else:
            raise PlaceholderError(
                [_("占位符 {%(raw)s} 中的“%(word)s”无法识别（可用“约”）") % {"raw": raw, "word": word}]
            )
    return approx, part


def personal_word(raw: str) -> str | None:
    lowered = raw.lower()
    return next((word for word in PERSONAL_WORDS if word in lowered), None)


def parse_spec(raw: str, catalog: Catalog) -> Spec:
    """The meaning of ``{raw}``, or PlaceholderError naming it and what is available."""
    parts = _split(raw)
    head = parts[0]
    if personal_word(raw) and metric_key(head) is None and head not in HEADS and head not in RATES:
        raise PlaceholderError([personal_message(raw)])
    kind = HEADS.get(head)
    if kind in (PERIOD, SCOPE):
        if len(parts) > 1:
            raise PlaceholderError([_("占位符 {%(raw)s} 不带参数，请写成 {%(head)s}") % {"raw": raw, "head": head}])
        return Spec(raw, kind)
    if kind == TYPE:
        if len(parts) < 3 or parts[1] not in catalog.types or metric_key(parts[2]) not in TYPE_KEYS:
            raise PlaceholderError([unknown_message(raw, catalog, hint="type")])
        approx, part = _modifiers(parts[3:], raw)
        if part:
            raise PlaceholderError([unknown_message(raw, catalog, hint="type")])
        return Spec(raw, TYPE, (parts[1], metric_key(parts[2])), approx)
    if kind == PROGRAM:
        if len(parts) < 3 or parts[1] not in catalog.programs:
            raise PlaceholderError([unknown_message(raw, catalog, hint="program")])
        keys = catalog.keys_of(parts[1])
        if parts[2] not in keys:
            raise PlaceholderError([unknown_message(raw, catalog, hint="program", program=parts[1])])
        approx, part = _modifiers(parts[3:], raw)
        return Spec(raw, PROGRAM, (parts[1], keys[parts[2]]), approx, part)
    if kind == QUANTITY:
        if len(parts) < 2 or not parts[1] or (catalog.units and parts[1] not in catalog.units):
            raise PlaceholderError([unknown_message(raw, catalog, hint="quantity")])
        approx, part = _modifiers(parts[2:], raw)
        if part:
            raise PlaceholderError([unknown_message(raw, catalog, hint="quantity")])
        return Spec(raw, QUANTITY, (parts[1],), approx)
    if kind == TOP_TYPES:
        count = TOP_TYPES_DEFAULT
        rest = []
        for word in parts[1:]:
            if word.isdigit() and 1 <= int(word) <= TOP_TYPES_MAX:
                count = int(word)
            else:
                rest.append(word)
        approx, part = _modifiers(rest, raw)
        if part:
            raise PlaceholderError([unknown_message(raw, catalog)])
        return Spec(raw, TOP_TYPES, (count,), approx)
    if head in RATES:
        if len(parts) > 1:
            raise PlaceholderError([unknown_message(raw, catalog)])
        return Spec(raw, RATE, (RATES[head],))
    key = metric_key(head)
    if key is None:
        raise PlaceholderError([unknown_message(raw, catalog)])
    approx, part = _modifiers(parts[1:], raw)
    if part:
        raise PlaceholderError([unknown_message(raw, catalog)])
    return Spec(raw, METRIC, (key,), approx)


def personal_message(raw: str) -> str:
    return _("模板不能输出个人信息（姓名、身份证号、电话、住址）：{%(raw)s} 不是可用的占位符；报告只引用汇总数字") % {
        "raw": raw
    }


def unknown_message(raw: str, catalog: Catalog, *, hint: str = "", program: str = "") -> str:
    """Names the placeholder and lists what would be valid in its place."""
    if hint == "type":
        codes = "、".join(sorted(catalog.types)[:40])
        valid = _("{类型:服务类型代码:指标}，服务类型代码可用：%(codes)s；指标如 服务人次、服务人数、活动场次") % {
            "codes": codes
        }
    elif hint == "program" and program:
        names = "、".join(sorted(set(catalog.keys_of(program).values())))
        valid = _("{项目:%(code)s:指标}，指标可用：%(names)s") % {"code": program, "names": names}
    elif hint == "program":
        valid = _("{项目:项目代码:指标}，项目代码可用：%(codes)s") % {"codes": "、".join(sorted(catalog.programs))}
    elif hint == "quantity":
        valid = _("{数量:计量单位}，计量单位可用：%(units)s") % {"units": "、".join(catalog.units)}
    else:
        names = [str(METRICS[key].label) for key in PRINTABLE] + ["覆盖乡镇率", "覆盖村率"]
        valid = _("可用的占位符：{期间}、{范围}、%(names)s、{类型:…}、{项目:…}、{数量:…}、{主要服务类型}") % {
            "names": "、".join("{" + name + "}" for name in names)
        }
    return _("无法识别的占位符 {%(raw)s}。%(valid)s") % {"raw": raw, "valid": valid}


def tokens(text: str) -> list[str | tuple[str]]:
    """The text as literal strings and (raw,) placeholders; PlaceholderError for a stray brace."""
    result: list = []
    position = 0
    for match in _TOKEN.finditer(text):
        result.append(text[position : match.start()])
        found = match.group(0)
        if found == "{{":
            result.append("{")
        elif found == "}}":
            result.append("}")
        elif match.group(1) is not None:
            result.append((match.group(1),))
        else:
            raise PlaceholderError(
                [
                    _("第 %(n)s 个字符处的花括号“%(c)s”不成对；花括号本身请写成 {{ 或 }}")
                    % {"n": match.start() + 1, "c": found}
                ]
            )
        position = match.end()
    result.append(text[position:])
    return [part for part in result if part != ""]


def personal_data_errors(text: str) -> list[str]:
    """Refusals for text that looks like personal data: an ID number, a phone, a masked value."""
    errors = []
    for match in _ID_SHAPE.finditer(text):
        kind = _("身份证号") if is_valid_id_number(match.group(0)) else _("疑似身份证号的长数字")
        errors.append(_("模板中不能出现个人信息：%(kind)s“%(text)s”") % {"kind": kind, "text": _hide(match.group(0))})
    for pattern in (_MOBILE, _LANDLINE):
        for match in pattern.finditer(text):
            errors.append(_("模板中不能出现个人信息：电话号码“%(text)s”") % {"text": _hide(match.group(0))})
    for match in _MASKED.finditer(text):
        errors.append(_("模板中不能出现脱敏后的个人信息：“%(text)s”") % {"text": match.group(0)})
    return errors


def _hide(value: str) -> str:
    """Echo the refused value without repeating it in full (the error page is no leak either)."""
    return value[:3] + "…" + value[-2:] if len(value) > 6 else "…"


def check_text(text: str, catalog: Catalog) -> list[str]:
    """Every error of one template text (personal data first, then each bad placeholder once)."""
    errors = personal_data_errors(text)
    try:
        parts = tokens(text)
    except PlaceholderError as exc:
        return errors + exc.errors
    seen = set()
    for part in parts:
        if isinstance(part, tuple) and part[0] not in seen:
            seen.add(part[0])
            try:
                parse_spec(part[0], catalog)
            except PlaceholderError as exc:
                errors.extend(exc.errors)
    return errors


def check_template(title: str, body: str, catalog: Catalog) -> dict[str, list[str]]:
    """{field: errors} of a template's title and body ({} when both may be saved and rendered)."""
    errors = {name: check_text(text or "", catalog) for name, text in (("title", title), ("body", body))}
    return {name: found for name, found in errors.items() if found}


def cheatsheet() -> list[tuple[str, str]]:
    """(placeholder, what it prints) for the editor's side panel."""
    rows = [
        ("{期间}", _("统计期间，如 2026年1月1日至3月31日")),
        ("{范围}", _("筛选条件的说明（期间、组织、地区…）")),
    ]
    for key in PRINTABLE:
        label = str(METRICS[key].label)
        rows.append(
            ("{" + label + "}", _("%(label)s的精确数，如 1,234（也可写 {%(key)s}）") % {"label": label, "key": key})
        )
    rows += [
        ("{服务人次:约}", _("按报告习惯取整：4,532 → 4500余，301,234 → 30余万；不足 100 照实写")),
        ("{覆盖乡镇率}", _("统计范围内覆盖的乡镇 ÷ 范围内乡镇数，如 67.5%；{覆盖村率} 同理")),
        ("{类型:home_visit:服务人次}", _("某一服务类型的指标（服务类型代码见下表）")),
        ("{项目:smd:management_rate}", _("项目指标；比率印作 85.3%，加 :分子 或 :分母 印人数")),
        ("{数量:份}", _("某一计量单位的服务数量合计")),
        ("{主要服务类型}", _("服务人次最多的 3 类服务及其人次；{主要服务类型:5:约} 取 5 类并取整")),
        ("{{ }}", _("花括号本身")),
    ]
    return rows


# --- printing numbers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Approx:
    text: str  # "30余万"
    rounded: Decimal  # 300000: what the text states
    more: bool  # whether "余" was printed (exact > rounded)


def exact_text(value) -> str:
    """301,234 · 1,234.5 (hours) · 12.25 (a quantity): thousands separators, no trailing zeros."""
    if value is None:
        return DASH
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.normalize():,f}"
    return f"{value:,}"


def _cut(n: int) -> int:
    """``n`` cut down to its two leading digits (4532 → 4500)."""
    digits = len(str(n))
    step = 10 ** max(digits - 2, 0)
    return n // step * step


def _plain(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def approx(value) -> Approx:
    """The figure as reports print it (rule in the module docstring)."""
    exact = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if exact < 0:
        raise ValueError("figures are never negative")
    whole = int(exact.to_integral_value(rounding=ROUND_FLOOR))
    if whole < 100:
        return Approx(exact_text(exact), exact, False)
    rounded = _cut(whole)
    more = exact > rounded
    yu = "余" if more else ""
    if rounded < 10_000:
        return Approx(f"{rounded}{yu}", Decimal(rounded), more)
    unit, name = (Decimal(100_000_000), "亿") if rounded >= 100_000_000 else (Decimal(10_000), "万")
    amount = Decimal(rounded) / unit
    if amount < 10:
        text = f"{_plain(amount)}{name}{yu}"  # 4.8万余: the decimal stays with its unit
    else:
        text = f"{_plain(amount)}{yu}{name}"  # 30余万
    return Approx(text, Decimal(rounded), more)


def rate_text(rate, unit: str = "%") -> str:
    return DASH if rate is None else f"{rate:.1f}{unit}"

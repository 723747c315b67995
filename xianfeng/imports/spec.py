"""How an app describes one kind of import. The engine does the rest: template, header
mapping with synonyms, dry run with row-by-row errors, all-or-nothing commit, error workbook.

An app declares specs in ``<app>/imports.py`` and registers them::

    @register
    class RegionImport(ImportSpec):
        key = "regions"
        label = _("乡镇/村区划")
        model = Region
        columns = [Column("code", "区划代码", synonyms=["代码"], required=True), ...]

        def clean_row(self, values, ctx): ...   # return a Planned row (or raise RowInvalid)
        def commit(self, rows, ctx): ...        # write a batch of Planned rows; returns (created, updated)

Create, update or skip: a spec whose records have a natural key (ID number, volunteer number,
region code) names it in ``natural_key``. ``clean_row`` then looks the key up and returns
``Planned(CREATE, data)``, ``Planned(UPDATE, data, changed=(column keys...))`` or
``Planned(UNCHANGED, data)``. The check counts all three; the user picks the mode
(``ctx.options["mode"]``: MODE_CREATE writes only new records and skips the rest, MODE_UPDATE
also updates); the engine hands ``commit`` only what the mode writes. A plain value returned by
``clean_row`` means CREATE.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xianfeng.core.masking import mask
from xianfeng.core.text import normalize_text

from .parsers import parse_text


@dataclass
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[Any], Any] = parse_text
    help: str = ""
    example: str = ""
    # Personal data (ID number, phone, and what rebuilds a masked ID beside it): shown masked
    # on the job page, and in the error workbook unless the downloader may reveal it.
    personal: bool = False
    mask: Callable[[str], str] | None = None

    def names(self) -> set[str]:
        return {header_key(n) for n in (self.header, self.key, *self.synonyms)}

    def masked(self, value) -> str:
        """``value`` as shown to someone who may not see it in full (every character hidden
        when the column names no mask of its own)."""
        text = "" if value is None else str(value)
        if not text:
            return ""
        return self.mask(text) if self.mask else mask(text, 0, 0)


_OPEN, _CLOSE = "([【「<《〈『{〔", ")]】」>》〉』}〕"
_BRACKETS = str.maketrans(_OPEN + _CLOSE, "(" * len(_OPEN) + ")" * len(_CLOSE))
# Marks that say whether a column must be filled, not what it holds.
_MARKS = ("(必填)", "(选填)", "(可选)", "(非必填)", "(可不填)", "*", "必填", "选填", "可选")
_QUALIFIER = re.compile(r"\([^()]*\)")
# Tried with and without, longest first: 身份证号码 ~ 身份证号, 村代码 ~ 村, 联系电话号码 ~ 联系电话.
HEADER_SUFFIXES = ("号码", "编码", "代码", "编号", "名称", "号")


def header_key(text: str) -> str:
    """Headers compared loosely: 姓名*, 「姓名」, ' 姓 名 ', 姓名（必填） and 【姓名】 all match 姓名;
    every kind of bracket reads as (), so 所属村（社区） and 所属村【社区】 are one header."""
    text = normalize_text(text).translate(_BRACKETS)
    text = "".join(text.split())
    for mark in _MARKS:
        text = text.replace(mark, "")
    text = text.rstrip(":").replace("()", "")
    while len(text) > 2 and text[0] == "(" and text[-1] == ")" and _QUALIFIER.fullmatch(text):
        text = text[1:-1]  # the whole header in brackets: 「姓名」
    return text


def header_base(key: str) -> str:
    """A header key without its parenthesised qualifiers: 所属村(社区) ~ 所属村, 现住村(社区)代码 ~
    现住村代码."""
    return _QUALIFIER.sub("", key) or key


def header_stem(key: str) -> str:
    """A header base without one known suffix (编码, 代码, 号码, 编号, 名称, 号)."""
    for suffix in HEADER_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class RowInvalid(Exception):
    """Raised by clean_row: {column key or "": message}."""

    def __init__(self, errors: dict[str, str] | str):
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        super().__init__(str(self.errors))


CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
MODE_CREATE, MODE_UPDATE = "create", "update"  # "create only" / "create and update"


@dataclass
class Planned:
    """What one clean row will do. ``changed`` lists the column keys whose value differs from
    the stored record (UPDATE only); ``data`` is whatever the spec's commit needs."""

    action: str
    data: Any
    changed: tuple[str, ...] = ()


@dataclass
class ImportContext:
    user: Any
    options: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)  # a spec's own caches and seen-sets for one run
    warnings: list = field(default_factory=list)  # (row, column key, message)
    # What a spec that logs per job rather than per row wrote (codes created, values changed):
    # stored as the "after" of the job's ChangeLog row.
    changes: dict = field(default_factory=dict)


class ImportSpec(ABC):
    key: str = ""
    label: str = ""
    model = None  # the model written; the user needs "<app>.change" on it
    columns: list[Column] = []
    batch_size = 2000
    description = ""
    # Column key identifying an existing record (see the module docstring); "" = create only.
    natural_key: str = ""

    @property
    def updatable(self) -> bool:
        return bool(self.natural_key)

    def mode(self, ctx: "ImportContext") -> str:
        return ctx.options.get("mode", MODE_CREATE) if self.updatable else MODE_CREATE

    def prepare(self, ctx: ImportContext) -> None:
        """Load lookups once per run (existing codes, org names...). Optional."""
        return None

    def clean_row(self, values: dict, row_number: int, ctx: ImportContext):
        """Cross-field and database checks for one row; return a Planned row (or a plain value:
        CREATE)."""
        return values

    @abstractmethod
    def commit(self, rows: list, ctx: ImportContext) -> tuple[int, int]:
        """Write one batch of Planned rows (CREATE, and UPDATE in MODE_UPDATE); return (created,
        updated). Called inside the import's single transaction, so raising rolls back the whole
        file. Updates go through the app's services and write their ChangeLog rows."""

    def template_example(self) -> list[str]:
        return [c.example for c in self.columns]

    def personal_columns(self) -> list[Column]:
        return [c for c in self.columns if c.personal]

    def personal_column_for(self, header) -> Column | None:
        """The personal column a header (as written in a file, or as an issue names it) stands for."""
        key = header_key(str(header or ""))
        return next((c for c in self.columns if c.personal and key in c.names()), None)


REGISTRY: dict[str, ImportSpec] = {}


def register(spec_class: type[ImportSpec]) -> type[ImportSpec]:
    spec = spec_class()
    if not spec.key or spec.key in REGISTRY:
        raise ValueError(f"import spec key {spec.key!r} missing or registered twice")
    REGISTRY[spec.key] = spec
    return spec_class


def get_spec(key: str) -> ImportSpec | None:
    return REGISTRY.get(key)

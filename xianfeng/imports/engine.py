"""Run an import: map headers, parse and check every row, and either report (dry run) or
commit every row in one transaction. Nothing is written unless the whole file is clean."""

import difflib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .parsers import CellError
from .readers import FileProblem, Table, column_letter, read_table
from .spec import (
    CREATE,
    MODE_UPDATE,
    UNCHANGED,
    UPDATE,
    Column,
    ImportContext,
    ImportSpec,
    Planned,
    RowInvalid,
    header_base,
    header_key,
    header_stem,
)

ERROR_COLUMN = "错误说明"
MAX_KEPT_ISSUES = 100_000


class KeyRows:
    """{64-bit key: row number} for every key of a file (in-file duplicate detection), kept in
    two flat arrays (open addressing, linear probing, at most half full): 24-48 bytes a key
    instead of the ~110 of a dict of Python ints, so a 1 000 000-row file holds 24 MB, not
    ~110 MB. Also a compact set of keys (``in``; the row is then any non-zero number).
    Keys must be spread evenly (hash digests: the low bits pick the slot)."""

    __slots__ = ("_keys", "_rows", "_mask", "_count", "_zero")

    def __init__(self, capacity: int = 1 << 12):
        self._keys = array("Q", bytes(8 * capacity))  # 0: empty slot (key 0 is kept aside)
        self._rows = array("I", bytes(4 * capacity))  # row numbers: < 2**32
        self._mask = capacity - 1
        self._count = 0
        self._zero = None  # the row of key 0, if met

    def __len__(self) -> int:
        return self._count + (self._zero is not None)

    def get(self, key: int, default=None):
        if not key:
            return default if self._zero is None else self._zero
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._rows[slot]
            if not found:
                return default
            slot = (slot + 1) & mask

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: int) -> int:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def __setitem__(self, key: int, row: int) -> None:
        if not key:
            self._zero = row
            return
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if not found:
                break
            if found == key:
                self._rows[slot] = row
                return
            slot = (slot + 1) & mask
        keys[slot] = key
        self._rows[slot] = row
        self._count += 1
        if self._count * 2 > mask:
            self._grow()

    def _grow(self) -> None:
        old_keys, old_rows = self._keys, self._rows
        capacity = 2 * len(old_keys)
        self._keys = keys = array("Q", bytes(8 * capacity))
        self._rows = rows = array("I", bytes(4 * capacity))
        self._mask = mask = capacity - 1
        for key, row in zip(old_keys, old_rows, strict=True):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                rows[slot] = row


@dataclass
class Issue:
    row: int  # spreadsheet row number (header is row 1)
    column: str  # header as written in the file, or "" for the whole row
    message: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "value": self.value}


@dataclass
class Outcome:
    total: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    # What the clean rows would do: {CREATE: n, UPDATE: n, UNCHANGED: n} and, for UPDATE,
    # how many rows change each column (column key -> count).
    planned: dict = field(default_factory=lambda: {CREATE: 0, UPDATE: 0, UNCHANGED: 0})
    changed_columns: dict = field(default_factory=dict)
    committed: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    file_problem: str = ""
    error_count: int = 0
    mapping: dict = field(default_factory=dict)  # column key -> header found
    encoding: str = ""
    headers: list[str] = field(default_factory=list)  # the file's non-empty headers, in order
    mapping_problem: bool = False  # file_problem is about headers: the user can map them by hand
    unmapped: dict = field(default_factory=dict)  # header mapped to nothing -> non-empty cells
    blocking: str = ""  # why the rows, though clean, may not be committed yet

    @property
    def ok(self) -> bool:
        return not self.file_problem and not self.blocking and self.error_count == 0


class _Rollback(Exception):
    pass


@dataclass
class Mapping:
    index: dict[str, int]  # column key -> position in the row
    headers: dict[str, str]  # column key -> header as written
    ignored: list[str]  # headers matched to no column (recognised by nothing, not chosen)
    chosen_ignored: list[str] = field(default_factory=list)  # headers the user chose to ignore
    problems: list[str] = field(default_factory=list)  # what stops the file being read at all


# How close a file header must be to a column's names to be offered as "may be it".
SIMILAR_ENOUGH = 0.5


def header_lookups(spec: ImportSpec) -> tuple[dict, dict, dict]:
    """Column names by exact key, by key without qualifiers, and by that without a known suffix.
    A loose name two columns share is left out, so loose matching never has to guess."""
    exact: dict[str, Column] = {}
    loose: list[dict] = [{}, {}]
    shared: list[set] = [set(), set()]
    for column in spec.columns:
        for name in column.names():
            exact.setdefault(name, column)
            base = header_base(name)
            for level, key in enumerate((base, header_stem(base))):
                if loose[level].setdefault(key, column) is not column:
                    shared[level].add(key)
    for level in (0, 1):
        for key in shared[level]:
            loose[level].pop(key, None)
    return exact, loose[0], loose[1]


def match_header(spec: ImportSpec, raw: str, lookups=None, remembered: dict | None = None) -> Column | None:
    """The column a header names: an exact name or synonym first, then the user's remembered
    choice, then the header without its qualifiers, then without a known suffix."""
    exact, base_lookup, stem_lookup = lookups or header_lookups(spec)
    key = header_key(raw)
    if key in exact:
        return exact[key]
    if remembered and key in remembered:
        return spec_column(spec, remembered[key])  # None when the user chose to ignore it
    base = header_base(key)
    return base_lookup.get(base) or stem_lookup.get(header_stem(base))


def spec_column(spec: ImportSpec, key: str) -> Column | None:
    return next((c for c in spec.columns if c.key == key), None)


def nearest_headers(column: Column, candidates: list[str], limit: int = 2) -> list[str]:
    """The file headers that look most like ``column`` (its header or a synonym), best first."""
    names = [header_base(n) for n in column.names()]
    scored = []
    for position, raw in enumerate(candidates):
        base = header_base(header_key(raw))
        if not base:
            continue
        score = max(difflib.SequenceMatcher(None, base, name).ratio() for name in names)
        if score >= SIMILAR_ENOUGH:
            scored.append((-score, position, raw))
    return [raw for _score, _position, raw in sorted(scored)[:limit]]


def map_headers(
    spec: ImportSpec, header: list[str], *, manual: dict | None = None, remembered: dict | None = None
) -> Mapping:
    """Match the file's headers to the spec's columns. ``manual`` ({header as written: column
    key, or "" to ignore}) is what the user chose on this job's page and wins; ``remembered``
    ({header_key: column key or ""}) is what they chose for this kind of import before, used
    where no name or synonym matches exactly. Problems (a required column missing, two headers
    for one column) are returned, not raised, so the page can offer the mapping by hand."""
    manual = manual or {}
    lookups = header_lookups(spec)
    index, headers, ignored, chosen_ignored, problems = {}, {}, [], [], []
    for position, raw in enumerate(header):
        if raw.strip() == "":
            continue
        if raw.strip() == ERROR_COLUMN:
            continue  # our own error workbook, re-uploaded after fixing
        if raw in manual:
            column = spec_column(spec, manual[raw])
            if column is None:
                chosen_ignored.append(raw)
                continue
        else:
            column = match_header(spec, raw, lookups, remembered)
            if column is None:
                if remembered and remembered.get(header_key(raw)) == "":
                    chosen_ignored.append(raw)
                else:
                    ignored.append(raw)
                continue
        if column.key in index:
            problems.append(
                _("“%(a)s”和“%(b)s”都对应“%(col)s”，请只保留一列，或在下方把其中一列改为忽略")
                % {"a": headers[column.key], "b": raw, "col": column.header}
            )
            continue
        index[column.key] = position
        headers[column.key] = raw
    missing = [c for c in spec.columns if c.required and c.key not in index]
    for column in missing:
        near = nearest_headers(column, ignored)
        if near:
            problems.append(
                _("缺少必需的列“%(col)s”；%(near)s可能就是它？可在下方手动指定列对应")
                % {"col": column.header, "near": "、".join(f"“{h}”" for h in near)}
            )
        else:
            problems.append(_("缺少必需的列“%(col)s”，可在下方手动指定列对应") % {"col": column.header})
    blank = [column_letter(i) for i, h in enumerate(header) if not h.strip()]
    if missing and blank:
        problems.append(_("第1行 %(cols)s 列表头为空，可能是合并单元格") % {"cols": "、".join(blank)})
    return Mapping(index=index, headers=headers, ignored=ignored, chosen_ignored=chosen_ignored, problems=problems)


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:100]


_NO_SHORTCUT = object()


def _immutable(value) -> bool:
    if value is None or value.__class__ in (str, int, float, bool):
        return True
    return value.__class__ is tuple and all(_immutable(v) for v in value)


def _empty_value(column: Column, cell):
    """What the column's parser makes of an empty ``cell`` (None or ""), computed once per file
    so the hot loop can skip the call; only for immutable results (shared by every row), and
    never for a required column or a parser that refuses an empty cell."""
    if column.required:
        return _NO_SHORTCUT
    try:
        value = column.parse(cell)
    except (CellError, ValidationError):
        return _NO_SHORTCUT
    return value if _immutable(value) else _NO_SHORTCUT


def _plan(spec: ImportSpec, mapping: Mapping) -> list[tuple]:
    """Per column, once per file: (key, position in the row, header shown, required, parser,
    what the parser makes of None and of "", or _NO_SHORTCUT)."""
    return [
        (
            c.key,
            mapping.index.get(c.key),
            mapping.headers.get(c.key, c.header),
            c.required,
            c.parse,
            _empty_value(c, None),
            _empty_value(c, ""),
        )
        for c in spec.columns
    ]


def _is_empty(cell) -> bool:
    return cell is None or cell == "" or (cell.__class__ is str and not cell.strip())


def _is_blank_row(raw) -> bool:
    # _is_empty over the row, inlined (once per row): a row with data stops at its first cell.
    for cell in raw:
        if cell is None or cell == "" or (cell.__class__ is str and not cell.strip()):
            continue
        return False
    return True


def _parse_row(plan: list[tuple], raw: list, row_number: int):
    # The hot loop of every import: kept free of lookups that do not change between rows.
    values, row_errors = {}, []
    width = len(raw)
    for key, position, header, required, parse, if_none, if_blank in plan:
        cell = raw[position] if position is not None and position < width else None
        if cell is None:
            if if_none is not _NO_SHORTCUT:
                values[key] = if_none  # parse(None), computed once per file
                continue
        elif cell == "" and if_blank is not _NO_SHORTCUT:
            values[key] = if_blank  # parse("")
            continue
        if required and (cell is None or cell == "" or (cell.__class__ is str and not cell.strip())):  # _is_empty
            row_errors.append(Issue(row_number, header, _("必填")))
            continue
        try:
            values[key] = parse(cell)
        except CellError as exc:
            row_errors.append(Issue(row_number, header, str(exc), _display(cell)))
    return values, row_errors


def _clean(spec, mapping, values, row_number, ctx):
    try:
        return spec.clean_row(values, row_number, ctx), []
    except RowInvalid as exc:
        issues = []
        for key, message in exc.errors.items():
            header = mapping.headers.get(key, next((c.header for c in spec.columns if c.key == key), ""))
            issues.append(Issue(row_number, header, message, _display(values.get(key))))
        return None, issues
    except ValidationError as exc:
        return None, [Issue(row_number, "", "；".join(exc.messages))]


def run(
    spec: ImportSpec,
    path: Path,
    ctx: ImportContext,
    *,
    original_name: str = "",
    commit: bool = False,
    progress: Callable[[int, int], None] | None = None,
    on_committed: Callable[[Outcome], None] | None = None,
    remembered: dict | None = None,
) -> Outcome:
    """``on_committed`` runs inside the import's transaction once every row is written (the
    caller records the job and its ChangeLog row there, so they commit with the data).
    ``ctx.options["mapping"]`` holds the headers the user mapped by hand on this job and
    ``remembered`` what they chose before for this kind of import (see map_headers)."""
    outcome = Outcome()
    try:
        table: Table = read_table(path, original_name)
    except FileProblem as exc:
        outcome.file_problem = str(exc)
        return outcome
    mapping = map_headers(spec, table.header, manual=ctx.options.get("mapping"), remembered=remembered)
    outcome.headers = [h for h in table.header if h.strip() and h.strip() != ERROR_COLUMN]
    outcome.encoding = table.encoding
    outcome.mapping = mapping.headers
    if mapping.problems:
        outcome.file_problem = "；".join(mapping.problems)
        outcome.mapping_problem = True
        return outcome
    for header in mapping.chosen_ignored:
        outcome.warnings.append(Issue(1, header, _("已按您的选择忽略此列")))
    unrecognised = set(mapping.ignored)
    watch = [
        (position, raw if raw.strip() else "")
        for position, raw in enumerate(table.header)
        if raw in unrecognised or not raw.strip()
    ]
    try:
        if commit:
            with transaction.atomic():
                _process(spec, table, mapping, ctx, outcome, commit=True, progress=progress, watch=watch)
                if outcome.error_count or outcome.file_problem or outcome.blocking:
                    raise _Rollback
                _collect_warnings(ctx, mapping, outcome)
                if on_committed is not None:
                    on_committed(outcome)
                outcome.committed = True
        else:
            _process(spec, table, mapping, ctx, outcome, commit=False, progress=progress, watch=watch)
    except _Rollback:
        outcome.created = outcome.updated = 0
    except FileProblem as exc:
        # A limit met while reading (rows, columns, expanded bytes: readers.py): nothing is written.
        outcome.created = outcome.updated = 0
        outcome.committed = False
        outcome.file_problem = str(exc)
    except PermissionDenied as exc:
        # A spec re-checks, after writing, that every written row is inside the user's scope
        # (DESIGN.md §3): a row that got past the checks rolls the whole file back.
        outcome.created = outcome.updated = 0
        outcome.committed = False
        outcome.file_problem = _("%(e)s（已全部回滚，未写入任何数据）") % {
            "e": str(exc) or _("有数据不在您可维护的范围内")
        }
    if not outcome.committed:
        _collect_warnings(ctx, mapping, outcome)
    return outcome


def _collect_warnings(ctx, mapping, outcome) -> None:
    for row, key, message in ctx.warnings:
        outcome.warnings.append(Issue(row, mapping.headers.get(key, key), message))
    ctx.warnings.clear()


def _process(spec, table, mapping, ctx, outcome, *, commit: bool, progress, watch=()) -> None:
    """``watch``: (position, header) of the columns mapped to nothing, whose non-empty cells
    are counted: data in them blocks the commit until the user maps or ignores them."""
    spec.prepare(ctx)
    filled = [0] * len(watch)
    blank_rows = 0
    writes = {CREATE, UPDATE} if spec.mode(ctx) == MODE_UPDATE else {CREATE}
    planned, changed_columns = outcome.planned, outcome.changed_columns
    plan = _plan(spec, mapping)
    batch: list = []
    for offset, raw in enumerate(table.rows):
        row_number = offset + 2
        if _is_blank_row(raw):
            blank_rows += 1
            continue  # blank line in the middle of a sheet
        outcome.total += 1
        if watch:
            width = len(raw)
            for n, (position, _header) in enumerate(watch):
                if position < width and not _is_empty(raw[position]):
                    filled[n] += 1
        values, issues = _parse_row(plan, raw, row_number)
        if not issues:
            cleaned, issues = _clean(spec, mapping, values, row_number, ctx)
        if issues:
            outcome.error_count += len(issues)
            if len(outcome.errors) < MAX_KEPT_ISSUES:
                outcome.errors.extend(issues)
        else:
            outcome.valid += 1
            if not isinstance(cleaned, Planned):
                cleaned = Planned(CREATE, cleaned)
            planned[cleaned.action] = planned.get(cleaned.action, 0) + 1
            for key in cleaned.changed:
                changed_columns[key] = changed_columns.get(key, 0) + 1
            if commit and not outcome.error_count and cleaned.action in writes:
                batch.append(cleaned)
        if commit and len(batch) >= spec.batch_size:
            _commit_batch(spec, batch, ctx, outcome)
        if progress is not None and outcome.total % 1000 == 0:
            progress(outcome.total, table.total)
    if commit and batch and not outcome.error_count:
        _commit_batch(spec, batch, ctx, outcome)
    if progress is not None:
        progress(table.total, table.total)
    if outcome.total == 0:
        outcome.file_problem = (
            _("文件只有表头，没有数据行（表头下面的各行都是空的）") if blank_rows else _("文件只有表头，没有数据行")
        )
    _report_unmapped(watch, filled, outcome)


def _report_unmapped(watch, filled, outcome) -> None:
    """A column mapped to nothing that holds data would be dropped silently: it blocks the
    commit until the user maps it or chooses to ignore it. Empty columns do not matter."""
    blocking = []
    for (position, header), count in zip(watch, filled, strict=True):
        if not count:
            continue
        if header:
            outcome.unmapped[header] = count
            blocking.append(
                _("“%(h)s”列有 %(n)s 个非空单元格，但没有对应任何字段：请在下方指定它对应的列，或选择“忽略此列”")
                % {"h": header, "n": count}
            )
        else:
            blocking.append(
                _("第 %(c)s 列没有表头，却有 %(n)s 个非空单元格：请补上表头后重新上传，或删除该列")
                % {"c": column_letter(position), "n": count}
            )
    outcome.blocking = "；".join(blocking)
    for (_position, header), count in zip(watch, filled, strict=True):
        if header and not count:
            outcome.warnings.append(Issue(1, header, _("未识别的列，没有数据，已忽略")))


def _commit_batch(spec, batch, ctx, outcome) -> None:
    # Once a row has failed nothing more is written; the transaction is rolled back at the end.
    if not outcome.error_count:
        created, updated = spec.commit(batch, ctx)
        outcome.created += created
        outcome.updated += updated
    batch.clear()

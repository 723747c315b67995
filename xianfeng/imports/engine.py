"""Run an import: map headers, parse and check every row, and either report (dry run) or
commit every row in one transaction. Nothing is written unless the whole file is clean."""

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
    header_key,
)

ERROR_COLUMN = "错误说明"
MAX_KEPT_ISSUES = 100_000


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

    @property
    def ok(self) -> bool:
        return not self.file_problem and self.error_count == 0


class _Rollback(Exception):
    pass


@dataclass
class Mapping:
    index: dict[str, int]  # column key -> position in the row
    headers: dict[str, str]  # column key -> header as written
    ignored: list[str]


def map_headers(spec: ImportSpec, header: list[str]) -> Mapping:
    """Match the file's headers to the spec's columns by name or synonym."""
    lookup: dict[str, Column] = {}
    for column in spec.columns:
        for name in column.names():
            lookup.setdefault(name, column)
    index, headers, ignored, problems = {}, {}, [], []
    for position, raw in enumerate(header):
        if raw.strip() == "":
            continue
        if raw.strip() == ERROR_COLUMN:
            continue  # our own error workbook, re-uploaded after fixing
        column = lookup.get(header_key(raw))
        if column is None:
            ignored.append(raw)
            continue
        if column.key in index:
            problems.append(
                _("“%(a)s”和“%(b)s”都对应“%(col)s”，请只保留一列")
                % {"a": headers[column.key], "b": raw, "col": column.header}
            )
            continue
        index[column.key] = position
        headers[column.key] = raw
    blank = [column_letter(i) for i, h in enumerate(header) if not h.strip() and i < len(header)]
    missing = [c.header for c in spec.columns if c.required and c.key not in index]
    if missing:
        hint = _("（第1行 %(cols)s 列表头为空，可能是合并单元格）") % {"cols": "、".join(blank)} if blank else ""
        problems.append(_("缺少必需的列：%(cols)s%(hint)s") % {"cols": "、".join(missing), "hint": hint})
    if problems:
        raise FileProblem("；".join(problems))
    return Mapping(index=index, headers=headers, ignored=ignored)


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:100]


def _plan(spec: ImportSpec, mapping: Mapping) -> list[tuple]:
    """Per column, once per file: (key, position in the row, header shown, required, parser)."""
    return [
        (c.key, mapping.index.get(c.key), mapping.headers.get(c.key, c.header), c.required, c.parse)
        for c in spec.columns
    ]


def _is_empty(cell) -> bool:
    return cell is None or cell == "" or (cell.__class__ is str and not cell.strip())


def _parse_row(plan: list[tuple], raw: list, row_number: int):
    # The hot loop of every import: kept free of lookups that do not change between rows.
    values, row_errors = {}, []
    width = len(raw)
    for key, position, header, required, parse in plan:
        cell = raw[position] if position is not None and position < width else None
        if required and _is_empty(cell):
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
) -> Outcome:
    """``on_committed`` runs inside the import's transaction once every row is written (the
    caller records the job and its ChangeLog row there, so they commit with the data)."""
    outcome = Outcome()
    try:
        table: Table = read_table(path, original_name)
        mapping = map_headers(spec, table.header)
    except FileProblem as exc:
        outcome.file_problem = str(exc)
        return outcome
    outcome.encoding = table.encoding
    outcome.mapping = mapping.headers
    for header in mapping.ignored:
        outcome.warnings.append(Issue(1, header, _("未识别的列，已忽略")))
    try:
        if commit:
            with transaction.atomic():
                _process(spec, table, mapping, ctx, outcome, commit=True, progress=progress)
                if outcome.error_count:
                    raise _Rollback
                _collect_warnings(ctx, mapping, outcome)
                if on_committed is not None:
                    on_committed(outcome)
                outcome.committed = True
        else:
            _process(spec, table, mapping, ctx, outcome, commit=False, progress=progress)
    except _Rollback:
        outcome.created = outcome.updated = 0
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


def _process(spec, table, mapping, ctx, outcome, *, commit: bool, progress) -> None:
    spec.prepare(ctx)
    writes = {CREATE, UPDATE} if spec.mode(ctx) == MODE_UPDATE else {CREATE}
    planned, changed_columns = outcome.planned, outcome.changed_columns
    plan = _plan(spec, mapping)
    batch: list = []
    for offset, raw in enumerate(table.rows):
        row_number = offset + 2
        if all(_is_empty(cell) for cell in raw):
            continue  # blank line in the middle of a sheet
        outcome.total += 1
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


def _commit_batch(spec, batch, ctx, outcome) -> None:
    # Once a row has failed nothing more is written; the transaction is rolled back at the end.
    if not outcome.error_count:
        created, updated = spec.commit(batch, ctx)
        outcome.created += created
        outcome.updated += updated
    batch.clear()

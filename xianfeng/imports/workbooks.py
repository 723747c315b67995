"""Workbooks we hand to users: the blank template and the error workbook."""

import io
import tempfile
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from xianfeng.core.exports import safe_cell_value

from .engine import ERROR_COLUMN, Issue
from .readers import read_table
from .spec import ImportSpec

REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)


def template_workbook(spec: ImportSpec) -> bytes:
    """Chinese headers (required ones marked *), and a guidance sheet the reader ignores."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "数据"
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = BOLD
        if column.required:
            cell.fill = REQUIRED_FILL
        if column.help:
            cell.comment = Comment(column.help, "先锋")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 2 + 4)
    sheet.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append([_("列"), _("必填"), _("说明"), _("也可使用的表头"), _("示例")])
    for cell in guide[1]:
        cell.font = BOLD
    for column in spec.columns:
        guide.append(
            [
                column.header,
                _("是") if column.required else "",
                column.help,
                "、".join(column.synonyms),
                column.example,
            ]
        )
    guide.append([])
    guide.append(
        [
            _(
                "请在“数据”工作表第2行起填写，每行一条。导入先做检查，全部无误才写入；有错误时可下载错误工作簿，改正后整份重新上传。"
            )
        ]
    )
    for letter, width in zip("ABCDE", (16, 6, 50, 30, 20), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def error_workbook(
    path: Path, original_name: str, issues: list[dict], *, spec: ImportSpec, reveal: bool
) -> tuple[bytes, int]:
    """One version of the error workbook in memory (see write_error_workbooks)."""
    with tempfile.TemporaryDirectory(prefix="xf-errors-", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        target = Path(tmp) / "errors.xlsx"
        count = write_error_workbooks(path, original_name, issues, spec=spec, targets={reveal: target})
        return target.read_bytes(), count


def write_error_workbooks(
    path: Path,
    original_name: str,
    issues: list[dict],
    *,
    spec: ImportSpec,
    targets: dict[bool, Path],
    mapping: dict[str, str] | None = None,
) -> int:
    """The uploaded rows with a first column explaining each row's errors and the bad
    cells highlighted, so the user fixes them in place and uploads the whole file again.

    Written in one streaming pass over the upload to each of ``targets`` ({reveal: path}):
    the rows are the uploader's personal data, so values of the spec's personal columns (by
    their headers, or as ``mapping`` {column key: header} matched them, by hand too) are masked where
    ``reveal`` is False (whoever hands a version out decides, checks and logs:
    accounts.personal). Every cell is written as text that cannot become a formula. Returns
    the number of data rows."""
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for item in issues:
        by_row[item["row"]].append(Issue(**{k: item.get(k, "") for k in ("row", "column", "message", "value")}))
    table = read_table(path, original_name)
    mapping = mapping or {}
    mapped = {mapping[c.key]: c for c in spec.personal_columns() if c.key in mapping}
    personal = {}
    for position, header in enumerate(table.header):
        column = mapped.get(header) or spec.personal_column_for(header)
        if column is not None:
            personal[position] = column
    books = {reveal: Workbook(write_only=True) for reveal in targets}
    sheets = {reveal: book.create_sheet("数据") for reveal, book in books.items()}
    for sheet in sheets.values():
        header_cells = [WriteOnlyCell(sheet, value=ERROR_COLUMN)]
        header_cells += [WriteOnlyCell(sheet, value=safe_cell_value(h)) for h in table.header]
        for cell in header_cells:
            cell.font = BOLD
        sheet.append(header_cells)
    file_level = by_row.pop(1, [])
    count = 0
    for offset, raw in enumerate(table.rows):
        row_number = offset + 2
        row_issues = by_row.get(row_number, [])
        message = "；".join(f"{i.column}：{i.message}" if i.column else i.message for i in row_issues)
        bad_columns = {i.column for i in row_issues}
        for reveal, sheet in sheets.items():
            cells = [WriteOnlyCell(sheet, value=safe_cell_value(message))]
            if message:
                cells[0].fill = ERROR_FILL
            for position, value in enumerate(raw):
                if not reveal and position in personal and value not in (None, ""):
                    value = personal[position].masked(_text(value))
                cell = WriteOnlyCell(sheet, value=safe_cell_value(value))
                if position < len(table.header) and table.header[position] in bad_columns:
                    cell.fill = ERROR_FILL
                cells.append(cell)
            sheet.append(cells)
        count += 1
    for reveal, book in books.items():
        masked = {} if reveal else personal
        if file_level or masked:
            notes = book.create_sheet("说明")
            for issue in file_level:
                notes.append([safe_cell_value(issue.column), safe_cell_value(issue.message)])
            if masked:
                notes.append(
                    [
                        _("个人信息"),
                        safe_cell_value(
                            _("%(cols)s 列已脱敏显示（*）：请在原文件中改正后重新上传，不要上传本工作簿中的脱敏值。")
                            % {"cols": "、".join(sorted({table.header[i] for i in masked}))}
                        ),
                    ]
                )
        book.save(targets[reveal])
    return count


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def message_workbook(message: str) -> bytes:
    wb = Workbook()
    wb.active.append([ERROR_COLUMN])
    wb.active.append([safe_cell_value(message)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

"""Read an uploaded table (xlsx/xls/ods via calamine, CSV in any common Chinese encoding)
into a header row and an iterator of data rows. File-level problems raise FileProblem
with a message naming what to fix."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook

# Sheets our own templates add for guidance; never data.
GUIDANCE_SHEETS = {"填写说明", "说明", "instructions", "readme"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


class FileProblem(ValueError):
    pass


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list]
    total: int  # data rows, for the progress bar
    encoding: str = ""
    sheet: str = ""


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_letter(index: int) -> str:
    return _column_letter(index)


def _has_data(sheet) -> bool:
    return sheet.height > 0 and any(any(c not in ("", None) for c in row) for row in sheet.iter_rows())


# calamine reads a whole sheet into memory (about 1 GB for a million rows): above this size
# an .xlsx is streamed with openpyxl instead — slower, but memory stays flat (DESIGN.md §6).
STREAM_XLSX_ABOVE_BYTES = 16 * 1024 * 1024
STREAMABLE_SUFFIXES = {".xlsx", ".xlsm"}


def read_spreadsheet(path: Path) -> Table:
    if path.suffix.lower() in STREAMABLE_SUFFIXES and path.stat().st_size > STREAM_XLSX_ABOVE_BYTES:
        return stream_xlsx(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, Exception) as exc:  # calamine raises several types for damaged files
        raise FileProblem(_("无法读取该工作簿（文件损坏、加密或不是 Excel 文件）：%(e)s") % {"e": exc}) from exc
    data_sheets = []
    for name in workbook.sheet_names:
        if name.strip().lower() in GUIDANCE_SHEETS:
            continue
        sheet = workbook.get_sheet_by_name(name)
        if _has_data(sheet):
            data_sheets.append(sheet)
    if not data_sheets:
        raise FileProblem(_("工作簿中没有数据"))
    if len(data_sheets) > 1:
        names = "、".join(s.name for s in data_sheets)
        raise FileProblem(
            _("工作簿有多个含数据的工作表（%(names)s）。请只保留要导入的一个工作表，或把其余工作表的数据合并进来。")
            % {"names": names}
        )
    sheet = data_sheets[0]
    rows = sheet.iter_rows()
    header = next(rows)
    _reject_merged_header(sheet)
    return Table(header=[_header_text(c) for c in header], rows=rows, total=max(sheet.height - 1, 0), sheet=sheet.name)


def stream_xlsx(path: Path) -> Table:
    """Row by row with openpyxl's read-only mode; the same checks as read_spreadsheet except
    merged header cells, which read-only mode cannot see (they surface as empty headers)."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise FileProblem(_("无法读取该工作簿（文件损坏、加密或不是 Excel 文件）：%(e)s") % {"e": exc}) from exc
    data_sheets = []
    for sheet in workbook.worksheets:
        if sheet.title.strip().lower() in GUIDANCE_SHEETS:
            continue
        first_rows = list(islice(sheet.iter_rows(values_only=True), 2))
        if any(any(c not in ("", None) for c in row) for row in first_rows):
            data_sheets.append(sheet)
    if not data_sheets:
        raise FileProblem(_("工作簿中没有数据"))
    if len(data_sheets) > 1:
        names = "、".join(s.title for s in data_sheets)
        raise FileProblem(
            _("工作簿有多个含数据的工作表（%(names)s）。请只保留要导入的一个工作表，或把其余工作表的数据合并进来。")
            % {"names": names}
        )
    sheet = data_sheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    total = max((sheet.max_row or 1) - 1, 0)  # from the sheet's dimension record; for progress only
    return Table(header=[_header_text(c) for c in header], rows=(list(r) for r in rows), total=total, sheet=sheet.title)


def _reject_merged_header(sheet) -> None:
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # not available for every format
        merged = []
    for (start_row, start_col), (_end_row, end_col) in merged:
        if start_row == 0:
            raise FileProblem(
                _("表头第1行 %(a)s–%(b)s 列是合并单元格。请取消合并，让每列有自己的表头。")
                % {"a": _column_letter(start_col), "b": _column_letter(end_col)}
            )


def _header_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def decode_csv(raw: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (with or without BOM) first, then GB18030 (a superset
    of GBK and GB2312, what Chinese Excel writes), then whatever charset detection says."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None:
        raise FileProblem(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 Excel 工作簿"))
    return str(best), best.encoding


def read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise FileProblem(
            _("这不是文本格式的 CSV 文件（可能是 UTF-16 或二进制文件），请另存为 UTF-8 或 GBK 编码的 CSV")
        )
    text, encoding = decode_csv(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise FileProblem(_("文件中没有数据"))
    return Table(header=[c.strip() for c in rows[0]], rows=iter(rows[1:]), total=len(rows) - 1, encoding=encoding)


def read_table(path: Path, original_name: str = "") -> Table:
    suffix = Path(original_name or path.name).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(path)
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    raise FileProblem(_("不支持的文件类型“%(s)s”：请上传 .xlsx、.xls 或 .csv 文件") % {"s": suffix or "?"})

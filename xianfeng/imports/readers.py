"""Read an uploaded table (xlsx/xls/ods via calamine or, when big, streamed with openpyxl; CSV
in any common Chinese encoding, streamed) into a header row and an iterator of data rows.
File-level problems raise FileProblem with a message naming what to fix, entirely in the
interface language: a library's own text goes to the log, never to the user.

Bounded resources (DESIGN.md §6): what a file may hold is checked before anything big is
allocated and again while reading — the bytes a workbook expands to (its zip directory, then
a counting reader in case the directory lies), the compression ratio of big parts, the rows
the sheet claims and the rows and columns actually read (settings IMPORT_MAX_*). Whether a
workbook is streamed is decided by what its sheets expand to, not by the size of the upload.
"""

import codecs
import csv
import logging
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl.reader import excel as openpyxl_excel
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from python_calamine import CalamineWorkbook

logger = logging.getLogger(__name__)

# Sheets our own templates add for guidance; never data.
GUIDANCE_SHEETS = {"填写说明", "说明", "instructions", "readme"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
STREAMABLE_SUFFIXES = {".xlsx", ".xlsm"}

# calamine reads a whole sheet into memory (about 1 KB per row, ~1.5x what it expands to): a
# sheet expanding to more than settings.IMPORT_STREAM_ABOVE_BYTES (40 MB) is streamed with
# openpyxl instead — about 3x the CPU of calamine for the check, but memory stays flat.
# None means "the setting"; tests set a number.
STREAM_XLSX_ABOVE_BYTES: int | None = None
# Formats only calamine reads (.xls, .xlsb, .ods) are loaded whole: refused above this many
# times the streaming threshold, with the advice to save as .xlsx.
WHOLE_LOAD_FACTOR = 2
# A part expanding to more than this is refused when it is more than MAX_RATIO times its
# compressed size: real sheets compress 5–20 times, a zip bomb about 1000 times.
RATIO_CHECKED_ABOVE = 16 * 1024 * 1024
MAX_RATIO = 100
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and Office's encrypted .xlsx
ZIP_MAGIC = b"PK"
CSV_CHUNK = 1024 * 1024


class FileProblem(ValueError):
    pass


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list]
    total: int  # data rows, for the progress bar
    encoding: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    expanded: int

    @classmethod
    def current(cls) -> "Limits":
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            expanded=settings.IMPORT_MAX_EXPANDED_BYTES,
        )


def _stream_threshold() -> int:
    if STREAM_XLSX_ABOVE_BYTES is not None:
        return STREAM_XLSX_ABOVE_BYTES
    return settings.IMPORT_STREAM_ABOVE_BYTES


def size_text(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


def rows_text(rows: int) -> str:
    """A number of rows as said in the interface language: "100 万行", "5 行" ("5 rows")."""
    if rows >= 10_000 and rows % 10_000 == 0 and (get_language() or "zh").startswith("zh"):
        return _("%(n)s 万行") % {"n": rows // 10_000}
    return _("%(n)s 行") % {"n": f"{rows:,}"}


def _too_big(size: int, limits: Limits) -> FileProblem:
    return FileProblem(
        _("工作簿展开后约 %(size)s，超过上限 %(limit)s；请拆分为多个文件，每个不超过 %(rows)s")
        % {"size": size_text(size), "limit": size_text(limits.expanded), "rows": rows_text(limits.rows)}
    )


def _too_many_rows(limits: Limits, claimed: int | None = None) -> FileProblem:
    if claimed:
        return FileProblem(
            _("工作表约有 %(n)s数据，超过上限 %(limit)s；请拆分为多个文件，每个不超过 %(limit)s")
            % {"n": rows_text(claimed), "limit": rows_text(limits.rows)}
        )
    return FileProblem(
        _("数据超过 %(limit)s的上限；请拆分为多个文件，每个不超过 %(limit)s") % {"limit": rows_text(limits.rows)}
    )


def _too_many_columns(columns: int, limits: Limits) -> FileProblem:
    return FileProblem(
        _("表格有 %(n)s 列，超过上限 %(limit)s 列；请删去不需要导入的列后再上传")
        % {"n": f"{columns:,}", "limit": limits.columns}
    )


def _resave() -> str:
    return _("请用 Excel 或 WPS 打开后另存为 .xlsx 再上传")


def _unreadable(exc: BaseException | None = None) -> FileProblem:
    """A file a library could not read: one clear message; the library's text is logged."""
    if exc is not None:
        logger.info("import file unreadable: %s: %s", type(exc).__name__, exc)
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            return _encrypted()
    return FileProblem(_("无法读取该工作簿：文件已损坏，或不是 Excel 文件。") + _resave())


def _not_a_workbook() -> FileProblem:
    return FileProblem(_("无法读取该工作簿：文件不完整或已损坏，或扩展名与实际格式不符。") + _resave())


def _encrypted() -> FileProblem:
    return FileProblem(
        _("该工作簿设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再上传")
    )


def _missing_parts() -> FileProblem:
    return FileProblem(_("工作簿缺少必要的组成部分（可能是其他软件导出得不完整）。") + _resave())


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


def _bounded(rows: Iterable, limits: Limits) -> Iterator[list]:
    """The data rows, refused as soon as there are more rows or columns than the limits."""
    count = 0
    for row in rows:
        count += 1
        if count > limits.rows:
            raise _too_many_rows(limits)
        if len(row) > limits.columns:
            row = _trimmed(row)
            if len(row) > limits.columns:
                raise _too_many_columns(len(row), limits)
        yield list(row)


def _trimmed(row) -> list:
    row = list(row)
    while row and row[-1] in (None, ""):
        row.pop()
    return row


def _check_header(header: list, limits: Limits) -> None:
    if len(header) > limits.columns and len(_trimmed(header)) > limits.columns:
        raise _too_many_columns(len(_trimmed(header)), limits)


@dataclass
class ZipSummary:
    expanded: int  # bytes every member expands to, as the zip directory says
    sheets: int  # bytes the sheets expand to (what calamine would hold in memory)


def _magic(path: Path) -> bytes:
    with path.open("rb") as source:
        return source.read(8)


def inspect_zip(path: Path, suffix: str, limits: Limits) -> ZipSummary:
    """Refuse, from the zip directory alone, a workbook that is no zip, lacks its parts, expands
    beyond the limit, or has a big part compressed like a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            expanded = sum(m.file_size for m in members)
            if expanded <= limits.expanded:
                for member in members:
                    if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                        _check_dimension(archive, member, limits)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        logger.info("import file is no zip: %s: %s", type(exc).__name__, exc)
        if _magic(path) == OLE_MAGIC:
            raise _encrypted() from None  # Office wraps an encrypted .xlsx in an OLE container
        raise _not_a_workbook() from None
    names = {m.filename for m in members}
    required = ["content.xml"] if suffix == ".ods" else ["[Content_Types].xml"]
    if any(name not in names for name in required):
        raise _missing_parts()
    if expanded > limits.expanded:
        raise _too_big(expanded, limits)
    for member in members:
        if member.file_size > RATIO_CHECKED_ABOVE and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise FileProblem(
                _("工作簿的压缩比异常（展开后是文件大小的 %(ratio)s 倍），不像正常的表格文件，已拒绝读取。")
                % {"ratio": f"{member.file_size // max(member.compress_size, 1):,}"}
                + _resave()
            )
    sheet_prefix = ("content.xml",) if suffix == ".ods" else ("xl/worksheets/",)
    sheets = sum(m.file_size for m in members if m.filename.startswith(sheet_prefix))
    return ZipSummary(expanded=expanded, sheets=sheets)


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"")


def _check_dimension(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    """The rows and columns a sheet says it spans (its dimension record, in the first bytes of
    its XML): a sheet claiming more than the limits is refused before it is read."""
    with archive.open(member) as source:
        head = source.read(64 * 1024)
    found = _DIMENSION.search(head)
    if found is None:
        return
    columns = 0
    for letter in found.group(1).decode():
        columns = columns * 26 + ord(letter) - 64
    _check_claim(int(found.group(2)), columns, limits)


# Some programs claim the whole sheet (Excel's last row or column) when formatting reached it:
# such a claim says nothing and is left to the count made while reading.
EXCEL_LAST_ROW, EXCEL_LAST_COLUMN = 1_048_576, 16_384


def _check_claim(last_row: int, last_column: int, limits: Limits) -> None:
    if last_row - 1 > limits.rows and last_row != EXCEL_LAST_ROW:
        raise _too_many_rows(limits, last_row - 1)
    if last_column > limits.columns and last_column != EXCEL_LAST_COLUMN:
        raise _too_many_columns(last_column, limits)


class _CountingReader:
    """A zip member being decompressed, stopped once it has produced more than a whole
    workbook may expand to (in case the zip directory understates the member's size)."""

    def __init__(self, source, limits: Limits):
        self._source = source
        self._limits = limits
        self._produced = 0

    def _count(self, data: bytes) -> bytes:
        self._produced += len(data)
        if self._produced > self._limits.expanded:
            raise _too_big(self._produced, self._limits)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self._source.read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._count(self._source.read1(size))

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _GuardedZip(zipfile.ZipFile):
    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        self._limits = limits

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        opened = super().open(name, mode, pwd, force_zip64=force_zip64)
        return _CountingReader(opened, self._limits) if mode == "r" else opened


class _QuickSizeWorksheet(ReadOnlyWorksheet):
    """openpyxl looks for a sheet's dimension record by parsing the sheet to the end of its
    data when there is none (openpyxl writes none): the whole sheet once more before reading
    it. By the schema's order the record comes first: look only at the first bytes."""

    def _get_size(self):
        with self._get_source() as source:
            head = source.read(64 * 1024)
        found = _DIMENSION_REF.search(head)
        if found is not None:
            try:
                bounds = range_boundaries(found.group(1).decode())
            except (ValueError, TypeError):
                return
            if None not in bounds:
                self._min_column, self._min_row, self._max_column, self._max_row = bounds


_DIMENSION_REF = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
openpyxl_excel.ReadOnlyWorksheet = _QuickSizeWorksheet  # what ExcelReader builds in read-only mode


def read_spreadsheet(path: Path, suffix: str = "") -> Table:
    suffix = suffix or path.suffix.lower()
    limits = Limits.current()
    whole_load_max = WHOLE_LOAD_FACTOR * max(_stream_threshold(), settings.IMPORT_STREAM_ABOVE_BYTES)
    magic = _magic(path)
    if suffix == ".xls" and magic[:2] != ZIP_MAGIC:
        size = path.stat().st_size
        if size > whole_load_max:
            raise FileProblem(
                _("旧格式（.xls）文件有 %(size)s，超过可读取的上限 %(limit)s；请另存为 .xlsx 再上传")
                % {"size": size_text(size), "limit": size_text(whole_load_max)}
            )
        _probe_extent(path)
        return _read_with_calamine(path, limits)
    summary = inspect_zip(path, suffix, limits)
    if suffix in STREAMABLE_SUFFIXES:
        try:
            cells = 0 if summary.sheets > _stream_threshold() else _sheet_cells(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise _unreadable(exc) from None
        if summary.sheets > _stream_threshold() or cells > CALAMINE_MAX_CELLS:
            return stream_xlsx(path, limits, summary)
        return _read_with_calamine(path, limits)
    if summary.expanded > whole_load_max:
        raise FileProblem(
            _("该格式（%(suffix)s）只能整个读入内存，展开后约 %(size)s，超过上限 %(limit)s；请另存为 .xlsx 再上传")
            % {"suffix": suffix, "size": size_text(summary.expanded), "limit": size_text(whole_load_max)}
        )
    _probe_extent(path)
    return _read_with_calamine(path, limits)


# calamine holds a sheet as a dense grid from its first to its last cell (about 32 bytes a
# cell): two cells at opposite corners of a 5 KB workbook make it ask for 500 GB and abort
# the process. A sheet spanning more cells than this is streamed (.xlsx) or refused.
CALAMINE_MAX_CELLS = 4_000_000
_REF_ROW = re.compile(rb' r="[A-Z]{0,3}(\d+)"')  # a row's or a cell's reference: its row number
_REF_COLUMN = re.compile(rb' r="([A-Z]{1,3})\d')  # a cell's reference: its column letters


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_cells(path: Path) -> int:
    """The largest grid (last row × last column) any sheet of an .xlsx spans, from the cell and
    row references in its XML, read in chunks: what calamine would allocate."""
    largest = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
                continue
            last_row, columns, tail = 1, set(), b""
            with archive.open(member) as source:
                while chunk := source.read(CSV_CHUNK):
                    block = tail + chunk
                    last_row = max(last_row, max(map(int, _REF_ROW.findall(block)), default=1))
                    columns.update(_REF_COLUMN.findall(block))  # a few distinct letters: cheap
                    tail = block[-32:]
            last_column = max(map(_column_number, columns), default=1)
            largest = max(largest, last_row * last_column)
    return largest


_PROBE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from python_calamine import CalamineWorkbook
workbook = CalamineWorkbook.from_path(sys.argv[1])
sizes = []
for name in workbook.sheet_names:
    sheet = workbook.get_sheet_by_name(name)
    sizes.append(sheet.height * sheet.width)
print(json.dumps(max(sizes or [0])))
"""


def _probe_extent(path: Path) -> None:
    """For formats only calamine reads (.xls, .xlsb, .ods): load the workbook first in a child
    process whose memory is capped, and refuse a sheet spanning too many cells, so a crafted
    file can never abort the web or worker process itself."""
    import subprocess
    import sys

    cap = 1024**3
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path), str(cap)], capture_output=True, text=True, timeout=300
        )
    except subprocess.TimeoutExpired:
        raise _unreadable() from None
    if done.returncode == 0:
        if int(done.stdout.strip() or 0) <= CALAMINE_MAX_CELLS:
            return
    elif not any(sign in done.stderr for sign in ("MemoryError", "memory allocation", "limit exceeded")):
        return  # a damaged file: calamine itself says so below, without running out of memory
    logger.info("import file spans too many cells: %s", done.stderr[-500:])
    raise FileProblem(
        _("工作表的范围太大（有内容或格式远在数据之外），无法整个读入；请删去多余的行和列，或另存为 .xlsx 再上传")
    )


def _read_with_calamine(path: Path, limits: Limits) -> Table:
    """Small workbooks (by what they expand to): calamine, fast, the whole sheet in memory."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        data_sheets = []
        for name in workbook.sheet_names:
            if name.strip().lower() in GUIDANCE_SHEETS:
                continue
            sheet = workbook.get_sheet_by_name(name)
            if _has_data(sheet):
                data_sheets.append(sheet)
    except Exception as exc:  # calamine raises several types for damaged files
        raise _unreadable(exc) from None
    sheet = _only_data_sheet(data_sheets, [s.name for s in data_sheets])
    if sheet.height - 1 > limits.rows:
        raise _too_many_rows(limits, sheet.height - 1)
    rows = sheet.iter_rows()
    header = next(rows)
    _check_header(header, limits)
    _reject_merged_header(sheet)
    return Table(
        header=[_header_text(c) for c in header],
        rows=_bounded(rows, limits),
        total=max(sheet.height - 1, 0),
        sheet=sheet.name,
    )


def _only_data_sheet(sheets: list, names: list[str]):
    if not sheets:
        raise FileProblem(_("工作簿中没有数据"))
    if len(sheets) > 1:
        raise FileProblem(
            _("工作簿有多个含数据的工作表（%(names)s）。请只保留要导入的一个工作表，或把其余工作表的数据合并进来。")
            % {"names": "、".join(names)}
        )
    return sheets[0]


def stream_xlsx(path: Path, limits: Limits | None = None, summary: ZipSummary | None = None) -> Table:
    """Row by row with openpyxl's read-only mode over a zip whose every read is counted; the
    same checks as the calamine path except merged header cells, which read-only mode cannot
    see (they surface as empty headers)."""
    limits = limits or Limits.current()
    summary = summary or inspect_zip(path, path.suffix.lower(), limits)
    try:
        reader = ExcelReader(str(path), read_only=True, data_only=True, keep_links=False)
        reader.archive.close()
        reader.archive = _GuardedZip(path, limits)
        reader.read()
        workbook = reader.wb
        data_sheets = []
        for sheet in workbook.worksheets:
            if sheet.title.strip().lower() in GUIDANCE_SHEETS:
                continue
            claimed_rows = (sheet.max_row or 1) - 1
            _check_claim(sheet.max_row or 1, sheet.max_column or 0, limits)  # refused before reading
            sheet.reset_dimensions()  # read every row even if the record understates them
            first_rows = list(islice(_bounded(sheet.iter_rows(values_only=True), limits), 2))
            if any(any(c not in ("", None) for c in row) for row in first_rows):
                data_sheets.append((sheet, claimed_rows))
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _unreadable(exc) from None
    sheet, claimed_rows = _only_data_sheet(data_sheets, [s.title for s, _rows in data_sheets])
    raw = _damage_explained(sheet.iter_rows(values_only=True))
    header = next(raw)  # the limit counts data rows
    _check_header(header, limits)
    rows = _bounded(raw, limits)
    return Table(header=[_header_text(c) for c in header], rows=rows, total=max(claimed_rows, 0), sheet=sheet.title)


def _damage_explained(rows: Iterable) -> Iterator:
    """Rows read as they come: damage met half-way (a cut or altered part) ends the import
    with the same clear message as damage found at the start."""
    try:
        yield from rows
    except FileProblem:
        raise
    except Exception as exc:  # XML and zip errors of every kind
        raise _unreadable(exc) from None


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


def detect_csv_encoding(path: Path) -> tuple[str, int]:
    """The encoding (as decode_csv chooses it) and the number of lines, reading the file in
    chunks: UTF-8 (BOM or not), then GB18030, then charset detection on the first megabyte."""
    with path.open("rb") as source:
        bom = source.read(3) == codecs.BOM_UTF8
    candidates = ["utf-8-sig"] if bom else ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with path.open("rb") as source:
                while chunk := source.read(CSV_CHUNK):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    with path.open("rb") as source:
        sample = source.read(CSV_CHUNK)
    best = from_bytes(sample).best()
    if best is None:
        raise FileProblem(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 Excel 工作簿"))
    with path.open("rb") as source:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(CSV_CHUNK), b""))
    return best.encoding, lines


def _csv_rows(path: Path, encoding: str, dialect) -> Iterator[list]:
    """Non-blank rows, streamed; the file is closed when the rows are exhausted or dropped."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as source:
        reader = csv.reader(source, dialect)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield row
        except csv.Error as exc:
            logger.info("csv unreadable at line %s: %s", reader.line_num, exc)
            raise FileProblem(
                _("第 %(n)s 行无法按 CSV 读取（可能有未配对的引号或过长的单元格），请检查后重新保存")
                % {"n": reader.line_num}
            ) from None


def read_csv(path: Path) -> Table:
    limits = Limits.current()
    size = path.stat().st_size
    if size > limits.expanded:
        raise FileProblem(
            _("CSV 文件有 %(size)s，超过上限 %(limit)s；请拆分为多个文件，每个不超过 %(rows)s")
            % {"size": size_text(size), "limit": size_text(limits.expanded), "rows": rows_text(limits.rows)}
        )
    with path.open("rb") as source:
        head = source.read(4096)
    if b"\x00" in head:
        raise FileProblem(
            _("这不是文本格式的 CSV 文件（可能是 UTF-16 或二进制文件），请另存为 UTF-8 或 GBK 编码的 CSV")
        )
    encoding, lines = detect_csv_encoding(path)
    with path.open("r", encoding=encoding, errors="replace", newline="") as source:
        sample = source.read(4096)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = _csv_rows(path, encoding, dialect)
    header = next(rows, None)
    if header is None:
        raise FileProblem(_("文件中没有数据"))
    _check_header(header, limits)
    return Table(
        header=[c.strip() for c in header],
        rows=_bounded(rows, limits),
        total=max(lines - 1, 0),  # physical lines: for the progress bar only
        encoding=encoding,
    )


def read_table(path: Path, original_name: str = "") -> Table:
    suffix = Path(original_name or path.name).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(path, suffix)
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    raise FileProblem(_("不支持的文件类型“%(s)s”：请上传 .xlsx、.xls 或 .csv 文件") % {"s": suffix or "?"})

"""Export any list to xlsx. Personal-data columns are masked unless the user may reveal
them; an unmasked export (and any export of personal data) is written to AccessLog."""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A text cell starting with one of these is read by Excel/WPS as a formula (CSV/formula
# injection, OWASP): "=HYPERLINK(...)" in a name field would run on the reader's machine.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell_value(value):
    """``value`` as it may be written to a cell: user text never becomes a live formula.

    openpyxl stores any string starting with "=" as a formula; a leading apostrophe is how
    spreadsheet programs mark "text, not formula", and readers show the text unchanged.
    Numbers, dates and empty values pass through.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass
class ExportColumn:
    header: str
    value: Callable  # row -> cell value
    personal: bool = False  # personal data: masked unless revealed
    mask: Callable[[str], str] | None = None


def xlsx_bytes(
    rows: Iterable, columns: list[ExportColumn], *, reveal: bool, sheet_title: str = "数据"
) -> tuple[bytes, int]:
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(sheet_title[:31])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell_value(column.header))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        values = []
        for column in columns:
            value = column.value(row)
            if column.personal and not reveal and value:
                value = column.mask(str(value)) if column.mask else "***"
            values.append(safe_cell_value(value))
        sheet.append(values)
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response

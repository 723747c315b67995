"""The daily situation report as the workbook a command headquarters asks for: a title row
"XX疫情防控每日情况统计表", two header rows (each field over two columns, 新增 and 累计), one row
per reported day, and a totals row. Counts only: no personal data."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from xianfeng.core.exports import safe_cell_value

from .models import Emergency


def title_of(emergency: Emergency) -> str:
    if emergency.kind == Emergency.Kind.EPIDEMIC:
        return _("%(o)s疫情防控每日情况统计表") % {"o": emergency.org.name}
    return _("%(o)s%(n)s每日情况统计表") % {"o": emergency.org.name, "n": emergency.name}


def workbook_bytes(emergency: Emergency, data: dict) -> bytes:
    """``data``: daily_selectors.series(...)."""
    fields, rows = data["fields"], data["rows"]
    wb = Workbook()
    sheet = wb.active
    sheet.title = _("每日情况")
    width = 1 + 2 * len(fields)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet.cell(row=1, column=1, value=safe_cell_value(title_of(emergency))).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = center
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=2, column=1, value=_("日期"))
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    for i, field in enumerate(fields):
        col = 2 + 2 * i
        sheet.cell(row=2, column=col, value=safe_cell_value(field["label"]))
        sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
        sheet.cell(row=3, column=col, value=_("新增"))
        sheet.cell(row=3, column=col + 1, value=_("累计"))
    for r in (2, 3):
        for c in range(1, width + 1):
            cell = sheet.cell(row=r, column=c)
            cell.font = Font(bold=True)
            cell.alignment = center
            cell.border = border
    r = 4
    for row in rows:
        sheet.cell(row=r, column=1, value=row["day"]).number_format = "yyyy-mm-dd"
        for i, field in enumerate(fields):
            sheet.cell(row=r, column=2 + 2 * i, value=row["new"][field["code"]])
            sheet.cell(row=r, column=3 + 2 * i, value=row["cumulative"][field["code"]])
        for c in range(1, width + 1):
            sheet.cell(row=r, column=c).border = border
        r += 1
    sheet.cell(row=r, column=1, value=_("合计")).font = Font(bold=True)
    for i, field in enumerate(fields):
        code = field["code"]
        new_values = [row["new"][code] for row in rows if row["new"][code] is not None]
        last = next((row["cumulative"][code] for row in reversed(rows) if row["cumulative"][code] is not None), None)
        sheet.cell(row=r, column=2 + 2 * i, value=sum(new_values) if new_values else None)
        sheet.cell(row=r, column=3 + 2 * i, value=last)
    for c in range(1, width + 1):
        sheet.cell(row=r, column=c).border = border
        sheet.cell(row=r, column=c).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    for c in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 9
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

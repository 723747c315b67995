"""The metrics of one filter as an Excel workbook (``manage.py report --format xlsx`` and the
background job "统计数据 Excel"): the same dictionary as the API and the dashboard, laid out for
people, each figure with its definition (口径) beside it so the workbook stands on its own.

Sheet 1 the headline figures, sheet 2 the same figures per service type, sheet 3 each program's
indicators (numerator, denominator, rate). Values are written from ``metrics.to_json`` so the
workbook and the JSON cannot disagree.
"""

import io
from collections.abc import Callable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from xianfeng.core.exports import safe_cell_value

from .definitions import METRICS, SMD_KEYS
from .filters import ReportFilter
from .metrics import to_json

# Per-type columns, in the order of the headline sheet (quantities are listed per unit after).
TYPE_KEYS = ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours")


def program_labels(user, flt: ReportFilter) -> dict[str, dict[str, tuple[str, str, str]]]:
    """{program code: {JSON key: (label, definition, rate unit)}} of the programs the user reads,
    under the JSON's names (the severe mental disorder program's keys are renamed, SMD_KEYS)."""
    from xianfeng.programs.indicators import may_read_figures, program_figures
    from xianfeng.programs.registry import all_programs

    labels: dict[str, dict[str, tuple[str, str, str]]] = {}
    for program in all_programs():
        if flt.program and program.code != flt.program or not may_read_figures(user, program):
            continue
        names = SMD_KEYS if program.code == "smd" else {}
        figures = program_figures(user, program.code, start=flt.start, end=flt.end, org=flt.org, region=flt.region)
        labels[program.code] = {
            names.get(f.key, f.key): (str(f.label), str(f.definition), f.rate_unit) for f in figures
        }
    return labels


def _program_name(code: str) -> str:
    from django.core.exceptions import ValidationError

    from xianfeng.programs.registry import get_program

    try:
        return str(get_program(code).name)
    except ValidationError:  # a program removed since: its code still identifies it
        return code


def _bold(sheet, values: list) -> None:
    sheet.append([safe_cell_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def metrics_xlsx(
    result: dict,
    flt: ReportFilter,
    *,
    labels: dict | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The workbook of ``result`` (``metrics.metrics_for``) for ``flt``; ``labels`` names the
    program indicators (``program_labels``), else their keys are shown."""
    data = to_json(result)
    labels = labels or {}
    book = Workbook()
    sheet = book.active
    sheet.title = _("主要指标")
    sheet.append([safe_cell_value(_("统计范围：%(f)s") % {"f": flt.describe()})])
    _bold(sheet, [_("指标"), _("数值"), _("单位"), _("口径"), _("键")])
    for key, definition in METRICS.items():
        if key == "quantity":
            continue
        sheet.append([str(definition.label), data[key], str(definition.unit), str(definition.definition), key])
    quantity = METRICS["quantity"]
    for unit, value in data["quantity"].items():
        label = _("%(label)s（%(unit)s）") % {"label": quantity.label, "unit": unit}
        sheet.append([safe_cell_value(label), value, safe_cell_value(unit), str(quantity.definition), "quantity"])
    for column, width in zip("ABCDE", (22, 14, 8, 80, 22), strict=True):
        sheet.column_dimensions[column].width = width
    if progress:
        progress(40)

    by_type = book.create_sheet(_("按服务类型"))
    units = sorted({unit for row in data["by_type"].values() for unit in row["quantity"]})
    _bold(
        by_type,
        [_("服务类型")] + [str(METRICS[k].label) for k in TYPE_KEYS] + [f"{quantity.label}（{u}）" for u in units],
    )
    names = _type_names(data["by_type"].keys())
    for code, row in data["by_type"].items():
        values = [names.get(code, code)] + [row[k] for k in TYPE_KEYS] + [row["quantity"].get(u) for u in units]
        by_type.append([safe_cell_value(v) for v in values])
    by_type.column_dimensions["A"].width = 24
    if progress:
        progress(70)

    programs = book.create_sheet(_("专项指标"))
    _bold(programs, [_("项目"), _("指标"), _("数值（分子）"), _("分母"), _("率"), _("口径"), _("键")])
    for code, entries in data["programs"].items():
        program = _program_name(code)
        named = labels.get(code, {})
        for key, value in entries.items():
            label, definition, rate_unit = named.get(key, (key, "", "%"))
            if isinstance(value, dict):
                rate = "" if value["rate"] is None else f"{value['rate']}{rate_unit}"
                row = [program, label, value["numerator"], value["denominator"], rate, definition, key]
            else:
                row = [program, label, value, None, "", definition, key]
            programs.append([safe_cell_value(v) for v in row])
    for column, width in zip("ABCDEFG", (18, 22, 12, 10, 10, 80, 26), strict=True):
        programs.column_dimensions[column].width = width
    _families_sheet(book, data)
    if progress:
        progress(90)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _families_sheet(book, data: dict) -> None:
    """The registered families' scalar figures (热线, 民情台账) with their 口径; breakdowns stay in
    the API and on their pages."""
    from .families import families

    sheet = book.create_sheet(_("热线与民情"))
    _bold(sheet, [_("类别"), _("指标"), _("数值"), _("单位"), _("口径"), _("键")])
    for family in families():
        values = data.get(family.key) or {}
        for key, definition in family.definitions.items():
            value = values.get(key)
            if isinstance(value, dict | list):
                continue
            row = [str(family.label), str(definition.label), value, str(definition.unit), str(definition.definition)]
            sheet.append([safe_cell_value(v) for v in row] + [f"{family.key}.{key}"])
    for column, width in zip("ABCDEF", (16, 18, 10, 8, 80, 30), strict=True):
        sheet.column_dimensions[column].width = width


def _type_names(codes) -> dict[str, str]:
    from xianfeng.servicelog.models import ServiceType

    # The catalogue is reference data every signed-in user reads (scope_spec public_view).
    return dict(ServiceType.objects.filter(code__in=list(codes)).values_list("code", "name"))

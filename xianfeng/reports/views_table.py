"""The statistics table (issue 11 §3) and its Excel download. The rows and figures are
table.py's; the view reads the page's own parameters (``rows``, ``metrics``, ``zeros``) beside
the shared filter, and links every cell to the drill-down of that row's filter."""

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import EXPORT, can

from . import drill
from .definitions import METRICS
from .filters import FilterError, parse_filter
from .forms_filter import filter_from_request
from .models import Snapshot
from .reach import may_read_reports
from .table import DEFAULT_KEYS, ROW_KINDS, TABLE_KEYS, TableError, parse_keys, table_rows, table_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _options(request) -> tuple[str, list[str], bool]:
    rows = (request.GET.get("rows") or "org").strip()
    return rows, request.GET.getlist("metrics"), request.GET.get("zeros") == "hide"


def _cells(table, values: dict, query: str) -> list[tuple]:
    """(value, drill-down URL or "") per column, for one row's filter."""
    cells = []
    for key in table.keys:
        url = f"{reverse('reports:drill', args=[key])}?{query}" if key in drill.DRILLABLE else ""
        cells.append((values[key], url))
    return cells


class TableView(ScopedListView):
    """/reports/table/?<filter>&rows=org|team|county|township|village&metrics=a,b&zeros=hide"""

    model = Snapshot  # the reports area: reports.view

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user)

    def get(self, request):
        flt, filter_form = filter_from_request(request)
        rows, metric_values, hide_zero = _options(request)
        try:
            chosen = parse_keys(metric_values)
        except TableError:
            chosen = list(DEFAULT_KEYS)
        context = {
            "filter_form": filter_form,
            "flt": flt,
            "rows": rows,
            "hide_zero": hide_zero,
            "row_kinds": [(k, str(v)) for k, v in ROW_KINDS.items()],
            "metric_choices": [(k, METRICS[k].label, k in chosen) for k in TABLE_KEYS],
            "filter_params": sorted(flt.params().items()) if flt else [],
            "may_export": can(request.user, EXPORT, Snapshot),
            "xlsx_url": f"{reverse('reports:table_xlsx')}?{request.GET.urlencode()}",
        }
        if flt is not None:
            try:
                table = table_rows(request.user, flt, rows, metric_values)
            except TableError as exc:
                context["error"] = str(exc)
            else:
                shown = table.nonzero_rows() if hide_zero else table.rows
                context.update(
                    table=table,
                    body=[(label, _cells(table, values, query)) for label, query, values in shown],
                    total=_cells(table, table.total, flt.query()),
                    hidden_rows=len(table.rows) - len(shown),
                )
        template = "reports/table_body.html" if request.htmx else "reports/table.html"
        return render(request, template, context)


class TableXlsxView(ScopedListView):
    """The same table as an Excel workbook (导出: reports.export)."""

    model = Snapshot
    action = EXPORT

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user) and can(user, EXPORT, Snapshot)

    def get(self, request):
        rows, metric_values, _hide = _options(request)
        try:
            flt = parse_filter(request.user, request.GET)
            content = table_xlsx(request.user, flt, rows, metric_values)
        except FilterError as exc:
            return HttpResponse("；".join(exc.errors.values()), status=400, content_type="text/plain; charset=utf-8")
        except TableError as exc:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        name = _("服务统计表") + f"_{flt.start:%Y%m%d}-{flt.end:%Y%m%d}_{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

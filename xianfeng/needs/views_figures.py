"""民情台账统计 /needs/figures/ (issue 12 §2 figures): raised, resolved, resolution rate, median days
to resolve, by category and by township — for the needs the reader may open (``scoped()``), so
each number equals the needs list it links to
(/needs/?date_from=&date_to=&category=&township=&status=&overdue=1&team=).

The shared filter bar of the reports (period × organization × region × team) chooses the needs;
the 口径 of each figure is printed beside it (needs/reports_family.py). One view serves the page
and, for an HTMX request from its filter bar, the body alone.
"""

from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import scoped
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.forms_filter import filter_from_request
from xianfeng.reports.reach import may_read_reports
from xianfeng.reports.views_dashboard import figure_value, link

from .figures import needs_figures
from .forms import NeedFilterForm
from .models import Category, Need
from .reports_family import DEFINITIONS

HEADLINE = (
    "raised",
    "resolved",
    "resolution_rate",
    "median_days_to_resolve",
    "open",
    "overdue",
    "unresolved_closed",
    "resolved_in_period",
)
# The needs list's parameters for each count (selectors.filtered_needs; "active" = 待办 + 办理中).
LIST_PARAMS = {
    "raised": {},
    "resolved": {"status": "resolved"},
    "unresolved_closed": {"status": "unresolved"},
    "open": {"status": "active"},
    "overdue": {"overdue": "1"},
}
PLACE_LENGTHS = (6, 9, 12)  # the codes the list's township filter takes


class ListLinks:
    """Links to the needs list showing the rows of a figure, with the filter's period, team and
    place; "" when the list cannot show exactly those rows (a 2- or 4-digit region)."""

    def __init__(self, flt: ReportFilter):
        self.flt = flt
        # The list's names (needs/forms.py NeedFilterForm): date_from/date_to on raised_on.
        self.base = {"date_from": flt.start.isoformat(), "date_to": flt.end.isoformat()}
        # Only once the list filters by organization does a link with one carry the figure's rows.
        self.exact = flt.org is None or "org" in NeedFilterForm.base_fields
        if flt.org is not None:
            self.base["org"] = str(flt.org.pk)
        if flt.team is not None:
            self.base["team"] = str(flt.team.pk)
        if flt.region is not None:
            self.exact = self.exact and len(flt.region.code) in PLACE_LENGTHS
            self.base["township"] = flt.region.code

    def url(self, key: str, **narrow) -> str:
        if key not in LIST_PARAMS or not self.exact:
            return ""
        params = {**self.base, **LIST_PARAMS[key], **{k: v for k, v in narrow.items() if v}}
        return link("needs:list", query=urlencode(params))


def figures_context(user, flt: ReportFilter) -> dict:
    figures = needs_figures(flt, [], needs=scoped(user, Need))
    links = ListLinks(flt)
    headline = [
        {
            "key": key,
            "label": DEFINITIONS[key].label,
            "unit": DEFINITIONS[key].unit,
            "definition": DEFINITIONS[key].definition,
            "value": figure_value(figures[key]),
            "url": links.url(key) if figures[key] else "",
        }
        for key in HEADLINE
    ]
    labels = dict(Category.choices)
    categories = [
        {
            "key": code,
            "label": labels[code],
            **row,
            "urls": {key: links.url(key, category=code) for key in LIST_PARAMS},
        }
        for code, row in figures["by_category"].items()
    ]
    # A region filter of a township or a village already narrows the list to it.
    within = flt.region is not None and len(flt.region.code) >= 9
    townships = [
        {
            **row,
            "label": row["name"] or _("未记录地点"),
            "urls": {
                key: links.url(key, township="" if within else row["code"]) if row["code"] else ""
                for key in LIST_PARAMS
            },
        }
        for row in figures["by_township"]
    ]
    query = flt.query()
    return {
        "figures": figures,
        "empty": not (figures["raised"] or figures["resolved_in_period"]),
        "headline": headline,
        "categories": categories,
        "townships": townships,
        "definitions": list(DEFINITIONS.values()),
        "list_url": link("needs:list"),
        "reports_url": link("reports:dashboard", query=query) if may_read_reports(user) else "",
        "narrowed": bool(flt.service_type or flt.category or flt.program),
    }


class NeedFiguresView(ScopedListView):
    model = Need

    def get(self, request):
        flt, filter_form = filter_from_request(request)
        context = {"filter_form": filter_form, "flt": flt}
        status = 400 if flt is None else 200
        if flt is not None:
            context.update(figures_context(request.user, flt))
        template = "needs/figures_body.html" if request.htmx else "needs/figures.html"
        return render(request, template, context, status=status)

"""统计看板 (issue 11 §2): the leader's dashboard at /reports/.

Headline figures, the month-by-month trend, service categories and types, townships (table and
bars), coverage, team ranking and program indicators — each figure a link to the rows behind it
(reports:drill) with the same filter, each with its definition (口径) beside it. One view serves
the page and, for an HTMX request from its filter bar, the body alone. Counting lives in
metrics.py and breakdowns.py; this module only arranges what they return, and builds every link
here (not in templates) so a link always carries exactly the filter its figure was counted for.
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import scoped
from xianfeng.regions.models import Region
from xianfeng.servicelog.models import Category, ServiceType
from xianfeng.teams.models import Team

from . import breakdowns, rollups
from .dashboard_cache import counted_figures
from .definitions import METRICS
from .facts import facts_for
from .families import families, family_metrics
from .filters import ReportFilter
from .forms_filter import filter_from_request
from .metrics import is_empty, metrics_for_reach
from .models import Snapshot
from .reach import may_read_reports, reach_of
from .rollups_background import refresh_soon
from .rollups_refresh import refresh_dirty

HEADLINE = ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours")
TOP_TOWNSHIPS = 15  # the bar view; the table below lists them all
TOP_TEAMS = 10


def link(name: str, *args, query: str = "") -> str:
    """A page of another reports family, or "" while it is not there yet (built in parallel)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


class Figures:
    """Links and definitions for one filter: ``drill(key, **override)`` is the drill-down of a
    figure with the filter (override: type=, region=, from=/to=…; unit= for a quantity)."""

    def __init__(self, flt: ReportFilter):
        self.flt = flt

    def drill(self, key: str, unit: str = "", **override) -> str:
        query = self.flt.query(**override)
        if unit:
            query = f"{query}&{urlencode({'unit': unit})}"
        return link("reports:drill", key, query=query)

    @staticmethod
    def figure(key: str, value, url: str) -> dict:
        m = METRICS[key]
        return {"key": key, "label": m.label, "unit": m.unit, "definition": m.definition, "value": value, "url": url}


def _month_bounds(flt: ReportFilter, key: str) -> tuple[str, str]:
    """The days of month ``key`` inside the period (the first and last months may be partial)."""
    year, month = int(key[:4]), int(key[5:7])
    first = max(datetime.date(year, month, 1), flt.start)
    last = min(datetime.date(year, month, calendar.monthrange(year, month)[1]), flt.end)
    return first.isoformat(), last.isoformat()


def _rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def dashboard_figures(user, flt: ReportFilter, *, fresh: bool = False) -> dict:
    """What the page shows above and around the figures, and the figures' HTML
    (dashboard_cache: cached, recounted in the background). The page says when its figures were
    counted and whether records are still on their way; 刷新 (``fresh``) waits for them and
    counts again in the request."""
    pending = False
    if rollups.enabled():
        if fresh:
            refresh_dirty()
        else:
            pending = refresh_soon()
    counted = counted_figures(user, flt, fresh=fresh)
    query = flt.query()
    return {
        "figures_html": mark_safe(counted["figures_html"]),  # our own template's output
        "counted_at": counted["counted_at"],
        "pending": pending or counted["recounting"],
        "refresh_url": link("reports:dashboard", query=flt.query(fresh=1)),
        "links": {
            "table": link("reports:table", query=query),
            "narrative": link("reports:narrative", query=query),
            "snapshots": link("reports:snapshots", query=query),
        },
    }


def dashboard_context(user, flt: ReportFilter) -> dict:
    """Everything the dashboard shows for ``flt``, from the rollups as they are (wait=False)."""
    reach = reach_of(user)
    facts = facts_for(flt, reach)
    result = metrics_for_reach(flt, reach, wait=False)
    result.update(family_metrics(flt, reach))
    f = Figures(flt)
    context = {
        "families": family_panels(flt, result),
        "metrics": result,
        "empty": is_empty(result),
        "definitions": [METRICS[key] for key in (*HEADLINE, "townships_in_scope", "villages_in_scope", "quantity")],
        "quantity_definition": METRICS["quantity"].definition,
        "programs": _programs(user, flt),
    }
    if context["empty"]:
        return context
    context["headline"] = [f.figure(key, result[key], f.drill(key)) for key in HEADLINE]
    context["quantities"] = [
        {"unit": unit, "value": value, "url": f.drill("quantity", unit=unit)}
        for unit, value in result["quantity"].items()
        if value
    ]
    context["coverage"] = _coverage(result, f)
    context["trend"] = _trend(flt, reach, facts, f)
    context["categories"] = _categories(flt, reach, facts, f)
    context["types"] = _types(user, result, f)
    context["townships"] = _townships(user, flt, reach, facts, f)
    context["teams"] = _teams(user, flt, reach, facts, f)
    # What reports_dashboard.js draws (the tables beside the charts hold the same numbers).
    context["chart_data"] = {
        "trend": [_point(r["key"], r) for r in context["trend"]],
        "categories": [_point(r["label"], r) for r in context["categories"]],
        "townships": [_point(r["label"], r) for r in context["townships"][:TOP_TOWNSHIPS]],
        "labels": {"person_times": _("服务人次"), "records": _("服务记录")},
    }
    return context


def figure_value(value):
    """A family figure as printed: a rate or median that cannot be computed is a dash."""
    return "—" if value is None else value


def family_panels(flt: ReportFilter, result: dict) -> list[dict]:
    """A panel per registered family with data (热线, 民情台账): headline figures, each linking
    to its rows, and a link to the family's own page, all with the same filter."""
    from .views_family_drill import drill_url

    query = flt.query()
    panels = []
    for family in families():
        values = result.get(family.key)
        if values is None or not family.has_data(values):
            continue
        figures = []
        for key in family.headline:
            m = family.definitions[key]
            url = drill_url(family.key, key, query) if key in family.drillable else ""
            figures.append(
                {
                    "key": key,
                    "label": m.label,
                    "unit": m.unit,
                    "definition": m.definition,
                    "value": figure_value(values[key]),
                    "url": url,
                }
            )
        panels.append(
            {
                "key": family.key,
                "label": family.label,
                "figures": figures,
                "url": link(family.page, query=query) if family.page else "",
                "definitions": [family.definitions[key] for key in family.definitions],
            }
        )
    return panels


def _point(name: str, row: dict) -> dict:
    return {"name": name, "value": row["person_times"], "records": row["records"], "url": row["url"]}


def _coverage(result: dict, f: Figures) -> list[dict]:
    rows = []
    for level, label in (("townships", _("乡镇覆盖率")), ("villages", _("村（社区）覆盖率"))):
        covered, in_scope = result[f"{level}_covered_in_scope"], result[f"{level}_in_scope"]
        rows.append(
            {
                "label": label,
                "covered": covered,
                "in_scope": in_scope,
                "rate": _rate(covered, in_scope),
                "url": f.drill(f"{level}_covered"),
                "definition": METRICS[f"{level}_in_scope"].definition,
            }
        )
    return rows


def _trend(flt, reach, facts, f: Figures) -> list[dict]:
    rows = breakdowns.month_series(flt, breakdowns.breakdown(flt, reach, "month", facts=facts, wait=False))
    for row in rows:
        start, end = _month_bounds(flt, row["key"])
        row["url"] = f.drill("person_times", **{"from": start, "to": end}) if row["person_times"] else ""
    return rows


def _categories(flt, reach, facts, f: Figures) -> list[dict]:
    rows = breakdowns.breakdown(flt, reach, "category", facts=facts, wait=False)
    labels = dict(Category.choices)
    for row in rows:
        row["label"] = str(labels.get(row["key"], _("未指定类型")))
        row["url"] = (
            f.drill("person_times", category=row["key"]) if row["key"] in labels and row["person_times"] else ""
        )
    return rows


def _types(user, result: dict, f: Figures) -> list[dict]:
    names = dict(scoped(user, ServiceType).values_list("code", "name"))
    rows = []
    for code, values in result["by_type"].items():
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                **values,
                "url": f.drill("person_times", type=code),
                "persons_url": f.drill("persons", type=code),
                "events_url": f.drill("events", type=code),
                "hours_url": f.drill("hours", type=code),
            }
        )
    return sorted(rows, key=lambda r: (-r["person_times"], r["code"]))


def _townships(user, flt, reach, facts, f: Figures) -> list[dict]:
    rows = breakdowns.breakdown(flt, reach, "township", facts=facts, wait=False)
    codes = [row["key"] for row in rows if row["key"]]
    names = dict(scoped(user, Region).filter(code__in=codes).values_list("code", "name"))
    for row in rows:
        code = row["key"]
        row["label"] = names.get(code, code) if code else _("未记录地点")
        # A region filter needs a known code; a fact with no township has no region to filter on.
        row["url"] = f.drill("person_times", region=code) if code in names and row["person_times"] else ""
    rows.sort(key=lambda r: (not r["key"], -r["person_times"], r["key"]))
    return rows


def _teams(user, flt, reach, facts, f: Figures) -> list[dict]:
    rows = [r for r in breakdowns.breakdown(flt, reach, "team", facts=facts, wait=False) if r["key"] is not None]
    ids = [row["key"] for row in rows]
    # A team of another organization may serve within the reader's reach: it is counted, but
    # only teams the reader may see are named (and a team filter accepts only those).
    names = dict(scoped(user, Team).filter(pk__in=ids).values_list("pk", "name"))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["label"] = names.get(row["key"], _("其他组织的队伍"))
        row["url"] = f.drill("person_times", team=row["key"]) if row["key"] in names and row["person_times"] else ""
    return rows[:TOP_TEAMS]


def _programs(user, flt: ReportFilter) -> list[dict]:
    """Each readable program's own indicators (管理率…) with numerator / denominator and 口径,
    and a link to the indicators page for the same period, organization and place."""
    from xianfeng.programs import indicators
    from xianfeng.programs.registry import all_programs

    sections = []
    for program in all_programs():
        if flt.program and program.code != flt.program:
            continue
        if not indicators.may_read_figures(user, program):
            continue
        fs = indicators.figure_set(user, program.code, start=flt.start, end=flt.end, org=flt.org, region=flt.region)
        figures = indicators.specific_figures(fs)
        if not figures:
            continue
        params = {"program": program.code, "period": "custom", "start": flt.start, "end": flt.end}
        if flt.org:
            params["org"] = flt.org.pk
        if flt.region and len(flt.region.code) >= 6:
            params["township"] = flt.region.code
        sections.append(
            {
                "code": program.code,
                "name": program.name,
                "figures": figures,
                "url": link("programs:indicators", query=urlencode(params)),
            }
        )
    return sections


class DashboardView(ScopedListView):
    """Declared on Snapshot (the reports area) for the access matrix; open to whoever holds
    统计报表 somewhere — figures are aggregates over the reader's reach (reach.py)."""

    model = Snapshot

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user)

    def get(self, request):
        if not may_read_reports(request.user):
            raise PermissionDenied
        flt, filter_form = filter_from_request(request)
        context = {"filter_form": filter_form, "flt": flt}
        # A wrong filter shows the bar with its errors (400), never figures for something not asked.
        status = 400 if flt is None else 200
        if flt is not None:
            context.update(dashboard_figures(request.user, flt, fresh="fresh" in request.GET))
        template = "reports/dashboard_body.html" if request.htmx else "reports/dashboard.html"
        return render(request, template, context, status=status)

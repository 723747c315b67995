"""The leader's dashboard on the home page (工作台): this year's headline figures, each linking
to the dashboard's drill-down, for whoever holds 统计报表 (reach.py).

The home page is the most visited page and has a query budget (core/tests/test_home.py): the
figures are cached for ``CACHE_SECONDS`` per user and reach — a new grant or a changed
organization changes the reach, hence the key — so a reload costs no query at all, and a figure
may lag a fresh record by at most a minute. Like the dashboard, it does not wait for the rollups'
refresh: it schedules it (rollups_background.refresh_soon) and reads the cells as they are.
"""

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .definitions import METRICS
from .filters import ReportFilter, default_period
from .reach import reach_digest, reach_of

CACHE_SECONDS = 60
KEYS = ("person_times", "persons", "events", "hours")


def _cache_key(user, reach: list, start, end) -> str:
    return f"xf:reports:home:{user.pk}:{reach_digest(reach)}:{start.isoformat()}:{end.isoformat()}"


def _figures(user, reach: list, start, end) -> dict:
    key = _cache_key(user, reach, start, end)
    figures = cache.get(key)
    if figures is None:
        from . import rollups
        from .metrics import metrics_for_reach
        from .rollups_background import refresh_soon

        if rollups.enabled():
            refresh_soon()
        result = metrics_for_reach(ReportFilter(start=start, end=end), reach, wait=False)
        figures = {k: result[k] for k in (*KEYS, "townships_covered_in_scope", "townships_in_scope")}
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def reports_panel(request) -> dict | None:
    user = request.user
    reach = reach_of(user)
    if not reach:
        return None
    start, end = default_period(timezone.localdate())
    figures = _figures(user, reach, start, end)
    query = ReportFilter(start=start, end=end).query()
    dashboard = reverse("reports:dashboard")
    items = []
    for key in KEYS:
        m = METRICS[key]
        items.append(
            {
                "key": key,
                "label": m.label,
                "unit": m.unit,
                "definition": m.definition,
                "value": figures[key],
                "url": f"{reverse('reports:drill', args=[key])}?{query}",
            }
        )
    covered, in_scope = figures["townships_covered_in_scope"], figures["townships_in_scope"]
    return {
        "year": start.year,
        "items": items,
        "empty": not any(figures[k] for k in KEYS),
        "coverage": {
            "covered": covered,
            "in_scope": in_scope,
            "rate": round(100 * covered / in_scope, 1) if in_scope else None,
        },
        "url": f"{dashboard}?{query}",
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    # After the clerk's party-membership worklist (10), before the volunteer's own records (12).
    register_panel("reports-dashboard", order=11, template="reports/_home_panel.html", context=reports_panel)

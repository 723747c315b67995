"""热线看板 /hotline/dashboard/ (issue 12 §1 last bullet): calls by hour and day of week, by day
over the period, topics, risk levels, channels and crisis escalations handled in time.

Aggregates only, no caller data: it is a reports page (declared on Snapshot like the dashboard at
/reports/, so the access matrix files it under reports), open to whoever holds 统计报表, counted
over the reader's reach (hotline/figures.py). Each count links to the reports drill-down of the
hotline family, which lists calls only to readers holding hotline.view. One view serves the page
and, for an HTMX request from its filter bar, the body alone.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.forms_filter import filter_from_request
from xianfeng.reports.models import Snapshot
from xianfeng.reports.reach import may_read_reports, reach_of
from xianfeng.reports.views_dashboard import figure_value, link
from xianfeng.reports.views_family_drill import drill_url

from .figures import COUNT_KEYS, hotline_figures
from .models import Channel, RiskLevel, Topic
from .reports_family import DEFINITIONS

HEADLINE = (
    "calls",
    "escalations",
    "escalations_closed",
    "escalations_in_time",
    "in_time_rate",
    "median_minutes_to_handle",
    "open_escalations",
    "escalations_overdue",
)
MAX_CHART_DAYS = 400  # past this, the day chart shows only the days with calls


def weekday_labels() -> list[str]:
    return [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def dashboard_context(flt: ReportFilter, reach: list) -> dict:
    figures = hotline_figures(flt, reach)
    query = flt.query()

    def drill(key="calls", **narrow) -> str:
        extra = urlencode(narrow)
        url = drill_url("hotline", key, query)
        return f"{url}&{extra}" if url and extra else url

    headline = []
    for key in HEADLINE:
        m = DEFINITIONS[key]
        headline.append(
            {
                "key": key,
                "label": m.label,
                "unit": m.unit,
                "definition": m.definition,
                "value": figure_value(figures[key]),
                "url": drill(key) if key in COUNT_KEYS and figures[key] else "",
            }
        )

    def rows(counts: dict, labels: dict, param: str, *, skip_zero=False) -> list[dict]:
        return [
            {"key": code, "label": str(labels[code]), "value": n, "url": drill(**{param: code}) if n else ""}
            for code, n in counts.items()
            if n or not skip_zero
        ]

    topics = sorted(rows(figures["by_topic"], dict(Topic.choices), "topic", skip_zero=True), key=lambda r: -r["value"])
    risks = rows(figures["by_risk"], dict(RiskLevel.choices), "risk")
    channels = rows(figures["by_channel"], dict(Channel.choices), "channel")
    hours = [{"label": f"{hour:02d}:00", "value": n} for hour, n in enumerate(figures["by_hour"])]
    weekdays = [{"label": label, "value": n} for label, n in zip(weekday_labels(), figures["by_weekday"], strict=True)]
    days = [
        {
            "label": day,
            "value": n,
            "url": link("reports:family_drill", "hotline", "calls", query=flt.query(**{"from": day, "to": day})),
        }
        for day, n in figures["by_day"].items()
    ]
    return {
        "figures": figures,
        "empty": not (figures["calls"] or figures["escalations"]),
        "headline": headline,
        "channels": channels,
        "topics": topics,
        "risks": risks,
        "hours": hours,
        "weekdays": weekdays,
        "days": days,
        "definitions": list(DEFINITIONS.values()),
        "reports_url": link("reports:dashboard", query=query),
        "chart_data": {
            "hours": hours,
            "weekdays": weekdays,
            "days": _chart_days(flt, figures["by_day"], days),
            "topics": topics,
            "risks": [r for r in risks if r["value"]],
            "channels": [r for r in channels if r["value"]],
            "labels": {"calls": _("来电")},
        },
    }


def _chart_days(flt: ReportFilter, by_day: dict, days: list[dict]) -> list[dict]:
    """Every day of the period (zeros included) when it is short enough to draw, else the days
    with calls."""
    if flt.days > MAX_CHART_DAYS:
        return days
    urls = {row["label"]: row["url"] for row in days}
    result = []
    for offset in range(flt.days):
        day = (flt.start + datetime.timedelta(days=offset)).isoformat()
        result.append({"label": day, "value": by_day.get(day, 0), "url": urls.get(day, "")})
    return result


class HotlineDashboardView(ScopedListView):
    """Declared on Snapshot (the reports area) for the access matrix; open to whoever holds
    统计报表 somewhere — figures are aggregates over the reader's reach."""

    model = Snapshot

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user)

    def get(self, request):
        if not may_read_reports(request.user):
            raise PermissionDenied
        flt, filter_form = filter_from_request(request)
        context = {"filter_form": filter_form, "flt": flt}
        status = 400 if flt is None else 200
        if flt is not None:
            context.update(dashboard_context(flt, reach_of(request.user)))
        template = "hotline/dashboard_body.html" if request.htmx else "hotline/dashboard.html"
        return render(request, template, context, status=status)

"""The hotline's figures (issue 12 §1 last bullet, §4; DESIGN.md §2 row "hotline").

``hotline_figures(flt, reach)`` counts live (unvoided) calls of the filter within the reader's
reach — the reach of their 统计报表 grants (reports/reach.py), like every figure: a leader counts
calls without being able to read one (health data), and the drill-down lists only the calls
``scoped()`` lets the reader open.

A call is a counted fact with its organization, day and place (FactPlace), so the period is on
``served_on``, the organization is a subtree of ``org`` and the region is an equality on the
per-level code columns, exactly as for a service record. A team filter keeps the team's calls; a
service type or category keeps the channels whose service type matches (a call counts as
心理援助热线 or 线上心理服务); a program filter keeps none (calls are not program visits).

Each call is also one service record (servicelog/derived.py), so the calls are in 人次 already:
these figures break the hotline down, they are never added to 人次 a second time.
"""

import datetime
import statistics

from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from xianfeng.programs.indicators import region_q
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.reach import restrict
from xianfeng.servicelog.models import ServiceType

from .models import CHANNEL_SERVICE_TYPE, Call, Channel, Escalation, RiskLevel, Topic

COUNT_KEYS = (
    "calls",
    "escalations",
    "escalations_closed",
    "escalations_in_time",
    "escalations_overdue",
    "open_escalations",
)


def tidy(value) -> int | float:
    """A median to 0.1, whole numbers without a decimal point (55, not 55.0)."""
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage to 0.1, None when there is nothing to divide by."""
    return round(100 * numerator / denominator, 1) if denominator else None


def calls_of(flt: ReportFilter, reach: list) -> QuerySet:
    """The live calls of ``flt`` within ``reach`` (no rows for an empty reach)."""
    qs = Call.objects.live().filter(served_on__gte=flt.start, served_on__lte=flt.end)
    if flt.org is not None:
        qs = qs.filter(org__path__startswith=flt.org.path)
    if flt.region is not None:
        qs = qs.filter(region_q(flt.region.code))
    if flt.team is not None:
        qs = qs.filter(team=flt.team)
    if flt.program:
        return qs.none()
    if flt.service_type is not None or flt.category:
        types = ServiceType.objects.filter(code__in=CHANNEL_SERVICE_TYPE.values())
        if flt.service_type is not None:
            types = types.filter(pk=flt.service_type.pk)
        if flt.category:
            types = types.filter(category=flt.category)
        codes = set(types.values_list("code", flat=True))
        qs = qs.filter(channel__in=[channel for channel, code in CHANNEL_SERVICE_TYPE.items() if code in codes])
    return restrict(qs, reach)


def escalations_of(calls: QuerySet) -> QuerySet:
    """The escalations of these calls (an escalation belongs to its call's period and place)."""
    return Escalation.objects.filter(call__in=calls.values("pk"))


def escalation_rows(escalations: QuerySet, key: str, now: datetime.datetime) -> QuerySet:
    """The escalations a figure counts (KeyError for another key)."""
    if key == "escalations":
        return escalations
    if key == "escalations_closed":
        return escalations.exclude(closed_at=None)
    if key == "escalations_in_time":
        return escalations.exclude(closed_at=None).filter(closed_at__lte=F("due_at"))
    if key == "escalations_overdue":
        return escalations.filter(closed_at=None, due_at__lt=now)
    if key == "open_escalations":
        return escalations.filter(closed_at=None)
    raise KeyError(key)


def _counts(qs: QuerySet, field: str, choices) -> dict[str, int]:
    found = dict(qs.order_by().values_list(field).annotate(n=Count("pk")))
    return {value: found.get(value, 0) for value in choices}


def _minutes(row) -> int:
    """The recorded minutes to handle, else from the call's start to the closing."""
    minutes, closed_at, started_at = row
    if minutes is not None:
        return minutes
    return max(0, int((closed_at - started_at).total_seconds() // 60))


def hotline_figures(flt: ReportFilter, reach: list, *, now: datetime.datetime | None = None) -> dict:
    """The hotline's figures of ``flt`` within ``reach`` (keys: hotline/definitions.py)."""
    now = now or timezone.now()
    calls = calls_of(flt, reach)
    by_hour = [0] * 24
    for hour, n in calls.order_by().annotate(h=ExtractHour("started_at")).values_list("h").annotate(n=Count("pk")):
        by_hour[hour] += n
    by_weekday = [0] * 7  # Monday first
    weekdays = calls.order_by().annotate(d=ExtractIsoWeekDay("started_at")).values_list("d").annotate(n=Count("pk"))
    for day, n in weekdays:
        by_weekday[day - 1] += n
    by_day = {
        day.isoformat(): n for day, n in calls.order_by("served_on").values_list("served_on").annotate(n=Count("pk"))
    }
    escalations = escalations_of(calls)
    counts = {key: escalation_rows(escalations, key, now).count() for key in COUNT_KEYS if key != "calls"}
    closed = escalation_rows(escalations, "escalations_closed", now)
    minutes = [_minutes(row) for row in closed.values_list("minutes_to_handle", "closed_at", "call__started_at")]
    decided = counts["escalations_closed"] + counts["escalations_overdue"]
    return {
        "calls": sum(by_day.values()),
        "by_channel": _counts(calls, "channel", Channel.values),
        "by_topic": _counts(calls, "topic", Topic.values),
        "by_risk": _counts(calls, "risk_level", RiskLevel.values),
        "by_hour": by_hour,
        "by_weekday": by_weekday,
        "by_day": by_day,
        **counts,
        "in_time_rate": rate(counts["escalations_in_time"], decided),
        "median_minutes_to_handle": tidy(statistics.median(minutes)) if minutes else None,
    }


def has_data(figures: dict) -> bool:
    return bool(figures["calls"] or figures["escalations"])

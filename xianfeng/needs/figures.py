"""The needs ledger's figures (issue 12 §2; DESIGN.md §2 row "needs").

``needs_figures(flt, reach)`` counts live (unvoided) needs within the reader's reach (the reach of
their 统计报表 grants, reports/reach.py). The needs figures page (/needs/figures/) passes
``needs=scoped(user, Need)`` instead, so that each number equals the needs list it links to.

The 口径 (printed beside each figure, needs/reports_family.py):

- the cohort: needs **raised in the period** (``raised_on``), of the organization subtree (the
  responsible organization), of the region (the resident's place when raised), of the team
  (assigned team). ``raised`` counts them; ``resolved``, ``unresolved_closed``, ``open`` and
  ``overdue`` say where those needs stand **now**; ``resolution_rate`` = resolved ÷ raised;
  ``median_days_to_resolve`` is over the cohort's resolved needs (closing day − raising day).
- ``resolved_in_period``: needs resolved with a closing day in the period, whenever raised (the
  work done in the period).
- Service type, category and program do not narrow needs (a need has its own category, shown as a
  breakdown): under such a filter the needs figures are those of place, organization and team.
"""

import datetime
import statistics

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xianfeng.programs.indicators import region_q
from xianfeng.regions.models import Region
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.reach import restrict

from .models import OPEN_STATUSES, Category, Need, Status

COUNT_KEYS = ("raised", "resolved", "unresolved_closed", "open", "overdue", "resolved_in_period")


def tidy(value) -> int | float:
    """A median to 0.1, whole numbers without a decimal point (55, not 55.0)."""
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


def rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def _where(qs: QuerySet, flt: ReportFilter) -> QuerySet:
    qs = qs.filter(voided_at=None)
    if flt.org is not None:
        qs = qs.filter(org__path__startswith=flt.org.path)
    if flt.region is not None:
        qs = qs.filter(region_q(flt.region.code))
    if flt.team is not None:
        qs = qs.filter(assigned_team=flt.team)
    return qs


def base_needs(reach: list, needs: QuerySet | None = None) -> QuerySet:
    """The needs counted: ``needs`` (already scoped) or every need within ``reach``."""
    return needs if needs is not None else restrict(Need.objects.all(), reach)


def figure_rows(flt: ReportFilter, reach: list, key: str, *, needs=None, today=None) -> QuerySet:
    """The needs a count figure counts (KeyError for another key)."""
    today = today or timezone.localdate()
    qs = _where(base_needs(reach, needs), flt)
    if key == "resolved_in_period":
        return qs.filter(status=Status.RESOLVED, closed_on__gte=flt.start, closed_on__lte=flt.end)
    cohort = qs.filter(raised_on__gte=flt.start, raised_on__lte=flt.end)
    if key == "raised":
        return cohort
    if key == "resolved":
        return cohort.filter(status=Status.RESOLVED)
    if key == "unresolved_closed":
        return cohort.filter(status=Status.UNRESOLVED)
    if key == "open":
        return cohort.filter(status__in=OPEN_STATUSES)
    if key == "overdue":
        return cohort.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    raise KeyError(key)


def _grouped(cohort: QuerySet, field: str, today: datetime.date) -> dict[str, dict]:
    rows = (
        cohort.order_by()
        .values(field)
        .annotate(
            raised=Count("pk"),
            resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
            unresolved_closed=Count("pk", filter=Q(status=Status.UNRESOLVED)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        )
    )
    result = {}
    for row in rows:
        key = row.pop(field)
        row["resolution_rate"] = rate(row["resolved"], row["raised"])
        result[key] = row
    return result


def needs_figures(
    flt: ReportFilter, reach: list, *, needs: QuerySet | None = None, today: datetime.date | None = None
) -> dict:
    """The needs figures of ``flt`` within ``reach`` (or over ``needs``, already scoped)."""
    today = today or timezone.localdate()
    cohort = figure_rows(flt, reach, "raised", needs=needs, today=today)
    totals = cohort.order_by().aggregate(
        raised=Count("pk"),
        resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
        unresolved_closed=Count("pk", filter=Q(status=Status.UNRESOLVED)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
    )
    days = [
        (closed - raised).days
        for raised, closed in cohort.filter(status=Status.RESOLVED)
        .exclude(closed_on=None)
        .values_list("raised_on", "closed_on")
    ]
    by_category = _grouped(cohort, "category", today)
    townships = _grouped(cohort, "township_code", today)
    names = dict(Region.objects.filter(code__in=[c for c in townships if c]).values_list("code", "name"))
    by_township = [
        {"code": code, "name": names.get(code, code) if code else "", **values}
        for code, values in sorted(townships.items(), key=lambda item: (not item[0], -item[1]["raised"], item[0]))
    ]
    return {
        **totals,
        "resolved_in_period": figure_rows(flt, reach, "resolved_in_period", needs=needs, today=today).count(),
        "resolution_rate": rate(totals["resolved"], totals["raised"]),
        "median_days_to_resolve": tidy(statistics.median(days)) if days else None,
        "by_category": {code: by_category[code] for code in Category.values if code in by_category},
        "by_township": by_township,
    }


def has_data(figures: dict) -> bool:
    return bool(figures["raised"] or figures["resolved_in_period"])

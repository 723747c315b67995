"""Rollups for speed at province scale (issue 11 §7): exact, and never stale.

What is rolled up is where the volume is: service records and their providers' hours (tens of
millions of rows at province scale). They are folded into ``RecordCell`` rows, one per month ×
place (county, township, village) × organization × service type × team × resident × household
(models_rollups.py), holding counts and sums. Every record figure is then a grouped query over
cells: additive ones (人次, quantities, hours) sum, exact distinct ones (人数, 户, 覆盖乡镇/村)
count distinct resident, household and place columns — exact, because the cell keeps those
columns whole (no sketch, no estimate). Activities, their participants and quantities are two
orders of magnitude fewer and are counted raw, by metrics.py's own code, then merged.

The whole province and one whole county (a county filter, or a reach of one county) read no
cell: TypeMonth sums and Occurrence's "distinct = Σ n" rows, both kept per county
(models_rollups.py), answer them in a size that does not grow with the records.

Freshness: database triggers mark the (county, month) partitions of every written row dirty
(migration 0002); ``metrics`` and ``breakdown`` first recompute the dirty partitions
(rollups_refresh.py), so what they answer equals the raw count at that moment.

They answer only filters expressible on the cells' grain, otherwise None (metrics.py and
breakdowns.py then count raw): whole months, no program filter, a reach without 仅本人
(own records: the cells do not keep who entered a record). ``settings.REPORTS_ROLLUPS``
switches them (default: on for PostgreSQL, where they pay; SQLite counts raw).
"""

import calendar
import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from xianfeng.accounts.roles import Scope
from xianfeng.accounts.scoping import _region_levels_q
from xianfeng.core.scoping import FACT_REGION_LEVELS
from xianfeng.programs.indicators import region_q
from xianfeng.servicelog.models import RecordProvider, ServiceRecord

from .facts import Facts, facts_for
from .filters import ReportFilter
from .models_rollups import Occurrence, RecordCell, TypeMonth
from .reach import NOTHING, is_all
from .rollups_refresh import PROVINCE, refresh_dirty, supported

ZERO = Decimal("0")
TENTH, CENT = Decimal("0.1"), Decimal("0.01")
LIVE = Q(records__gt=0)  # a cell with records (not only providers' hours)


def enabled() -> bool:
    return supported() and getattr(settings, "REPORTS_ROLLUPS", connection.vendor == "postgresql")


def answerable(flt: ReportFilter, reach: list) -> bool:
    """Whether the cells can answer ``flt`` exactly."""
    if not (enabled() and reach) or flt.program:
        return False
    last_day = calendar.monthrange(flt.end.year, flt.end.month)[1]
    if flt.start.day != 1 or flt.end.day != last_day:
        return False
    return not any(item["scope"] == Scope.SELF for item in reach)


def _reach_q(reach: list) -> Q | None:
    """reach.reach_q on the cells' columns (the same org path and per-level code predicates)."""
    if is_all(reach):
        return None
    combined = NOTHING
    for item in reach:
        if item["scope"] == Scope.ORG_SUBTREE:
            combined |= Q(org__path__startswith=item["org_path"])
        elif item["scope"] == Scope.ORG_ONLY:
            combined |= Q(org__path=item["org_path"])
        elif item["scope"] == Scope.REGION:
            combined |= _region_levels_q(FACT_REGION_LEVELS, item["prefixes"])
    return combined


def cells_for(flt: ReportFilter, reach: list) -> QuerySet:
    cells = RecordCell.objects.filter(month__gte=flt.start, month__lte=flt.end)
    if flt.org is not None:
        cells = cells.filter(org__path__startswith=flt.org.path)
    if flt.region is not None:
        cells = cells.filter(region_q(flt.region.code))
    if flt.service_type is not None:
        cells = cells.filter(service_type=flt.service_type)
    if flt.category:
        cells = cells.filter(service_type__category=flt.category)
    if flt.team is not None:
        cells = cells.filter(team_id=flt.team.pk)
    q = _reach_q(reach)
    return cells if q is None else cells.filter(q)


def _activity_facts(flt: ReportFilter, reach: list) -> Facts:
    """The raw facts of ``flt`` without records and providers (those come from the cells)."""
    facts = facts_for(flt, reach)
    return dataclasses.replace(facts, records=ServiceRecord.objects.none(), providers=RecordProvider.objects.none())


def _hours_sums(flt: ReportFilter) -> tuple[Sum, Sum]:
    """Providers counted for ``flt``: a type, category or team filter counts live records'
    providers only (facts.py: ``record__in=records``); otherwise every counted provider."""
    if flt.narrows_records:
        return Sum("providers"), Sum("hours")
    return Sum("providers") + Sum("orphan_providers"), Sum("hours") + Sum("orphan_hours")


def province_wide(flt: ReportFilter, reach: list) -> bool:
    """Everything in reach, unfiltered: the province dashboard, answered from TypeMonth and
    Occurrence (no per-resident row is read)."""
    return is_all(reach) and flt.org is None and flt.region is None and not flt.narrows_records


def _covers_county(item: dict, county: str) -> bool:
    """Whether a reach item holds every row of ``county`` (its predicate is on county_code)."""
    if item["scope"] == Scope.ALL:
        return True
    return item["scope"] == Scope.REGION and any(len(p) <= 6 and county.startswith(p) for p in item["prefixes"])


def single_county(flt: ReportFilter, reach: list) -> str | None:
    """The county when the question is "everything in one county" (a county filter seen by a
    reach that holds the whole county, or no filter and a reach of exactly that county), with no
    organization or type/team filter: answered from that county's TypeMonth and Occurrence rows.
    A city or several counties is not a sum of counties (a resident served in two counts once)."""
    if flt.org is not None or flt.narrows_records:
        return None
    if flt.region is not None:
        code = flt.region.code
        return code if len(code) == 6 and any(_covers_county(item, code) for item in reach) else None
    if any(item["scope"] != Scope.REGION for item in reach):
        return None
    prefixes = {p for item in reach for p in item["prefixes"]}
    return prefixes.pop() if len(prefixes) == 1 and len(next(iter(prefixes))) == 6 else None


def metrics(flt: ReportFilter, reach: list, *, wait: bool = True) -> dict | None:
    """metrics.raw_metrics(facts_for(flt, reach)) from the rollups, or None when they cannot.
    ``wait=False`` reads the cells as they are (rollups_background: the caller scheduled the refresh)."""
    if not answerable(flt, reach):
        return None
    if wait:
        refresh_dirty()
    if province_wide(flt, reach):
        return _metrics_from_occurrences(flt, reach, None)
    county = single_county(flt, reach)
    if county is not None:
        return _metrics_from_occurrences(flt, reach, county)
    return _metrics_from_cells(flt, reach)


def _record_rows(result: dict, rows, narrows: bool) -> None:
    """Add the records' additive figures (per type rows with records_n, q, providers_n, h, and the
    type's code, counts_person_time and unit) to the activities' ``result``."""
    from .metrics import _empty_type_row

    types, record_hours, quantity = result["by_type"], ZERO, defaultdict(lambda: ZERO)
    for row in rows:
        providers, hours = row["providers_n"] or 0, row["h"] or ZERO
        if not narrows:  # providers of voided records count unless a type or team is asked for
            providers, hours = providers + (row["orphan_providers_n"] or 0), hours + (row["orphan_h"] or ZERO)
        if not row["records_n"] and not providers:
            continue
        entry = types.setdefault(row["service_type__code"], _empty_type_row())
        entry["hours"] = (entry["hours"] + hours).quantize(TENTH)
        record_hours += hours
        if not row["records_n"]:
            continue
        if row["service_type__counts_person_time"]:
            entry["person_times"] += row["records_n"]
            result["person_times"] += row["records_n"]
        unit = row["service_type__unit"]
        entry["quantity"][unit] = (entry["quantity"].get(unit, ZERO) + row["q"]).quantize(CENT)
        entry["quantity"] = dict(sorted(entry["quantity"].items()))
        quantity[unit] += row["q"]
    result["hours"] = (result["hours"] + record_hours).quantize(TENTH)
    merged = defaultdict(lambda: ZERO, result["quantity"])
    for unit, value in quantity.items():
        merged[unit] += value
    result["quantity"] = {unit: value.quantize(CENT) for unit, value in sorted(merged.items())}
    result["by_type"] = dict(sorted(types.items()))


TYPE_KEYS_OWN = ("code", "counts_person_time", "unit")
TYPE_KEYS = tuple(f"service_type__{key}" for key in TYPE_KEYS_OWN)
SUMS = {
    "records_n": Sum("records"),
    "q": Sum("quantity"),
    "providers_n": Sum("providers"),
    "h": Sum("hours"),
    "orphan_providers_n": Sum("orphan_providers"),
    "orphan_h": Sum("orphan_hours"),
}


def _metrics_from_occurrences(flt: ReportFilter, reach: list, county: str | None) -> dict:
    """The whole province (county None) or one whole county, from sums only."""
    from xianfeng.servicelog.models import ServiceType

    from . import metrics as raw

    result = raw.raw_metrics(_activity_facts(flt, reach))
    catalogue = {row["pk"]: row for row in ServiceType.objects.values("pk", *TYPE_KEYS_OWN)}
    sums = TypeMonth.objects.filter(month__gte=flt.start, month__lte=flt.end)
    if county is not None:
        sums = sums.filter(county_code=county)
    sums = sums.values("service_type_id")
    rows = []
    for row in sums.annotate(**SUMS).order_by():  # grouped by the id alone; the catalogue is small
        kind = catalogue[row["service_type_id"]]
        rows.append({**row, **{f"service_type__{key}": kind[key] for key in TYPE_KEYS_OWN}})
    _record_rows(result, rows, narrows=False)
    occurrences = Occurrence.objects.filter(month__gte=flt.start, month__lte=flt.end, prev_month__lt=flt.start)
    # Every kind is kept per county and province-wide (PROVINCE): residents and households
    # counted over every county's cells, places summed over the counties.
    occurrences = occurrences.filter(county_code=PROVINCE if county is None else county)
    counts = {
        (row["kind"], row["service_type_id"]): row["n"]
        for row in occurrences.values("kind", "service_type_id").annotate(n=Sum("n"))
    }
    keys = {"r": "persons", "h": "households", "t": "townships_covered", "v": "villages_covered"}
    for kind, key in keys.items():
        result[key] = counts.get((kind, 0), 0)
    # The whole reach, or one county whose places' codes all start with its code (set_place):
    # every covered place is in scope (metrics._within).
    result["townships_covered_in_scope"] = result["townships_covered"]
    result["villages_covered_in_scope"] = result["villages_covered"]
    ids = {kind["code"]: pk for pk, kind in catalogue.items()}
    for code, entry in result["by_type"].items():
        for kind, key in keys.items():
            entry[key] = counts.get((kind, ids[code]), 0)
    return result


def _metrics_from_cells(flt: ReportFilter, reach: list) -> dict:
    from . import metrics as raw

    cells = cells_for(flt, reach)
    activity_facts = _activity_facts(flt, reach)
    result = raw.raw_metrics(activity_facts)  # activities' figures, in-scope counts, by_type
    by_type = list(
        cells.values(*TYPE_KEYS).annotate(
            **SUMS,
            persons=Count("resident_id", distinct=True, filter=LIVE),
            households=Count("household_id", distinct=True, filter=LIVE),
            townships=Count("township_code", distinct=True, filter=LIVE & ~Q(township_code="")),
            villages=Count("village_code", distinct=True, filter=LIVE & ~Q(village_code="")),
        )
    )
    _record_rows(result, by_type, narrows=flt.narrows_records)
    types = result["by_type"]
    activity_places = _activity_type_places(activity_facts)
    for row in by_type:
        if not row["records_n"]:
            continue
        entry = types[row["service_type__code"]]
        entry["persons"], entry["households"] = row["persons"], row["households"]
        if row["service_type__code"] not in activity_places:
            entry["townships_covered"], entry["villages_covered"] = row["townships"], row["villages"]
    _merge_type_places(types, cells, activity_places)
    totals = cells.aggregate(
        persons=Count("resident_id", distinct=True, filter=LIVE),
        households=Count("household_id", distinct=True, filter=LIVE),
    )
    result["persons"], result["households"] = totals["persons"], totals["households"]
    _merge_coverage(result, cells, activity_facts)
    return result


def _activity_type_places(facts: Facts) -> dict[str, tuple[set, set]]:
    """Per service type, the townships and villages its counted activities reached."""
    from .metrics import _activity_types

    places: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    pairs = _activity_types(facts).exclude(activity__township_code="")
    for code, township, village in pairs.values_list(
        "servicetype__code", "activity__township_code", "activity__village_code"
    ).distinct():
        places[code][0].add(township)
        if village:
            places[code][1].add(village)
    return places


def _merge_type_places(types: dict, cells: QuerySet, activity_places: dict) -> None:
    """Types reached by both records and activities: the union of both sets of places."""
    if not activity_places:
        return
    rows = cells.filter(LIVE, service_type__code__in=list(activity_places)).exclude(township_code="")
    for code, township, village in rows.values_list("service_type__code", "township_code", "village_code").distinct():
        activity_places[code][0].add(township)
        if village:
            activity_places[code][1].add(village)
    for code, (townships, villages) in activity_places.items():
        types[code]["townships_covered"], types[code]["villages_covered"] = len(townships), len(villages)


def _merge_coverage(result: dict, cells: QuerySet, facts: Facts) -> None:
    from .metrics import _within, covered_codes

    townships, villages = covered_codes(facts)  # activities' places (records are none here)
    townships.update(cells.filter(LIVE).exclude(township_code="").values_list("township_code", flat=True).distinct())
    villages.update(cells.filter(LIVE).exclude(village_code="").values_list("village_code", flat=True).distinct())
    result["townships_covered"], result["villages_covered"] = len(townships), len(villages)
    result["townships_covered_in_scope"] = _within(townships, facts)
    result["villages_covered_in_scope"] = _within(villages, facts)


BREAKDOWN_COLUMNS = {"month": "month", "township": "township_code", "category": "service_type__category"}


def breakdown(flt: ReportFilter, reach: list, dimension: str, *, wait: bool = True) -> list[dict] | None:
    """breakdowns.raw_breakdown(facts_for(flt, reach), dimension) from the cells, or None
    (``wait`` as in ``metrics``)."""
    if not answerable(flt, reach):
        return None
    from .breakdowns import raw_breakdown

    if wait:
        refresh_dirty()
    rows = {row["key"]: row for row in raw_breakdown(_activity_facts(flt, reach), dimension)}
    column = BREAKDOWN_COLUMNS.get(dimension, "team_id")
    providers, hours = _hours_sums(flt)
    grouped = (
        cells_for(flt, reach)
        .values(column)
        .annotate(
            n=Sum("records"),
            pt=Sum("records", filter=Q(service_type__counts_person_time=True)),
            p=providers,
            h=hours,
        )
    )
    for cell in grouped:
        if not cell["n"] and not cell["p"]:
            continue
        key = cell[column]
        if dimension == "month":
            key = key.strftime("%Y-%m")
        elif dimension != "team":
            key = key or ""
        row = rows.setdefault(key, {"key": key, "person_times": 0, "records": 0, "events": 0, "hours": ZERO})
        row["records"] += cell["n"] or 0
        row["person_times"] += cell["pt"] or 0
        row["hours"] = (row["hours"] + (cell["h"] or ZERO)).quantize(TENTH)
    return list(rows.values())

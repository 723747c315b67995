"""Figures of DESIGN.md §2 for one filter, always within the reader's reach.

``metrics_for(user, flt)`` returns the dictionary that the API, ``manage.py report``, the
dashboard, the statistics table and the narrative report all print (keys in definitions.py):

    person_times, persons, households, events, townships_covered, villages_covered,
    townships_in_scope, villages_in_scope, hours, quantity {unit: n}, by_type {code: {...}},
    programs {code: {key: n | {"numerator", "denominator", "rate"}}}
    hotline {...}, needs {...}: the figure families other apps register (families.py)

Counted over the raw facts (facts.py) with grouped queries, or — on PostgreSQL, for the filters
they cover — from the rollups (rollups.py), which must give the same numbers.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from xianfeng.regions.models import Region

from .definitions import SMD_KEYS
from .facts import Facts, facts_for
from .filters import ReportFilter
from .reach import reach_of, region_prefixes

ZERO = Decimal("0")
TENTH, CENT = Decimal("0.1"), Decimal("0.01")  # hours and quantities are stored to these


def metrics_for(user, flt: ReportFilter, *, with_programs: bool = True) -> dict:
    """Every figure of ``flt`` for ``user`` (an empty reach gives zeros, never another scope):
    the service-log figures, the programs' and the registered families' (hotline, needs).
    Snapshots freeze the service-log figures only (metrics_for_reach)."""
    from .families import family_metrics

    reach = reach_of(user)
    result = metrics_for_reach(flt, reach)
    result["programs"] = program_metrics(user, flt) if with_programs and reach else {}
    result.update(family_metrics(flt, reach))
    return result


def metrics_for_reach(flt: ReportFilter, reach: list, *, wait: bool = True) -> dict:
    """The service-log figures of ``flt`` within a (possibly frozen) reach; no program figures.
    ``wait=False`` (the dashboard, the home page): the rollups as they are, see rollups_background."""
    from . import rollups

    fast = rollups.metrics(flt, reach, wait=wait) if reach else None
    if fast is not None:
        return fast
    return raw_metrics(facts_for(flt, reach))


def raw_metrics(facts: Facts) -> dict:
    """The figures counted over the raw rows (the reference the rollups are checked against)."""
    result = _totals(facts)
    result["by_type"] = _by_type(facts)
    return result


def _totals(facts: Facts) -> dict:
    headcount = facts.activities.aggregate(n=Coalesce(Sum("headcount"), 0))["n"]
    townships, villages = covered_codes(facts)
    in_scope = codes_in_scope(facts)
    return {
        "person_times": facts.person_time_records.count() + headcount,
        "persons": facts.records.exclude(resident=None).values("resident").distinct().count(),
        "households": _households(facts.records).values("hh").distinct().count(),
        "events": facts.activities.count(),
        "townships_covered": len(townships),
        "villages_covered": len(villages),
        "townships_in_scope": in_scope[Region.Level.TOWNSHIP],
        "villages_in_scope": in_scope[Region.Level.VILLAGE],
        # 覆盖率's numerators: covered places within the scope's regions (an organization may
        # also serve outside the regions it declares; those count as covered, not in the rate).
        "townships_covered_in_scope": _within(townships, facts),
        "villages_covered_in_scope": _within(villages, facts),
        "hours": _hours(facts),
        "quantity": _quantity(facts),
    }


def _households(records):
    """Records with the household they count for: the record's household, else the resident's."""
    return records.annotate(hh=Coalesce("household_id", "resident__household_id")).exclude(hh=None)


def covered_codes(facts: Facts) -> tuple[set[str], set[str]]:
    """Township and village codes reached by records and activities (no place: none)."""
    townships: set[str] = set()
    villages: set[str] = set()
    for qs in (facts.records, facts.activities):
        # order_by(): a model's default ordering would join SELECT DISTINCT and make it per row
        qs = qs.order_by()
        townships.update(qs.exclude(township_code="").values_list("township_code", flat=True).distinct())
        villages.update(qs.exclude(village_code="").values_list("village_code", flat=True).distinct())
    return townships, villages


def scope_region_prefixes(flt: ReportFilter, reach: list) -> list[str] | None:
    """Where the coverage denominator counts: the filter's region, else the filter
    organization's served regions, else the reach's (None: the whole country)."""
    if flt.region is not None:
        return [flt.region.code]
    if flt.org is not None:
        from xianfeng.accounts.scoping import served_region_codes

        return served_region_codes(flt.org, True)
    return region_prefixes(reach)


def _within(codes: set[str], facts: Facts) -> int:
    prefixes = scope_region_prefixes(facts.flt, facts.reach)
    if prefixes is None:
        return len(codes)
    return sum(1 for code in codes if code.startswith(tuple(prefixes)))


def codes_in_scope(facts: Facts) -> dict[str, int]:
    prefixes = scope_region_prefixes(facts.flt, facts.reach)
    counts = {Region.Level.TOWNSHIP: 0, Region.Level.VILLAGE: 0}
    if prefixes == []:
        return counts
    regions = Region.objects.filter(level__in=counts.keys())
    if prefixes is not None:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code__startswith=prefix)
        regions = regions.filter(q)
    for row in regions.values("level").annotate(n=Count("code")):
        counts[row["level"]] = row["n"]
    return counts


def _hours(facts: Facts) -> Decimal:
    provided = facts.providers.aggregate(h=Sum("hours"))["h"] or ZERO
    attended = facts.participants.aggregate(h=Sum("hours"))["h"] or ZERO
    return (provided + attended).quantize(TENTH)  # SQLite sums decimals as floats


def _quantity(facts: Facts) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in facts.records.values("service_type__unit").annotate(q=Sum("quantity")):
        totals[row["service_type__unit"]] += row["q"] or ZERO
    for row in facts.quantities.values("unit").annotate(q=Sum("quantity")):
        totals[row["unit"]] += row["q"] or ZERO
    return {unit: value.quantize(CENT) for unit, value in sorted(totals.items())}


def _by_type(facts: Facts) -> dict[str, dict]:
    """The same figures per service type. An activity counts under each of its types (its
    headcount, 场次, hours and places), so the types of a multi-type activity add up to more
    than the total: the total is the figure, the breakdown says where it came from."""
    rows: dict[str, dict] = defaultdict(_empty_type_row)
    records = facts.records.values("service_type__code", "service_type__counts_person_time", "service_type__unit")
    for row in records.annotate(
        n=Count("pk"),
        persons=Count("resident", distinct=True),
        townships=Count("township_code", distinct=True, filter=~Q(township_code="")),
        villages=Count("village_code", distinct=True, filter=~Q(village_code="")),
        q=Sum("quantity"),
    ):
        entry = rows[row["service_type__code"]]
        if row["service_type__counts_person_time"]:
            entry["person_times"] += row["n"]
        entry["persons"] = row["persons"]
        entry["quantity"][row["service_type__unit"]] = entry["quantity"].get(row["service_type__unit"], ZERO) + (
            row["q"] or ZERO
        )
    for row in _households(facts.records).values("service_type__code").annotate(n=Count("hh", distinct=True)):
        rows[row["service_type__code"]]["households"] = row["n"]
    _type_places(rows, facts)
    through = _activity_types(facts)
    for row in through.values("servicetype__code").annotate(n=Count("activity_id"), h=Sum("activity__headcount")):
        entry = rows[row["servicetype__code"]]
        entry["events"] += row["n"]
        entry["person_times"] += row["h"] or 0
    for row in facts.providers.values("record__service_type__code").annotate(h=Sum("hours")):
        rows[row["record__service_type__code"]]["hours"] += row["h"] or ZERO
    participants = facts.participants.values("activity_id").annotate(h=Sum("hours"))
    hours_by_activity = {row["activity_id"]: row["h"] or ZERO for row in participants}
    if hours_by_activity:
        for activity_id, code in through.values_list("activity_id", "servicetype__code"):
            rows[code]["hours"] += hours_by_activity.get(activity_id, ZERO)
    for row in facts.quantities.values("service_type__code", "unit").annotate(q=Sum("quantity")):
        quantity = rows[row["service_type__code"]]["quantity"]
        quantity[row["unit"]] = quantity.get(row["unit"], ZERO) + (row["q"] or ZERO)
    for row in rows.values():  # SQLite sums decimals as floats: back to what is stored
        row["hours"] = row["hours"].quantize(TENTH)
        row["quantity"] = {unit: value.quantize(CENT) for unit, value in row["quantity"].items()}
    return dict(sorted(rows.items()))


def _activity_types(facts: Facts):
    """(activity, service type) pairs of the counted activities, narrowed to the filter's type."""
    from xianfeng.servicelog.models import Activity

    through = Activity.service_types.through.objects.filter(activity__in=facts.activities.values("pk"))
    if facts.flt.service_type is not None:
        through = through.filter(servicetype=facts.flt.service_type)
    if facts.flt.category:
        through = through.filter(servicetype__category=facts.flt.category)
    return through


def _type_places(rows: dict, facts: Facts) -> None:
    """Covered townships and villages per type: records' places and their activities' places."""
    places: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    records = facts.records.exclude(township_code="").order_by()
    for code, township, village in records.values_list(
        "service_type__code", "township_code", "village_code"
    ).distinct():
        places[code][0].add(township)
        if village:
            places[code][1].add(village)
    activities = _activity_types(facts).exclude(activity__township_code="").order_by()
    for code, township, village in activities.values_list(
        "servicetype__code", "activity__township_code", "activity__village_code"
    ).distinct():
        places[code][0].add(township)
        if village:
            places[code][1].add(village)
    for code, (townships, villages) in places.items():
        rows[code]["townships_covered"] = len(townships)
        rows[code]["villages_covered"] = len(villages)


def _empty_type_row() -> dict:
    return {
        "person_times": 0,
        "persons": 0,
        "households": 0,
        "events": 0,
        "townships_covered": 0,
        "villages_covered": 0,
        "hours": ZERO,
        "quantity": {},
    }


def program_metrics(user, flt: ReportFilter) -> dict[str, dict]:
    """Each readable program's indicators for the period, organization and region of ``flt``
    (a program filter keeps one program). Team and service type do not narrow program figures:
    a program counts its enrollments."""
    from xianfeng.programs.indicators import may_read_figures, program_figures
    from xianfeng.programs.registry import all_programs

    result = {}
    for program in all_programs():
        if flt.program and program.code != flt.program:
            continue
        if not may_read_figures(user, program):
            continue
        figures = program_figures(user, program.code, start=flt.start, end=flt.end, org=flt.org, region=flt.region)
        names = SMD_KEYS if program.code == "smd" else {}
        entry = {}
        for figure in figures:
            key = names.get(figure.key, figure.key)
            if figure.key in names and figure.key != "registered" or figure.denominator is not None:
                entry[key] = {"numerator": figure.value, "denominator": figure.denominator, "rate": figure.rate}
            else:
                entry[key] = figure.value
        result[program.code] = entry
    return result


def is_empty(result: dict) -> bool:
    """Nothing was recorded: a report says so instead of printing zeros as achievements."""
    # Quantities count too: 3 000 masks given to a nursing home are a service, with no 人次 of its own.
    counted = result["person_times"] or result["events"] or result["persons"] or result["hours"]
    return not (counted or any(result.get("quantity", {}).values()))


def to_json(result: dict) -> dict:
    """Decimals as numbers (hours to 0.1, quantities to 0.01) for JSON output."""

    def convert(value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return convert(result)

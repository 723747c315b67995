"""The dashboard's breakdowns of one filter: by month, service category, township and team.

Each row is ``{"key", "person_times", "records", "events", "hours"}`` — the same shape
``rollups.breakdown(flt, reach, dimension)`` answers with at province scale; this module asks the
rollups first and counts over the raw facts (facts.py) when they cannot answer (None), so both must
agree (test_breakdowns.py checks it whenever the rollups answer).

    month     key "YYYY-MM" of the day served
    category  key the service type's category code ("" for an activity without a type)
    township  key the 9-digit township code ("" for a fact without a township)
    team      key the team id (None for a fact without a team)

The counting rules are those of metrics.py (DESIGN.md §2): 人次 = records of person-time types
+ activities' anonymous headcounts; records = every live record; events = held activities;
hours = providers' + participants' hours. An activity counts under *each* of its categories or
teams (like ``by_type``): those rows may add up to more than the total, month and township rows
never do (one day and one place per fact).
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from xianfeng.servicelog.models import Activity

from .facts import Facts, facts_for
from .filters import ReportFilter
from .metrics import TENTH, ZERO, _activity_types

DIMENSIONS = ("month", "category", "township", "team")


def breakdown(
    flt: ReportFilter, reach: list, dimension: str, *, facts: Facts | None = None, wait: bool = True
) -> list[dict]:
    """Rows of ``dimension`` for ``flt`` within ``reach``: from the rollups when they answer
    (``wait=False``: without first recomputing what writers marked, see rollups_background)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    if not reach:
        return []
    from . import rollups

    rows = rollups.breakdown(flt, reach, dimension, wait=wait)
    if rows is not None:
        return sort_rows(rows, dimension)
    return raw_breakdown(facts or facts_for(flt, reach), dimension)


def raw_breakdown(facts: Facts, dimension: str) -> list[dict]:
    """The rows counted over the raw facts (the reference the rollups are checked against)."""
    rows: dict = defaultdict(_empty)
    if dimension in ("month", "township"):
        _by_column(rows, facts, dimension)
    else:
        _by_kind(rows, facts, dimension)
    result = [{"key": key, **values} for key, values in rows.items()]
    for row in result:
        row["hours"] = row["hours"].quantize(TENTH)
    return sort_rows(result, dimension)


def sort_rows(rows: list[dict], dimension: str) -> list[dict]:
    if dimension in ("month", "township"):
        return sorted(rows, key=lambda r: r["key"] or "~")  # no place last
    if dimension == "team":
        return sorted(rows, key=lambda r: (r["key"] is None, -r["person_times"], -r["records"], r["key"] or 0))
    return sorted(rows, key=lambda r: (-r["person_times"], -r["records"], r["key"]))


def _empty() -> dict:
    return {"person_times": 0, "records": 0, "events": 0, "hours": ZERO}


def _column(dimension: str):
    return TruncMonth("served_on") if dimension == "month" else F("township_code")


def _key(value, dimension: str):
    if dimension == "month":
        return value.strftime("%Y-%m")
    return value or ""


def _by_column(rows: dict, facts: Facts, dimension: str) -> None:
    """Month and township: every fact carries its own day and place, so one grouped query each."""
    column = _column(dimension)
    person_time = Q(service_type__counts_person_time=True)
    for row in facts.records.values(k=column).annotate(n=Count("pk"), pt=Count("pk", filter=person_time)):
        entry = rows[_key(row["k"], dimension)]
        entry["records"] += row["n"]
        entry["person_times"] += row["pt"]
    for row in facts.activities.values(k=column).annotate(n=Count("pk"), h=Sum("headcount")):
        entry = rows[_key(row["k"], dimension)]
        entry["events"] += row["n"]
        entry["person_times"] += row["h"] or 0
    for qs in (facts.providers, facts.participants):
        for row in qs.values(k=column).annotate(h=Sum("hours")):
            rows[_key(row["k"], dimension)]["hours"] += row["h"] or ZERO


def _by_kind(rows: dict, facts: Facts, dimension: str) -> None:
    """Category and team: records have one; an activity has several (or none) and counts under each."""
    record_key = "service_type__category" if dimension == "category" else "team_id"
    person_time = Q(service_type__counts_person_time=True)
    for row in facts.records.values(k=F(record_key)).annotate(n=Count("pk"), pt=Count("pk", filter=person_time)):
        entry = rows[_kind_key(row["k"], dimension)]
        entry["records"] += row["n"]
        entry["person_times"] += row["pt"]
    provider_key = f"record__{record_key}"
    for row in facts.providers.values(k=F(provider_key)).annotate(h=Sum("hours")):
        rows[_kind_key(row["k"], dimension)]["hours"] += row["h"] or ZERO

    headcount = dict(facts.activities.values_list("pk", "headcount"))
    if not headcount:
        return
    keys: dict[int, set] = defaultdict(set)
    for activity_id, key in _activity_keys(facts, dimension):
        keys[activity_id].add(_kind_key(key, dimension))
    hours = dict(facts.participants.values("activity_id").annotate(h=Sum("hours")).values_list("activity_id", "h"))
    for activity_id, people in headcount.items():
        for key in keys.get(activity_id) or {_kind_key(None, dimension)}:
            entry = rows[key]
            entry["events"] += 1
            entry["person_times"] += people or 0
            entry["hours"] += hours.get(activity_id) or ZERO


def _activity_keys(facts: Facts, dimension: str):
    """(activity id, category or team id) pairs of the counted activities, narrowed like the
    filter (a category filter keeps that category's types; a team filter that team)."""
    if dimension == "category":
        return _activity_types(facts).values_list("activity_id", "servicetype__category").distinct()
    through = Activity.teams.through.objects.filter(activity__in=facts.activities.values("pk"))
    if facts.flt.team is not None:
        through = through.filter(team_id=facts.flt.team.pk)
    return through.values_list("activity_id", "team_id")


def _kind_key(value, dimension: str):
    if dimension == "category":
        return value or ""
    return value  # team id, or None


def months(flt: ReportFilter) -> list[str]:
    """Every month of the period ("YYYY-MM"), so a trend shows the quiet months as zeros."""
    result, year, month = [], flt.start.year, flt.start.month
    while (year, month) <= (flt.end.year, flt.end.month):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def month_series(flt: ReportFilter, rows: list[dict]) -> list[dict]:
    """The month rows with the empty months filled in (a long period keeps its real rows only)."""
    found = {row["key"]: row for row in rows}
    every = months(flt)
    if len(every) > 240:
        return rows
    return [found.get(key) or {"key": key, **_empty()} for key in every]


def total(rows: list[dict], key: str):
    return sum((row[key] for row in rows), Decimal(0) if key == "hours" else 0)

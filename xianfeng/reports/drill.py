"""The rows behind each figure (DESIGN.md §2: every figure links to the exact records behind it).

``figure_rows(facts, key)`` names, per kind of row, the queryset a figure counts: a figure always
equals what these rows add up to (tests check it), a drill-down page lists them, and a published
snapshot fingerprints them (snapshots.py).

    person_times       records of person-time types (1 each) + activities with a headcount (n each)
    persons            records to a resident (distinct residents)
    households         records counting for a household (distinct households)
    events             held activities
    townships_covered  records and activities with a township (distinct codes); villages likewise
    hours              providers' hours + participants' hours
    quantity           records + activity quantities (by unit)

Rows are counted within the reader's reach (reach.py) but listed only through ``scoped()``:
``visible(user, qs)`` is what a reader may open; the rest is shown as a count (a leader counts
psychiatric follow-ups without reading them).
"""

from django.db.models import QuerySet

from xianfeng.accounts.scoping import scoped

from .facts import Facts
from .metrics import _households

RECORD, ACTIVITY, PROVIDER, PARTICIPANT, QUANTITY = "record", "activity", "provider", "participant", "quantity"
DRILLABLE = (
    "person_times",
    "persons",
    "households",
    "events",
    "townships_covered",
    "villages_covered",
    "hours",
    "quantity",
)


def figure_rows(facts: Facts, key: str) -> dict[str, QuerySet]:
    """{kind: queryset} of the rows behind figure ``key`` (KeyError for a figure without rows)."""
    if key == "person_times":
        return {RECORD: facts.person_time_records, ACTIVITY: facts.headcount_activities}
    if key == "persons":
        return {RECORD: facts.records.exclude(resident=None)}
    if key == "households":
        return {RECORD: _households(facts.records)}
    if key == "events":
        return {ACTIVITY: facts.activities}
    if key == "townships_covered":
        return {
            RECORD: facts.records.exclude(township_code=""),
            ACTIVITY: facts.activities.exclude(township_code=""),
        }
    if key == "villages_covered":
        return {
            RECORD: facts.records.exclude(village_code=""),
            ACTIVITY: facts.activities.exclude(village_code=""),
        }
    if key == "hours":
        return {PROVIDER: facts.providers.exclude(hours=0), PARTICIPANT: facts.participants.exclude(hours=0)}
    if key == "quantity":
        return {RECORD: facts.records, QUANTITY: facts.quantities}
    raise KeyError(key)


def visible(user, qs: QuerySet) -> QuerySet:
    """The rows of a figure that ``user`` may open (the others are counted, not listed)."""
    return scoped(user, qs)

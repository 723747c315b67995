"""Figure families that other apps add to the reports (issue 12 §4): the hotline, the needs ledger.

The service-log figures (metrics.py) count service records and activities; a family counts an
app's own facts (calls and their escalations, needs) with its own rules, within the same filter
and the same reach. The reports app does not import those apps: they register here from their
``AppConfig.ready()`` (DESIGN.md §4.11), and every reports page reads the registry.

    register_family(key, label, compute, definitions, drill, headline=..., page=..., has_data=...)

- ``compute(flt, reach) -> dict``: the family's figures (``metrics_for`` puts them under
  ``result[key]``; the API, ``manage.py report`` and the dashboard print them).
- ``definitions``: {figure key: MetricDef} — the 口径 printed beside each figure.
- ``drill(flt, reach, key, params) -> FamilyRows``: the rows a count figure counts, within the
  reach (KeyError for a figure without rows: a rate, a median). The drill-down lists only the
  rows ``scoped()`` lets the reader open and counts the others (a leader counts hotline calls,
  health data, without reading them).
- ``headline``: the figures of the dashboard's panel; ``drillable``: the count figures that
  have rows (``drill`` answers for them); ``page``: the URL name of the family's own
  page (the hotline dashboard, the needs figures); ``has_data(figures)``: whether the panel shows.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet

from .definitions import MetricDef


@dataclass
class FamilyRows:
    """The rows behind one count figure of a family (counted within the reach)."""

    rows: QuerySet
    title: str
    template: str  # renders one page of visible rows as ``rows``
    hidden_text: str  # "另有 %(n)s …，仅计数不显示"
    detail: str = ""  # URL name of one row's page (pk argument), "" for none
    select_related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    key: str
    label: str
    compute: Callable[..., dict]
    definitions: Mapping[str, MetricDef]
    drill: Callable[..., FamilyRows]
    headline: tuple[str, ...] = ()
    drillable: tuple[str, ...] = ()
    page: str = ""
    has_data: Callable[[dict], bool] = field(default=lambda figures: True)

    def definition(self, key: str) -> MetricDef:
        return self.definitions[key]


_families: dict[str, Family] = {}


def register_family(
    key: str,
    label,
    compute: Callable[..., dict],
    definitions: Mapping[str, MetricDef],
    drill: Callable[..., FamilyRows],
    *,
    headline: tuple[str, ...] = (),
    drillable: tuple[str, ...] = (),
    page: str = "",
    has_data: Callable[[dict], bool] | None = None,
) -> Family:
    """Add (or replace, on a second ready()) a family of figures."""
    family = Family(
        key=key,
        label=label,
        compute=compute,
        definitions=definitions,
        drill=drill,
        headline=headline,
        drillable=drillable,
        page=page,
        has_data=has_data or (lambda figures: True),
    )
    _families[key] = family
    return family


def families() -> list[Family]:
    return list(_families.values())


def get_family(key: str) -> Family | None:
    return _families.get(key)


def family_metrics(flt, reach: list) -> dict[str, dict]:
    """{family key: its figures} of ``flt`` within ``reach`` (zeros for an empty reach)."""
    return {family.key: family.compute(flt, reach) for family in families()}

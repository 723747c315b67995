"""Published figures that prove they were not quietly changed (issue 11 §5).

Publishing freezes, for each figure with rows behind it (drill.DRILLABLE; 服务数量 one figure per
unit), the value and a fingerprint of every row the figure counts:

    "<kind>:<id>" -> SHA-256 (first 16 hex digits) of the fields that decide whether and how
                     the row counts in that figure

The fields are the row's place and day, organization, type and team (whether it falls in the
filter at all) plus what the figure adds up (a record's resident for 人数, its household for 户,
a headcount for 人次, hours, quantities). A note, a result or a phone number is not among them:
editing one changes no figure and is not reported. The digest is a SHA-256 over the sorted
"key=fingerprint" lines; the mapping itself is kept zlib-compressed so that verification can say
which rows changed, not only that something did.

Verification rebuilds the filter from the stored parameters without a user (a system check: an
organization, team or region is resolved by id or code, unscoped) and recomputes the rows within
the reach frozen at publication, so it answers the same whoever runs it and whatever happened to
the publisher's grants since. Compared with the published mapping:

    added    rows behind the figure now that were not then (a new or back-dated record)
    removed  rows behind it then that are not now (voided, or moved out of the filter)
    changed  rows behind it both times whose counted fields differ

Rows are streamed with ``values_list(...).iterator()``, one query per figure and kind of row (and
one for an activity's types and teams), never one per row: 300 000 records publish in seconds.
"""

import datetime
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.servicelog.models import Activity, ServiceType
from xianfeng.teams.models import Team

from .definitions import METRICS
from .drill import ACTIVITY, DRILLABLE, PARTICIPANT, PROVIDER, QUANTITY, RECORD, figure_rows
from .facts import Facts
from .filters import ReportFilter
from .models import SnapshotFigure

CHUNK = 5000
FINGERPRINT_HEX = 16  # 64 bits a row: enough to tell a changed row, a quarter of the storage
LIST_CAP = 200  # keys kept per list in Snapshot.changes; the counts stay exact
QUANTITY_PREFIX = "quantity:"
PLACE = ("served_on", "org_id", "village_code", "township_code", "county_code")

# How a row is named: facts by id; the rows hanging off them by what they are unique for, since
# editing a record rewrites its providers (and an activity its participants) as new rows: the
# same person's hours on the same record is the same row to a reader.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    RECORD: ("pk",),
    ACTIVITY: ("pk",),
    PROVIDER: ("record_id", "member_id"),
    PARTICIPANT: ("activity_id", "member_id"),
    QUANTITY: ("activity_id", "service_type_id"),
}

# Fields of each kind of row that decide whether it falls in the filter (and stays counted).
BASE_FIELDS: dict[str, tuple[str, ...]] = {
    RECORD: (*PLACE, "service_type_id", "team_id", "voided_at"),
    ACTIVITY: (*PLACE, "status", "voided_at"),  # + its service types and teams (_ActivityLinks)
    PROVIDER: (*PLACE, "counted"),
    PARTICIPANT: (*PLACE, "counted"),
    QUANTITY: (*PLACE, "counted"),
}

# What each figure adds up from a row, beyond whether the row is counted at all.
FIGURE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "person_times": {ACTIVITY: ("headcount",)},
    "persons": {RECORD: ("resident_id",)},
    "households": {RECORD: ("hh",)},  # the record's household, else the resident's (drill.py)
    "events": {},
    "townships_covered": {},
    "villages_covered": {},
    "hours": {PROVIDER: ("hours",), PARTICIPANT: ("hours",)},
    "quantity": {RECORD: ("quantity", "service_type__unit"), QUANTITY: ("quantity", "unit")},
}


class SnapshotError(Exception):
    """A snapshot whose filter cannot be rebuilt (an organization, team or type is gone)."""


# --- the filter of a snapshot, rebuilt without a user ----------------------------------------


def filter_from_params(params: dict) -> ReportFilter:
    """The ReportFilter of stored URL parameters (ReportFilter.params()), resolved unscoped:
    publication checked them against the publisher's scope; verification is a system check."""

    def pick(model, **lookup):
        found = model.objects.filter(**lookup).first()
        if found is None:
            what = f"{model._meta.verbose_name} {next(iter(lookup.values()))}"
            raise SnapshotError(_("无法重建筛选条件：%(what)s 已不存在") % {"what": what})
        return found

    try:
        start = datetime.date.fromisoformat(params["from"])
        end = datetime.date.fromisoformat(params["to"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(_("无法重建筛选条件：期间无效")) from exc
    return ReportFilter(
        start=start,
        end=end,
        org=pick(Organization, pk=params["org"]) if params.get("org") else None,
        region=pick(Region, code=params["region"]) if params.get("region") else None,
        team=pick(Team, pk=params["team"]) if params.get("team") else None,
        service_type=pick(ServiceType, code=params["type"]) if params.get("type") else None,
        category=params.get("category", ""),
        program=params.get("program", ""),
    )


def describe_many(snapshots: Iterable) -> dict[int, str]:
    """{snapshot pk: its filter's description} for a page of snapshots, in four queries."""
    snapshots = list(snapshots)

    def ids(param):
        return {s.params[param] for s in snapshots if s.params.get(param)}

    orgs = {str(o.pk): o for o in Organization.objects.filter(pk__in=ids("org"))}
    regions = {r.code: r for r in Region.objects.filter(code__in=ids("region"))}
    teams = {str(t.pk): t for t in Team.objects.filter(pk__in=ids("team"))}
    types = {t.code: t for t in ServiceType.objects.filter(code__in=ids("type"))}
    result = {}
    for s in snapshots:
        p = s.params
        try:
            flt = ReportFilter(
                start=datetime.date.fromisoformat(p["from"]),
                end=datetime.date.fromisoformat(p["to"]),
                org=orgs.get(str(p.get("org", ""))),
                region=regions.get(p.get("region", "")),
                team=teams.get(str(p.get("team", ""))),
                service_type=types.get(p.get("type", "")),
                category=p.get("category", ""),
                program=p.get("program", ""),
            )
            result[s.pk] = flt.describe()
        except (KeyError, ValueError, ValidationError):  # a program or category since removed
            result[s.pk] = " · ".join(str(v) for v in p.values())
    return result


# --- the figures and the rows behind them ------------------------------------------------------


@dataclass
class FigureSpec:
    key: str
    label: str
    value: Decimal
    rows: dict[str, QuerySet]  # {kind: queryset}
    fields: dict[str, tuple[str, ...]]  # {kind: fields fingerprinted}


def figure_specs(facts: Facts, result: dict, units: Iterable[str] = ()) -> list[FigureSpec]:
    """The figures of ``result`` (metrics) with their rows; 服务数量 one figure per unit (the
    units counted now and ``units``, those published)."""
    specs = []
    for key in DRILLABLE:
        extra = FIGURE_FIELDS[key]
        fields = {kind: BASE_FIELDS[kind] + extra.get(kind, ()) for kind in BASE_FIELDS}
        rows = figure_rows(facts, key)
        if key != "quantity":
            specs.append(FigureSpec(key, str(METRICS[key].label), _decimal(result[key]), rows, fields))
            continue
        for unit in sorted(set(result["quantity"]) | set(units)):
            unit_rows = {
                RECORD: rows[RECORD].filter(service_type__unit=unit),
                QUANTITY: rows[QUANTITY].filter(unit=unit),
            }
            label = _("%(label)s（%(unit)s）") % {"label": METRICS[key].label, "unit": unit}
            value = _decimal(result["quantity"].get(unit, 0))
            specs.append(FigureSpec(QUANTITY_PREFIX + unit, label, value, unit_rows, fields))
    return specs


def _decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


class _ActivityLinks:
    """An activity's service types and teams (many-to-many), read once for all figures."""

    def __init__(self, facts: Facts):
        self.activities = facts.activities
        self._links: dict[int, tuple] | None = None

    def get(self, activity_id: int) -> tuple:
        if self._links is None:
            types: dict[int, list] = {}
            teams: dict[int, list] = {}
            ids = self.activities.order_by().values("pk")
            for target, through, column in (
                (types, Activity.service_types.through, "servicetype_id"),
                (teams, Activity.teams.through, "team_id"),
            ):
                pairs = through.objects.filter(activity_id__in=ids).values_list("activity_id", column)
                for activity, linked in pairs.iterator(chunk_size=CHUNK):
                    target.setdefault(activity, []).append(linked)
            self._links = {a: (sorted(types.get(a, ())), sorted(teams.get(a, ()))) for a in types.keys() | teams.keys()}
        return self._links.get(activity_id, ((), ()))


def fingerprint(values) -> str:
    """SHA-256 (first FINGERPRINT_HEX digits) of a row's counted fields as the database gives
    them: ``str`` is canonical for what it returns (a decimal always with its column's places, a
    date in ISO form, None as "None"), and a per-row type dispatch would double publishing time."""
    return hashlib.sha256("\x1f".join(map(str, values)).encode()).hexdigest()[:FINGERPRINT_HEX]


def _stream(spec: FigureSpec, links: _ActivityLinks) -> Iterator[tuple[str, str]]:
    for kind, qs in spec.rows.items():
        keys, fields = KEY_FIELDS[kind], spec.fields[kind]
        width = len(keys)
        for row in qs.order_by().values_list(*keys, *fields).iterator(chunk_size=CHUNK):
            values = list(row[width:])
            if kind == ACTIVITY:
                values.extend(links.get(row[0]))  # sorted lists of type and team ids
            yield f"{kind}:{'-'.join(str(v) for v in row[:width])}", fingerprint(values)


def row_map(spec: FigureSpec, links: _ActivityLinks) -> dict[str, str]:
    return dict(_stream(spec, links))


def digest_of(mapping: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(mapping):
        h.update(f"{key}={mapping[key]}\n".encode())
    return h.hexdigest()


def pack(mapping: dict[str, str]) -> bytes:
    return zlib.compress(json.dumps(mapping, separators=(",", ":"), sort_keys=True).encode(), 6)


def unpack(blob) -> dict[str, str]:
    return json.loads(zlib.decompress(bytes(blob))) if blob else {}


@dataclass
class Frozen:
    key: str
    label: str
    value: Decimal
    record_count: int
    digest: str
    rows: bytes


def freeze(facts: Facts, result: dict) -> list[Frozen]:
    """Every figure of ``result`` with the fingerprints of its rows, as published."""
    links = _ActivityLinks(facts)
    frozen = []
    for spec in figure_specs(facts, result):
        mapping = row_map(spec, links)
        frozen.append(Frozen(spec.key, spec.label, spec.value, len(mapping), digest_of(mapping), pack(mapping)))
    return frozen


# --- verification -------------------------------------------------------------------------------

# What a published figure depends on, as the audit trail names it: every service writes its
# ChangeLog row in the same transaction, so a row here newer than the last check means the facts
# may have moved (a void, an edit, a back-dated record, an import, a household move).
FACT_MODELS = (
    "servicelog.ServiceRecord",
    "servicelog.Activity",
    "servicelog.ServiceType",
    "residents.Resident",
    "residents.Household",
    "orgs.Organization",
    "programs.Visit",
    "programs.Enrollment",
)


def facts_changed_since(moment) -> bool:
    """Whether anything a figure counts was written after ``moment`` (None: never checked)."""
    from xianfeng.audit.models import ChangeLog

    if moment is None:
        return True
    return ChangeLog.objects.filter(at__gt=moment, model__in=FACT_MODELS).exists()


def parse_key(key: str) -> tuple[str, tuple[int, ...]]:
    """("provider", (record id, member id)) from "provider:12-5"."""
    kind, _sep, rest = key.partition(":")
    parts = rest.split("-")
    return kind, tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()


def sort_key(key: str):
    return parse_key(key)


def _capped(keys: set[str]) -> list[str]:
    return sorted(keys, key=sort_key)[:LIST_CAP]


def _number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def compare(snapshot, facts: Facts, result: dict) -> dict[str, dict]:
    """{figure key: what changed} between the published figures and the rows now; {} = intact."""
    published = {f.key: f for f in snapshot.figures.defer("rows")}
    units = [key.removeprefix(QUANTITY_PREFIX) for key in published if key.startswith(QUANTITY_PREFIX)]
    links = _ActivityLinks(facts)
    changes = {}
    for spec in figure_specs(facts, result, units):
        mapping = row_map(spec, links)
        figure = published.get(spec.key)
        if figure is not None and figure.digest == digest_of(mapping) and figure.value == spec.value:
            continue
        before = _published_rows(figure)
        added = mapping.keys() - before.keys()
        removed = before.keys() - mapping.keys()
        changed = {key for key in mapping.keys() & before.keys() if mapping[key] != before[key]}
        changes[spec.key] = {
            "records": len({fact_of(key) for key in added | removed | changed}),
            "label": figure.label if figure else spec.label,
            "published": _number(figure.value) if figure else 0,
            "now": _number(spec.value),
            "added": _capped(added),
            "removed": _capped(removed),
            "changed": _capped(changed),
            "added_count": len(added),
            "removed_count": len(removed),
            "changed_count": len(changed),
        }
    return changes


def _published_rows(figure) -> dict[str, str]:
    """The published mapping, read only for a figure that changed (it can be megabytes)."""
    if figure is None:
        return {}
    return unpack(SnapshotFigure.objects.filter(pk=figure.pk).values_list("rows", flat=True).get())


def fact_of(key: str) -> str:
    """The record or activity a row belongs to: "record:12" for "provider:12-5". A reader counts
    a voided record once, not once more for the hours that went with it."""
    kind, ids = parse_key(key)
    if kind in (PROVIDER,) and ids:
        return f"{RECORD}:{ids[0]}"
    if kind in (PARTICIPANT, QUANTITY) and ids:
        return f"{ACTIVITY}:{ids[0]}"
    return key


def rows_affected(changes: dict[str, dict]) -> int:
    """Distinct records and activities named in the changes (exact unless a list was capped)."""
    facts = set()
    for entry in changes.values():
        facts.update(fact_of(key) for how in ("added", "removed", "changed") for key in entry[how])
    return max([len(facts)] + [entry["records"] for entry in changes.values()])


def summary_line(changes: dict[str, dict]) -> str:
    """One line for the command and the list: "3 条记录在发布后发生变化，影响「服务人次」…"."""
    if not changes:
        return _("未变化")
    labels = "".join(f"「{entry['label']}」" for entry in changes.values())
    return _("%(n)s 条记录在发布后发生变化，影响%(labels)s") % {"n": rows_affected(changes), "labels": labels}

"""The statistics table in the layout superiors ask for (issue 11 §3): one row per organization,
team or region, one column per chosen figure, and a total row that IS the dashboard's figure.

Each row is the same filter narrowed to that row (the organization's subtree, the team, the
region) and counted with ``metrics_for_reach``, so a cell equals the dashboard opened with the
row's filter, and links to the drill-down of exactly that filter. The total row is not a sum:
it is ``metrics_for`` for the table's own filter. Persons, households and places are distinct
counts (one resident served by two branches counts once in the total), an activity of two teams
appears in both rows, and facts of a parent organization itself or outside the listed regions
belong to no row; the footnote says so rather than printing a sum that would disagree with the
dashboard.

    table_rows(user, flt, "org", ["person_times", "persons"]) -> Table
    table_xlsx(user, flt, "township", keys, progress=None) -> bytes (openpyxl)
"""

import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import scoped
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.teams.models import Team

from .definitions import COUNT_KEYS, METRICS, MetricDef
from .facts import facts_for
from .filters import ReportFilter
from .metrics import covered_codes, metrics_for, metrics_for_reach, scope_region_prefixes
from .reach import is_all, reach_of

# A table per organization costs a dozen queries a row: past this many rows the reader is asked
# to narrow the filter (e.g. villages of a whole province) instead of waiting minutes.
ROW_LIMIT = 200

ROW_KINDS = {
    "org": gettext_lazy("组织"),
    "team": gettext_lazy("队伍"),
    "county": gettext_lazy("县（市、区）"),
    "township": gettext_lazy("乡镇（街道）"),
    "village": gettext_lazy("村（社区）"),
}
REGION_KINDS = {
    "county": (Region.Level.COUNTY, 6),
    "township": (Region.Level.TOWNSHIP, 9),
    "village": (Region.Level.VILLAGE, 12),
}
# Figures with one number per row (quantities are one number per unit: the dashboard has them).
TABLE_KEYS = (*COUNT_KEYS, "hours")
DEFAULT_KEYS = ("person_times", "persons", "households", "events", "townships_covered", "hours")
DISTINCT_KEYS = {"persons", "households", "townships_covered", "villages_covered"}


class TableError(ValueError):
    """A row kind or figure the table does not know (the page shows the message)."""


@dataclass
class Table:
    flt: ReportFilter
    kind: str
    columns: list[MetricDef]
    rows: list[tuple[str, str, dict]] = field(default_factory=list)  # (label, filter query, {key: value})
    total: dict = field(default_factory=dict)
    message: str = ""  # why rows are missing or narrowed (too many rows)

    @property
    def kind_label(self) -> str:
        return str(ROW_KINDS[self.kind])

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def nonzero_rows(self) -> list[tuple[str, str, dict]]:
        return [row for row in self.rows if any(row[2].get(key) for key in self.keys)]

    @property
    def footnotes(self) -> list[str]:
        notes = [_("合计行按同一筛选条件直接统计，与统计看板的数字一致。")]
        distinct = [str(c.label) for c in self.columns if c.key in DISTINCT_KEYS]
        if distinct:
            notes.append(
                _("%(names)s合计按去重计算（同一对象在多行出现只计一次），不等于各行相加。")
                % {"names": "、".join(distinct)}
            )
        if self.kind == "org":
            notes.append(_("上级组织本级直接登记的数据计入合计，不属于任何下级组织的行。"))
        elif self.kind == "team":
            notes.append(_("属于多支队伍的活动在每支队伍的行中各计一次；未指定队伍的记录只计入合计。"))
        else:
            notes.append(_("没有地点的记录（如匿名来电）和范围外地点的记录只计入合计。"))
        return notes


def parse_keys(values) -> list[str]:
    """Figure keys from ``metrics=a,b`` (or repeated ``metrics=``): DEFAULT_KEYS when none."""
    keys: list[str] = []
    for value in values:
        for key in str(value).split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    unknown = [k for k in keys if k not in TABLE_KEYS]
    if unknown:
        raise TableError(_("表格没有这个指标：%(keys)s") % {"keys": "、".join(k[:30] for k in unknown)})
    return keys or list(DEFAULT_KEYS)


def table_rows(user, flt: ReportFilter, rows: str, metric_keys, progress: Callable | None = None) -> Table:
    """The table of ``flt`` with a row per ``rows`` ("org", "team", "county", "township",
    "village") and a column per key; TableError for an unknown kind or key."""
    if rows not in ROW_KINDS:
        raise TableError(_("行只能按组织、队伍、县、乡镇或村划分"))
    keys = parse_keys(metric_keys)
    reach = reach_of(user)
    table = Table(flt=flt, kind=rows, columns=[METRICS[k] for k in keys])
    candidates, table.message = _candidates(user, flt, reach, rows)
    for index, (label, row_filter) in enumerate(candidates):
        values = metrics_for_reach(row_filter, reach)
        table.rows.append((label, row_filter.query(), {k: values[k] for k in keys}))
        if progress is not None:
            progress(int(90 * (index + 1) / len(candidates)))
    total = metrics_for(user, flt, with_programs=False)
    table.total = {k: total[k] for k in keys}
    return table


def _candidates(user, flt, reach, rows) -> tuple[list[tuple[str, ReportFilter]], str]:
    if rows == "org":
        found, narrow = _org_rows(user, flt, reach), "org"
    elif rows == "team":
        found, narrow = _team_rows(user, flt, reach), "team"
    else:
        found, narrow = _region_rows(user, flt, reach, rows), "region"
    if found is TOO_MANY:
        return [], _("行数超过 %(n)s，请缩小范围（如先选择县或乡镇）后再按此划分") % {"n": ROW_LIMIT}
    message = ""
    if isinstance(found, _Narrowed):
        message = _("范围内超过 %(n)s 行，只列出有服务数据的行") % {"n": ROW_LIMIT}
    return [(str(item.name), dataclasses.replace(flt, **{narrow: item})) for item in found], message


class _TooMany(list):
    pass


class _Narrowed(list):
    pass


TOO_MANY = _TooMany()


def _limited(rows: list, narrowed: Callable):
    """``rows`` if few enough; else the rows with facts only (``narrowed()``), else TOO_MANY."""
    if len(rows) <= ROW_LIMIT:
        return rows
    rows = narrowed()
    return _Narrowed(rows) if len(rows) <= ROW_LIMIT else TOO_MANY


def _org_rows(user, flt, reach):
    """Children of the filter's organization, or of the reach's top organizations (the top
    organizations themselves when there are several, or no children to show)."""
    orgs = scoped(user, Organization).order_by("path")
    if flt.org is not None:
        parents = [flt.org]
    elif is_all(reach):
        parents = list(orgs.filter(parent=None))
    else:
        ids = {item["org_id"] for item in reach if item.get("org_id")}
        parents = list(orgs.filter(pk__in=ids)) if ids else list(orgs)
        parents = [p for p in parents if not any(p is not o and p.path.startswith(o.path) for o in parents)]
    if len(parents) == 1:
        children = list(orgs.filter(parent=parents[0])[: ROW_LIMIT + 1])
        parents = children or parents
    return parents if len(parents) <= ROW_LIMIT else TOO_MANY


def _team_rows(user, flt, reach):
    teams = scoped(user, Team).order_by("name", "pk")
    if flt.team is not None:
        return [flt.team]
    if flt.org is not None:
        teams = teams.filter(owner_org__path__startswith=flt.org.path)

    def with_facts():
        facts = facts_for(flt, reach)
        used = set(facts.records.exclude(team=None).values_list("team", flat=True).distinct())
        used |= set(facts.activities.values_list("teams", flat=True).distinct()) - {None}
        return list(teams.filter(pk__in=used))

    return _limited(list(teams[: ROW_LIMIT + 1]), with_facts)


def _region_rows(user, flt, reach, rows):
    """Regions of the row level within the filter's region, or the scope's regions."""
    level, length = REGION_KINDS[rows]
    regions = scoped(user, Region).filter(level=level).order_by("code")
    if flt.region is not None and len(flt.region.code) >= length:
        return [flt.region] if len(flt.region.code) == length else []
    prefixes = scope_region_prefixes(flt, reach)
    if prefixes is not None:
        within = Q(pk__in=[])
        for prefix in prefixes:
            within |= Q(code__startswith=prefix) if len(prefix) <= length else Q(code=prefix[:length])
        regions = regions.filter(within)

    def with_facts():
        facts = facts_for(flt, reach)
        if rows == "county":
            codes = set()
            for qs in (facts.records, facts.activities):
                codes |= set(qs.exclude(county_code="").values_list("county_code", flat=True).distinct())
        else:
            townships, villages = covered_codes(facts)
            codes = townships if rows == "township" else villages
        return list(regions.filter(code__in=codes))

    return _limited(list(regions[: ROW_LIMIT + 1]), with_facts)


# --- Excel ---------------------------------------------------------------------------------


def _cell(value):
    return float(value) if isinstance(value, Decimal) else value


def _header(column: MetricDef) -> str:
    return f"{column.label}（{column.unit}）" if column.unit else str(column.label)


def table_xlsx(user, flt: ReportFilter, rows: str, metric_keys, progress: Callable | None = None) -> bytes:
    """The table as a workbook: a title row with the filter, the header, the rows, the total
    row and the footnotes; a second sheet "口径" with each column's definition."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    table = table_rows(user, flt, rows, metric_keys, progress=progress)
    book = Workbook()
    sheet = book.active
    sheet.title = _("统计表")
    sheet.append([_("服务统计表（按%(kind)s）· %(filter)s") % {"kind": table.kind_label, "filter": flt.describe()}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([table.kind_label] + [_header(c) for c in table.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for label, _query, values in table.rows:
        sheet.append([label] + [_cell(values[k]) for k in table.keys])
    sheet.append([_("合计")] + [_cell(table.total[k]) for k in table.keys])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    if table.message:
        sheet.append([table.message])
    for note in table.footnotes:
        sheet.append([note])
    sheet.column_dimensions["A"].width = 24
    for index in range(len(table.columns)):
        sheet.column_dimensions[chr(ord("B") + index)].width = 14
    definitions = book.create_sheet(_("口径"))
    definitions.append([_("指标"), _("单位"), _("口径")])
    for cell in definitions[1]:
        cell.font = Font(bold=True)
    for column in table.columns:
        definitions.append([str(column.label), str(column.unit), str(column.definition)])
    definitions.column_dimensions["A"].width = 16
    definitions.column_dimensions["C"].width = 90
    for row in definitions.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    if progress is not None:
        progress(100)
    return out.getvalue()

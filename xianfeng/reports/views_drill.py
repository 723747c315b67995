"""Drill-down (issue 11 §2): from a figure to the rows behind it, with the same filter.

The rows are ``drill.figure_rows(facts_for(flt, reach_of(user)), key)``: exactly what the figure
counts. They are counted within the reader's reach but LISTED only through ``drill.visible``
(``scoped()``): a leader counts psychiatric follow-ups without reading them, so those appear as
one line "另有 N 条健康信息记录，仅计数不显示". Each section adds up its listed and hidden rows the
way the figure weighs them (1 per record, an activity's headcount, distinct residents, hours), and
the page prints that total beside the figure: the two must agree, and the tests hold them to it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import scoped
from xianfeng.core.pagination import CachedCountPaginator
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog import hooks
from xianfeng.servicelog.models import Unit

from . import drill
from .definitions import METRICS
from .facts import facts_for
from .forms_filter import filter_from_request
from .metrics import CENT, TENTH, metrics_for_reach
from .models import Snapshot
from .reach import may_read_reports, reach_of

PER_PAGE = 50
ZERO = Decimal("0")
PLACE_FIELDS = {"townships_covered": ("township_code", 9), "villages_covered": ("village_code", 12)}
HIDDEN_TEXT = {
    "records": gettext_lazy("另有 %(n)s 条健康信息记录，仅计数不显示"),
    "activities": gettext_lazy("另有 %(n)s 场活动不在您的查看范围内，仅计数不显示"),
    "residents": gettext_lazy("另有 %(n)s 人只有健康信息记录，仅计数不显示"),
    "households": gettext_lazy("另有 %(n)s 户只有健康信息记录，仅计数不显示"),
    "providers": gettext_lazy("另有 %(n)s 条健康信息记录的服务时长，仅计数不显示"),
    "participants": gettext_lazy("另有 %(n)s 条活动参与时长不在您的查看范围内，仅计数不显示"),
    "quantities": gettext_lazy("另有 %(n)s 条活动服务数量不在您的查看范围内，仅计数不显示"),
}


@dataclass
class Section:
    """One kind of row behind the figure: a page of the listed rows, and the rows counted but
    not listed. ``listed`` and ``hidden_weight`` are what they add up to, weighed as the figure
    weighs them; a section with ``counts=False`` only shows the rows (a place's records)."""

    kind: str
    title: str
    page: object
    listed: Decimal | int = 0
    hidden: int = 0
    hidden_weight: Decimal | int = 0
    counts: bool = True
    prev_url: str = ""
    next_url: str = ""
    listed_rows: int = 0  # how many rows the listed part has (all pages)
    weigh: str = ""  # "headcount" or "quantity" when a row weighs more than 1

    @property
    def weight(self):
        return self.listed + self.hidden_weight

    @property
    def hidden_text(self) -> str:
        return HIDDEN_TEXT[self.kind] % {"n": self.hidden} if self.hidden else ""


def _sum(qs, field: str):
    return qs.aggregate(s=Sum(field))["s"] or 0


class DrillView(ScopedListView):
    """/reports/drill/<key>/?<filter>[&unit=份]: the figure, its 口径 and the rows behind it."""

    model = Snapshot  # the reports area: reports.view

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user)

    def get(self, request, key):
        if key not in drill.DRILLABLE:
            raise Http404("No such figure")
        flt, filter_form = filter_from_request(request)
        context = {"key": key, "metric": METRICS[key], "filter_form": filter_form, "flt": flt, "sections": []}
        unit = request.GET.get("unit", "").strip()
        if key == "quantity" and unit and unit not in Unit.values:
            context["error"] = _("没有这个计量单位：%(unit)s") % {"unit": unit[:10]}
        elif flt is not None:
            context.update(self._figure(request, flt, key, unit))
        template = "reports/drill_body.html" if request.htmx else "reports/drill.html"
        return render(request, template, context)

    def _figure(self, request, flt, key, unit) -> dict:
        user = request.user
        reach = reach_of(user)
        figures = metrics_for_reach(flt, reach)
        rows = drill.figure_rows(facts_for(flt, reach), key)
        if key == "quantity" and not unit:
            return {"units": _units(flt, figures["quantity"], self._url), "dashboard_url": _dashboard(flt)}
        build = SECTIONS[key]
        sections = build(self, user, flt, rows, unit) if key == "quantity" else build(self, user, flt, rows)
        value = figures["quantity"].get(unit, ZERO) if key == "quantity" else figures[key]
        total = sum((s.weight for s in sections if s.counts), 0)
        if isinstance(total, Decimal):  # SQLite sums decimals as floats; the figure is rounded alike
            total = total.quantize(TENTH if key == "hours" else CENT)
        return {
            "sections": sections,
            "value": value,
            "unit": unit,
            "total": total,
            "row_count": sum(s.listed_rows + s.hidden for s in sections if s.counts),
            "agrees": total == value,
            "dashboard_url": _dashboard(flt),
        }

    # --- one page of a section: each section pages on its own parameter ------------------

    def _url(self, **params) -> str:
        query = self.request.GET.copy()
        for name, value in params.items():
            if value in (None, ""):
                query.pop(name, None)
            else:
                query[name] = value
        return f"{self.request.path}?{query.urlencode()}"

    def _page(self, section: Section, rows) -> Section:
        param = f"p_{section.kind}"
        paginator = CachedCountPaginator(rows, PER_PAGE) if hasattr(rows, "query") else Paginator(rows, PER_PAGE)
        page = paginator.get_page(self.request.GET.get(param))
        section.page = page
        section.listed_rows = paginator.count
        if page.has_previous():
            section.prev_url = self._url(**{param: page.previous_page_number()})
        if page.has_next():
            section.next_url = self._url(**{param: page.next_page_number()})
        return section

    # --- the sections of each figure ------------------------------------------------------

    def records(self, user, rows, *, counts=True, title=None) -> Section:
        visible = drill.visible(user, rows)
        listed = visible.count()
        section = Section("records", title or _("服务记录"), None, listed=listed, counts=counts)
        section.hidden = section.hidden_weight = rows.count() - listed
        ordered = visible.select_related(
            "service_type", "resident__village", "household__head", "household__village", "org", "team"
        ).order_by("-served_on", "-id")
        section = self._page(section, ordered)
        # The fact behind a record (a hotline call, a distribution, a need it resolved), as a link.
        section.page.object_list = rows = list(section.page.object_list)
        sources = hooks.sources_of(rows, self.request.user)
        for row in rows:
            row.source = sources.get(row.pk)
        return section

    def activities(self, user, rows, *, weigh_headcount=False, counts=True) -> Section:
        visible = drill.visible(user, rows)
        title = _("活动（按不记名服务人数计）") if weigh_headcount else _("活动")
        section = Section("activities", title, None, counts=counts)
        section.hidden = rows.count() - visible.count()
        if weigh_headcount:
            section.listed = _sum(visible, "headcount")
            section.hidden_weight = _sum(rows, "headcount") - section.listed
        else:
            section.listed, section.hidden_weight = visible.count(), section.hidden
        section.weigh = "headcount" if weigh_headcount else ""
        return self._page(section, visible.select_related("org", "region").order_by("-served_on", "-id"))

    def person_times(self, user, flt, rows):
        return [
            self.records(user, rows[drill.RECORD]),
            self.activities(user, rows[drill.ACTIVITY], weigh_headcount=True),
        ]

    def persons(self, user, flt, rows):
        records = rows[drill.RECORD]
        visible = drill.visible(user, records)
        grouped = (
            visible.values("resident", "resident__name", "resident__village__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "resident")
        )
        listed = visible.values("resident").distinct().count()
        section = Section("residents", _("服务对象（居民，去重）"), None, listed=listed)
        section.hidden = section.hidden_weight = records.values("resident").distinct().count() - listed
        section = self._page(section, grouped)
        section.page.object_list = rows_page = list(section.page.object_list)
        ids = [row["resident"] for row in rows_page]
        may_open = set(scoped(user, Resident).filter(pk__in=ids).values_list("pk", flat=True))
        for row in rows_page:
            row["may_open"] = row["resident"] in may_open
        return [section]

    def households(self, user, flt, rows):
        records = rows[drill.RECORD]
        visible = drill.visible(user, records)  # figure_rows annotated each with its household (hh)
        listed = visible.values("hh").distinct().count()
        section = Section("households", _("服务户（去重）"), None, listed=listed)
        section.hidden = section.hidden_weight = records.values("hh").distinct().count() - listed
        section = self._page(section, visible.values("hh").annotate(n=Count("pk")).order_by("-n", "hh"))
        section.page.object_list = rows_page = list(section.page.object_list)
        shown = (
            scoped(user, Household).filter(pk__in=[row["hh"] for row in rows_page]).select_related("head", "village")
        )
        by_id = {h.pk: h for h in shown}
        for row in rows_page:
            row["household"] = by_id.get(row["hh"])
        return [section]

    def events(self, user, flt, rows):
        return [self.activities(user, rows[drill.ACTIVITY])]

    def _places(self, user, flt, rows, key):
        code_field, length = PLACE_FIELDS[key]
        counts: dict[str, list[int]] = {}
        for index, kind in enumerate((drill.RECORD, drill.ACTIVITY)):
            for row in rows[kind].values(code_field).annotate(n=Count("pk")).order_by():
                counts.setdefault(row[code_field], [0, 0])[index] += row["n"]
        names = dict(scoped(user, Region).filter(code__in=counts).values_list("code", "name"))
        places = [
            {
                "code": code,
                "name": names.get(code, ""),
                "records": n_records,
                "activities": n_activities,
                "url": self._url(region=code, **{"p_places": None}) if code in names else "",
            }
            for code, (n_records, n_activities) in sorted(counts.items())
        ]
        title = _("覆盖的乡镇") if length == 9 else _("覆盖的村（社区）")
        sections = [self._page(Section("places", title, None, listed=len(places)), places)]
        if flt.region is not None and len(flt.region.code) >= length:
            # One place chosen: its records and activities, the rows that make it covered.
            sections.append(self.records(user, rows[drill.RECORD], counts=False, title=_("该地的服务记录")))
            sections.append(self.activities(user, rows[drill.ACTIVITY], counts=False))
        return sections

    def townships_covered(self, user, flt, rows):
        return self._places(user, flt, rows, "townships_covered")

    def villages_covered(self, user, flt, rows):
        return self._places(user, flt, rows, "villages_covered")

    def _hours_section(self, user, kind, title, rows, related) -> Section:
        visible = drill.visible(user, rows)
        section = Section(kind, title, None, listed=Decimal(_sum(visible, "hours")))
        section.hidden = rows.count() - visible.count()
        section.hidden_weight = Decimal(_sum(rows, "hours")) - section.listed
        return self._page(section, visible.select_related(*related).order_by("-served_on", "-id"))

    def hours(self, user, flt, rows):
        return [
            self._hours_section(
                user, "providers", _("服务记录的服务人员时长"), rows[drill.PROVIDER], ("member", "record__service_type")
            ),
            self._hours_section(
                user, "participants", _("活动参与人员时长"), rows[drill.PARTICIPANT], ("member", "activity")
            ),
        ]

    def quantity(self, user, flt, rows, unit):
        records = rows[drill.RECORD].filter(service_type__unit=unit).exclude(quantity=0)
        section = self.records(user, records, title=_("服务记录的数量"))
        visible = drill.visible(user, records)
        section.listed = Decimal(_sum(visible, "quantity"))
        section.hidden_weight = Decimal(_sum(records, "quantity")) - section.listed
        section.weigh = "quantity"
        quantities = rows[drill.QUANTITY].filter(unit=unit)
        shown = drill.visible(user, quantities)
        extra = Section("quantities", _("活动登记的服务数量"), None, listed=Decimal(_sum(shown, "quantity")))
        extra.hidden = quantities.count() - shown.count()
        extra.hidden_weight = Decimal(_sum(quantities, "quantity")) - extra.listed
        extra = self._page(extra, shown.select_related("activity", "service_type").order_by("-served_on", "-id"))
        return [section, extra]


SECTIONS = {key: getattr(DrillView, key) for key in drill.DRILLABLE}


def _units(flt, quantities: dict, url) -> list[dict]:
    return [{"unit": unit, "value": value, "url": url(unit=unit)} for unit, value in quantities.items()]


def _dashboard(flt) -> str:
    try:
        return f"{reverse('reports:dashboard')}?{flt.query()}"
    except NoReverseMatch:  # the dashboard is another module's page
        return ""

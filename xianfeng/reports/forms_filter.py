"""The filter bar shared by every reports page (dashboard, drill-down, table, narrative, snapshots).

The form only *shows* the filter: ``filters.parse_filter`` is the one place that validates it
(the same rules for pages, downloads, the API and the command line), and its ``FilterError``
messages are put beside the fields they concern. That is why every field here is a lenient
``CharField``: a Django ChoiceField would refuse an unknown value a second time, in other words.

Period presets (本年, 本季度…) are plain links carrying explicit ``from``/``to``: they work
without JavaScript, and the URL always says exactly which days a figure covers. A page's own
parameters (``rows=``, ``metrics=``, ``unit=``…) ride along as hidden inputs, so changing the
filter keeps the rest of the page as it was.

    flt, filter_form = filter_from_request(request)
    if flt is None: ...  # filter_form.errors says what to fix
    {% include "reports/_filter.html" with form=filter_form %}
"""

import calendar
import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import DateInput
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.servicelog.models import Category, ServiceType
from xianfeng.teams.models import Team

from .filters import PARAMS, FilterError, ReportFilter, parse_filter
from .reach import reach_of, region_prefixes

# The datalist of places is a typing aid, not a catalogue: past this many, type the code.
REGION_SUGGESTIONS = 300
# Filters that most readers leave alone fold away on a phone (opened when one is set).
MORE = ("team", "type", "category", "program")


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_presets(today: datetime.date) -> list[tuple[str, str, datetime.date, datetime.date]]:
    """(key, label, start, end): "this …" runs to the end of the current month (no service can be
    dated after today, so the figures are those to date, and whole months are served by the rollups),
    "last …" is the whole closed period, as a leader reports it."""
    quarter_first = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_first - datetime.timedelta(days=1)
    last_quarter_first = datetime.date(last_quarter_end.year, last_quarter_end.month - 2, 1)
    month_first = today.replace(day=1)
    month_end = _month_end(today.year, today.month)
    last_month_end = month_first - datetime.timedelta(days=1)
    return [
        ("this_year", str(_("本年")), datetime.date(today.year, 1, 1), month_end),
        ("this_quarter", str(_("本季度")), quarter_first, month_end),
        ("this_month", str(_("本月")), month_first, month_end),
        ("last_year", str(_("上年")), datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)),
        ("last_quarter", str(_("上季度")), last_quarter_first, last_quarter_end),
        ("last_month", str(_("上月")), last_month_end.replace(day=1), last_month_end),
    ]


class ReportFilterForm(forms.Form):
    """GET form whose field names are the URL parameters of ``filters.parse_filter``."""

    def __init__(self, data, *, user, path: str, today: datetime.date, extra=()):
        super().__init__(data)
        self.user, self.path, self.today = user, path, today
        self.extra = list(extra)  # (name, value) of the page's own parameters, kept as they were
        reach = reach_of(user)
        self.fields["from"] = forms.CharField(label=_("起始日期"), required=False, widget=DateInput)
        self.fields["to"] = forms.CharField(label=_("截止日期"), required=False, widget=DateInput)
        self.fields["org"] = forms.CharField(
            label=_("组织"),
            required=False,
            widget=forms.Select(choices=[("", _("统计范围内全部组织"))] + self._org_choices()),
        )
        self.fields["region"] = forms.CharField(
            label=_("地区"),
            required=False,
            widget=forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "maxlength": "12",
                    "list": "report-filter-regions",
                    "placeholder": _("县、乡镇或村代码，如 210681101"),
                }
            ),
        )
        self.fields["team"] = forms.CharField(
            label=_("队伍"),
            required=False,
            widget=forms.Select(choices=[("", _("全部队伍"))] + self._team_choices()),
        )
        self.fields["type"] = forms.CharField(
            label=_("服务类型"),
            required=False,
            widget=forms.Select(choices=[("", _("全部服务类型"))] + self._type_choices()),
        )
        self.fields["category"] = forms.CharField(
            label=_("服务类别"),
            required=False,
            widget=forms.Select(choices=[("", _("全部类别"))] + list(Category.choices)),
        )
        self.fields["program"] = forms.CharField(
            label=_("随访与帮扶项目"),
            required=False,
            widget=forms.Select(choices=[("", _("不限项目"))] + self._program_choices()),
        )
        for name, field in self.fields.items():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"
            field.widget.attrs["id"] = f"report-filter-{name}"
        self._reach = reach

    # Choices: only what the reader's scope holds (an organization outside it is not offered,
    # and parse_filter refuses it if typed into the URL).
    def _org_choices(self) -> list[tuple[str, str]]:
        orgs = list(scoped(self.user, Organization).only("pk", "name", "path").order_by("path"))
        top = min((org.depth for org in orgs), default=0)
        return [(str(org.pk), "\u3000" * (org.depth - top) + org.name) for org in orgs]

    def _team_choices(self) -> list[tuple[str, str]]:
        teams = scoped(self.user, Team).only("pk", "name").order_by("name", "pk")
        return [(str(team.pk), team.name) for team in teams]

    def _type_choices(self) -> list[tuple[str, str]]:
        chosen = (self.data.get("type") or "") if self.is_bound else ""
        types = scoped(self.user, ServiceType).only("code", "name", "active").order_by("sort_order", "code")
        return [(t.code, t.name) for t in types if t.active or t.code == chosen]

    def _program_choices(self) -> list[tuple[str, str]]:
        from xianfeng.programs.indicators import may_read_figures
        from xianfeng.programs.registry import all_programs

        return [(p.code, str(p.name)) for p in all_programs() if may_read_figures(self.user, p)]

    # What the template shows.
    def show_errors(self, errors: dict[str, str]) -> None:
        """FilterError messages beside their fields (an unknown key goes on top)."""
        for key, message in errors.items():
            field = self.fields.get(key)
            if field is not None:
                field.widget.attrs["class"] += " is-invalid"
                field.widget.attrs["aria-invalid"] = "true"
            self.add_error(key if field is not None else None, message)

    def _params(self) -> dict[str, str]:
        return {name: str(self.data.get(name) or "").strip() for name in PARAMS}

    def url(self, **override) -> str:
        params = {**self._params(), **override}
        query = urlencode([(k, v) for k, v in params.items() if v] + self.extra)
        return f"{self.path}?{query}" if query else self.path

    @property
    def presets(self) -> list[dict]:
        current = (self.data.get("from"), self.data.get("to"))
        presets, marked = [], False
        for key, label, start, end in period_presets(self.today):
            # In January 本年 and 本月 are the same days: the first one is marked.
            active = not marked and current == (start.isoformat(), end.isoformat())
            marked = marked or active
            url = self.url(**{"from": start.isoformat(), "to": end.isoformat()})
            presets.append({"key": key, "label": label, "url": url, "active": active})
        return presets

    @property
    def clear_url(self) -> str:
        query = urlencode(self.extra)
        return f"{self.path}?{query}" if query else self.path

    @property
    def more_open(self) -> bool:
        return any(self.data.get(name) or self.errors.get(name) for name in MORE)

    @property
    def region_suggestions(self) -> list[tuple[str, str]]:
        """Townships in the reader's reach and their counties, for the region box's datalist
        (townships are imported where the work is; the shipped county list is nationwide)."""
        prefixes = region_prefixes(self._reach)
        if prefixes == []:
            return []
        regions = scoped(self.user, Region).only("code", "name").order_by("code")
        if prefixes is not None:
            within = Q(pk__in=[])
            for prefix in prefixes:
                within |= Q(code__startswith=prefix)
            regions = regions.filter(within)
        townships = list(regions.filter(level=Region.Level.TOWNSHIP)[: REGION_SUGGESTIONS + 1])
        if len(townships) > REGION_SUGGESTIONS:
            return []
        counties = regions.filter(level=Region.Level.COUNTY, code__in={t.code[:6] for t in townships})
        return sorted((r.code, r.name) for r in [*counties, *townships])

    @property
    def extra_fields(self) -> list[tuple[str, str]]:
        return self.extra

    @property
    def main_fields(self):
        return [self[name] for name in ("from", "to", "org", "region")]

    @property
    def more_fields(self):
        return [self[name] for name in MORE]


def filter_from_request(request, *, today: datetime.date | None = None) -> tuple[ReportFilter | None, ReportFilterForm]:
    """The filter of a reports page's URL and the form showing it: (None, form with errors)
    when the parameters are wrong, so the page says what to fix instead of guessing."""
    today = today or timezone.localdate()
    query = request.GET
    data = {name: query.get(name, "") for name in PARAMS}
    # Carried through the filter bar; not the page number, nor the dashboard's one-off 刷新 (fresh).
    extra = [(k, v) for k in query for v in query.getlist(k) if k not in PARAMS and k not in ("page", "fresh")]
    try:
        flt = parse_filter(request.user, query, today=today)
    except FilterError as exc:
        form = ReportFilterForm(data, user=request.user, path=request.path, today=today, extra=extra)
        form.show_errors(exc.errors)
        form.filter = None
        return None, form
    # Shown as understood: the default period fills empty dates, codes are as parsed.
    data.update(flt.params())
    form = ReportFilterForm(data, user=request.user, path=request.path, today=today, extra=extra)
    form.filter = flt
    return flt, form

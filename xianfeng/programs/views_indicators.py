"""The indicators page (issue 10 §9): a program's figures for a period and filter, each with its
definition (口径) beside it and, where the user may see rows, a link to the records behind it.

One view serves the page, its HTMX partial (the table after a filter change) and the table as
xlsx (aggregates only: no names, no personal data). Figures come from indicators.py (scoped).
"""

import calendar
import datetime
import io

from django import forms
from django.core.validators import RegexValidator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region

from . import indicators
from .models import Enrollment
from .registry import all_programs

YEAR, QUARTER, MONTH, CUSTOM = "year", "quarter", "month", "custom"
PERIODS = (
    (YEAR, gettext_lazy("年度")),
    (QUARTER, gettext_lazy("季度")),
    (MONTH, gettext_lazy("月度")),
    (CUSTOM, gettext_lazy("自定义")),
)
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def readable_programs(user) -> list:
    return [p for p in all_programs() if indicators.may_read_figures(user, p)]


class IndicatorFilterForm(BootstrapFormMixin, forms.Form):
    """?program=&period=year|quarter|month|custom&year=&quarter=&month=&start=&end=&org=&township="""

    program = forms.ChoiceField(label=gettext_lazy("项目"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("期间"), choices=PERIODS, required=False)
    year = forms.IntegerField(
        label=gettext_lazy("年份"), min_value=EARLIEST.year, max_value=LATEST.year, required=False
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int, required=False
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("月份"), choices=[(m, str(m)) for m in range(1, 13)], coerce=int, required=False
    )
    start = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=DateInput)
    end = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DateInput)
    org = forms.ModelChoiceField(label=gettext_lazy("组织"), queryset=Organization.objects.none(), required=False)
    township = forms.CharField(
        label=gettext_lazy("地区代码"),
        required=False,
        validators=[RegexValidator(r"^\d{6}(\d{3}){0,2}$", gettext_lazy("请填写6位县、9位乡镇或12位村代码"))],
    )

    def __init__(self, data, *, user, programs, today: datetime.date):
        super().__init__(data)
        self.user, self.today = user, today
        self.fields["program"].choices = [(p.code, str(p.name)) for p in programs]
        # Organizations within the user's scope only: another id is refused, never looked up.
        self.fields["org"].queryset = scoped(user, Organization).only("pk", "name", "path").order_by("path")
        self.default_program = programs[0].code if programs else ""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        period = data.get("period") or (CUSTOM if data.get("start") or data.get("end") else YEAR)
        data["period"] = period
        year = data.get("year") or self.today.year
        if period == YEAR:
            data["start"], data["end"] = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        elif period == QUARTER:
            q = data.get("quarter") or (self.today.month - 1) // 3 + 1
            first = datetime.date(year, 3 * q - 2, 1)
            data["start"], data["end"] = first, _month_end(year, 3 * q)
        elif period == MONTH:
            m = data.get("month") or self.today.month
            data["start"], data["end"] = datetime.date(year, m, 1), _month_end(year, m)
        else:
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("自定义期间请填写起始日期"))
            elif start < EARLIEST:
                self.add_error("start", _("起始日期不能早于 %(d)s") % {"d": EARLIEST})
            if end is None:
                self.add_error("end", _("自定义期间请填写截止日期"))
            elif end > LATEST:
                self.add_error("end", _("截止日期不能晚于 %(d)s") % {"d": LATEST})
            if start and end and start > end:
                self.add_error("end", _("截止日期不能早于起始日期"))
        return data

    def values(self) -> dict:
        """The chosen program code, period, organization and region (None when not chosen)."""
        data = self.cleaned_data
        code = data.get("township") or ""
        region = scoped(self.user, Region).filter(code=code).first() if code else None
        today = self.today
        return {
            "program": data.get("program") or self.default_program,
            "period": data["period"],
            "year": data.get("year") or today.year,
            "quarter": data.get("quarter") or (today.month - 1) // 3 + 1,
            "month": data.get("month") or today.month,
            "start": data["start"],
            "end": data["end"],
            "org": data.get("org"),
            "region": region,
            "region_code": code,
        }


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 10, -1))


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


class IndicatorsView(ScopedListView):
    """项目指标: the table of one program's figures with their 口径."""

    model = Enrollment

    def get(self, request):
        user = request.user
        programs = readable_programs(user)
        # Always bound: a page opened without parameters shows this year's figures of the first program.
        form = IndicatorFilterForm(request.GET, user=user, programs=programs, today=timezone.localdate())
        context = {"form": form, "programs": programs, "figures": [], "groups": [], "years": _years()}
        status = 200
        if not programs:
            context["refusal"] = _("您的账号没有可查看的项目指标")
        elif not form.is_valid():
            status = 400
        else:
            chosen = form.values()
            context["chosen"] = chosen
            context.update(self._figures(request, chosen))
            if request.GET.get("format") == "xlsx":
                return self._xlsx(context)
        template = "programs/indicators_table.html" if request.htmx else "programs/indicators.html"
        return render(request, template, context, status=status)

    def _figures(self, request, chosen) -> dict:
        user = request.user
        fs = indicators.figure_set(
            user,
            chosen["program"],
            start=chosen["start"],
            end=chosen["end"],
            org=chosen["org"],
            region=chosen["region"],
        )
        figures = indicators.specific_figures(fs) + indicators.generic_figures(fs)
        rows = [(f, self._drill(fs, f, chosen) if fs.rows_visible else "") for f in figures]
        groups: list[tuple[str, list]] = []
        for figure, link in rows:
            if not groups or groups[-1][0] != figure.group:
                groups.append((figure.group, []))
            groups[-1][1].append((figure, link))
        return {
            "program": fs.program,
            "start": chosen["start"],
            "end": chosen["end"],
            "org": chosen["org"],
            "region": chosen["region"],
            "region_code": chosen["region_code"],
            "figures": figures,
            "groups": groups,
            "rows_visible": fs.rows_visible,
            "xlsx_query": urlencode({**request.GET.dict(), "format": "xlsx"}),
        }

    @staticmethod
    def _drill(fs, figure, chosen) -> str:
        """The enrollment list with the figure's filters; the list filters by a township or
        village only (not by organization), so with an organization filter there is no link."""
        if figure.drill is None or chosen["org"] is not None or len(chosen["region_code"]) == 6:
            return ""
        params = {"program": fs.program.code, **figure.drill}
        if chosen["region_code"]:
            params["township"] = chosen["region_code"]
        try:
            return f"{reverse('programs:enrollment_list')}?{urlencode(params)}"
        except NoReverseMatch:
            return ""

    @staticmethod
    def _xlsx(context) -> HttpResponse:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = _("项目指标")[:31]
        place = context["region"].name if context["region"] else ""
        org = context["org"].name if context["org"] else ""
        sheet.append(
            [str(context["program"].name), f"{context['start']:%Y-%m-%d} — {context['end']:%Y-%m-%d}", org, place]
        )
        sheet.append([_("指标"), _("数值"), _("分母"), _("率"), _("单位"), _("口径"), _("说明")])
        for f in context["figures"]:
            rate = f"{f.rate}{f.rate_unit}" if f.rate is not None else ""
            sheet.append([str(f.label), f.value, f.denominator, rate, str(f.unit), str(f.definition), str(f.note)])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = f"indicators-{context['program'].code}-{context['start']:%Y%m%d}-{context['end']:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

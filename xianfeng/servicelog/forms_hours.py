"""Forms of the hours ledger and the certificates: the period picker and the certificate form."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import MEMBER_AUTOCOMPLETE_URL, AutocompleteSelect
from xianfeng.members.selectors import member_picker_label

from .certificates import CONTENT_LIMIT, TEXT_LIMITS
from .rules import EARLIEST_SERVICE_DAY

MONTH, YEAR, LAST_YEAR, CUSTOM = "month", "year", "last_year", "custom"
PRESETS = [(MONTH, _("本月")), (YEAR, _("本年")), (LAST_YEAR, _("去年")), (CUSTOM, _("自定义"))]
LATEST_DAY = datetime.date(2100, 12, 31)


def preset_period(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """本月 / 本年 (to today) / 去年: both dates inclusive."""
    if preset == MONTH:
        return today.replace(day=1), today
    if preset == LAST_YEAR:
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    return datetime.date(today.year, 1, 1), today


class PeriodForm(BootstrapFormMixin, forms.Form):
    """?period=month|year|last_year|custom&start=&end= ; this year when nothing is given.

    Dates alone mean 自定义. ``dates()`` gives (start, end) once the form is valid.
    """

    period = forms.ChoiceField(label=_("期间"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("起始日期"), required=False, widget=DateInput)
    end = forms.DateField(label=_("截止日期"), required=False, widget=DateInput)

    def __init__(self, data=None, *, today: datetime.date, **kwargs):
        self.today = today
        if data is not None and not any(data.get(k) for k in ("period", "start", "end")):
            data = None  # a page opened without a period: this year
        super().__init__(data, **kwargs)
        start, end = preset_period(YEAR, today)
        self.initial.setdefault("period", YEAR)
        self.initial.setdefault("start", start)
        self.initial.setdefault("end", end)

    def clean(self):
        data = super().clean()
        preset = data.get("period") or (CUSTOM if (data.get("start") or data.get("end")) else YEAR)
        data["period"] = preset
        if preset != CUSTOM:
            data["start"], data["end"] = preset_period(preset, self.today)
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if start is None:
            self.add_error("start", _("自定义期间请填写起始日期"))
        elif start < EARLIEST_SERVICE_DAY:
            self.add_error("start", _("起始日期不能早于 %(d)s") % {"d": EARLIEST_SERVICE_DAY})
        if end is None:
            self.add_error("end", _("自定义期间请填写截止日期"))
        elif end > LATEST_DAY:
            self.add_error("end", _("截止日期不能晚于 %(d)s") % {"d": LATEST_DAY})
        if start and end and start > end:
            self.add_error("end", _("截止日期不能早于起始日期"))
        return data

    def dates(self) -> tuple[datetime.date, datetime.date]:
        if not self.is_bound:
            return preset_period(YEAR, self.today)
        return self.cleaned_data["start"], self.cleaned_data["end"]

    def preset(self) -> str:
        return self.cleaned_data.get("period", YEAR) if self.is_bound and self.is_valid() else YEAR


class CertificateMemberField(forms.ModelChoiceField):
    widget = AutocompleteSelect(MEMBER_AUTOCOMPLETE_URL, placeholder=_("输入姓名、拼音首字母、志愿者编号或电话后四位"))

    def label_from_instance(self, obj):
        return member_picker_label(obj)


class CertificateForm(BootstrapFormMixin, forms.Form):
    """The certificate's fields; ``member`` only for users who may pick someone else."""

    member = CertificateMemberField(label=_("志愿者"), queryset=None)
    start = forms.DateField(label=_("服务起始日期"), widget=DateInput)
    end = forms.DateField(label=_("服务截止日期"), widget=DateInput)
    issuing_org = forms.ModelChoiceField(label=_("出具组织"), queryset=None)
    person_in_charge = forms.CharField(
        label=_("负责人"), max_length=TEXT_LIMITS["person_in_charge"], help_text=_("出具组织的负责人")
    )
    handler = forms.CharField(label=_("经办人"), max_length=TEXT_LIMITS["handler"])
    contact = forms.CharField(
        label=_("联系方式"), max_length=TEXT_LIMITS["contact"], help_text=_("出具组织的办公电话，供核实使用")
    )
    content = forms.CharField(
        label=_("服务内容"),
        max_length=CONTENT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("留空则按时长台账自动概括（如“送药上门 3 次、活动·义诊 2 次”）"),
    )

    def __init__(self, *args, member_choices=None, org_choices, **kwargs):
        super().__init__(*args, **kwargs)
        if member_choices is None:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = member_choices
        self.fields["issuing_org"].queryset = org_choices

"""Forms of the activity pages. Choices come from scoped selectors; the services check again."""

import re

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.forms import BootstrapFormMixin
from xianfeng.core.widgets import (
    MEMBER_AUTOCOMPLETE_URL,
    RESIDENT_AUTOCOMPLETE_URL,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from xianfeng.members.selectors import member_picker_label
from xianfeng.residents.models import Resident
from xianfeng.residents.selectors import resident_picker_label

from . import selectors
from . import selectors_activities as activity_selectors
from .models import MAX_QUANTITY, Activity

RESIDENT_PLACEHOLDER = _("输入姓名、拼音首字母或电话后四位，回车添加")
MEMBER_PLACEHOLDER = _("输入姓名、拼音首字母或志愿者编号")


def provider_autocomplete_url() -> str:
    """The providers' picker (servicelog:provider_autocomplete); the members' one if absent."""
    try:
        return reverse("servicelog:provider_autocomplete")
    except NoReverseMatch:
        return str(MEMBER_AUTOCOMPLETE_URL)


PROVIDER_AUTOCOMPLETE_URL = lazy(provider_autocomplete_url, str)()


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class RegionField(forms.CharField):
    """A township or village by code; the input suggests the user's own (a datalist)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = re.search(r"(\d{9}(?:\d{3})?)", value)
        region = activity_selectors.region_by_code(match.group(1)) if match else None
        if region is None:
            raise forms.ValidationError(_("未知的乡镇或村：请填写 9 位乡镇代码或 12 位村代码，或从列表中选择"))
        return region


class ActivityForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    kind = forms.ChoiceField(label=_("活动类型"), choices=Activity.Kind.choices, initial=Activity.Kind.FREE_CLINIC)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(Activity.Status.HELD, _("已举办")), (Activity.Status.PLANNED, _("计划中"))],
        initial=Activity.Status.HELD,
    )
    start_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput)
    end_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput, required=False)
    teams = forms.ModelMultipleChoiceField(label=_("队伍"), queryset=None, required=False)
    org = forms.ModelChoiceField(
        label=_("主办组织"), queryset=None, required=False, help_text=_("留空则为第一支队伍的所属组织")
    )
    region = RegionField(
        label=_("所在乡镇/村"), required=False, max_length=120, help_text=_("输入名称从列表中选择，或填写区划代码")
    )
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    service_types = forms.ModelMultipleChoiceField(label=_("服务类型"), queryset=None, required=False)
    headcount = forms.IntegerField(label=_("服务人数（不记名）"), min_value=0, max_value=1_000_000, initial=0)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = activity_selectors.team_choices(user=user)
        self.fields["org"].queryset = activity_selectors.org_choices(user=user)
        self.fields["service_types"].queryset = selectors.service_types_for(user)
        self.fields["service_types"].widget.attrs["size"] = 6
        self.fields["teams"].widget.attrs["size"] = 4
        self.fields["region"].widget.attrs["list"] = "region-options"
        self.fields["region"].widget.attrs["autocomplete"] = "off"
        if not creating:
            del self.fields["status"]
            del self.fields["idempotency_key"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_at"), data.get("end_at")
        if start and end and end < start:
            self.add_error("end_at", _("结束时间不能早于开始时间"))
        if data.get("status") == Activity.Status.HELD and start and start > timezone.now():
            self.add_error("status", _("活动尚未开始，请选择“计划中”"))
        return data


class ParticipantForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=_("参与人员"),
        queryset=None,
        required=False,
        widget=AutocompleteSelect(PROVIDER_AUTOCOMPLETE_URL, placeholder=MEMBER_PLACEHOLDER),
    )
    hours = forms.DecimalField(
        label=_("时长（小时，不含路途）"), min_value=0, max_value=999, max_digits=5, decimal_places=1, required=False
    )
    role = forms.CharField(label=_("分工"), max_length=50, required=False)

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = member_choices
        self.fields["member"].label_from_instance = member_picker_label
        self.fields["hours"].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        data = super().clean()
        if data.get("member") is None and data.get("hours") not in (None, ""):
            self.add_error("member", _("请选择人员"))
        return data


class QuantityForm(BootstrapFormMixin, forms.Form):
    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=None, required=False)
    quantity = forms.DecimalField(
        label=_("数量"), min_value=0, max_value=MAX_QUANTITY, max_digits=14, decimal_places=2, required=False
    )

    def __init__(self, *args, type_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = type_choices
        self.fields["service_type"].label_from_instance = lambda t: f"{t.name}（{t.get_unit_display()}）"
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        data = super().clean()
        if data.get("service_type") is not None and data.get("quantity") in (None, ""):
            self.add_error("quantity", _("请填写数量"))
        if data.get("service_type") is None and data.get("quantity") not in (None, ""):
            self.add_error("service_type", _("请选择服务类型"))
        return data


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=3, max_num=500, validate_max=True)
QuantityFormSet = forms.formset_factory(QuantityForm, extra=2, max_num=100, validate_max=True)


class AttendeesForm(BootstrapFormMixin, forms.Form):
    residents = forms.ModelMultipleChoiceField(
        label=_("参加者（记名）"),
        queryset=None,
        widget=AutocompleteSelectMultiple(RESIDENT_AUTOCOMPLETE_URL, placeholder=RESIDENT_PLACEHOLDER),
    )
    service_type = forms.ModelChoiceField(label=_("服务类型（所有参加者相同）"), queryset=None)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["residents"]
        field.queryset = scoped(user, Resident, VIEW).filter(merged_into__isnull=True).select_related("village")
        field.label_from_instance = resident_picker_label
        field.error_messages["required"] = _("请添加参加者")
        types = selectors.service_types_for(user)
        self.fields["service_type"].queryset = types
        own = [t for t in activity.service_types.all() if t in types]
        if own and not self.is_bound:
            self.fields["service_type"].initial = own[0].pk


class HeadcountForm(BootstrapFormMixin, forms.Form):
    headcount = forms.IntegerField(label=_("服务人数（不记名）"), min_value=0, max_value=1_000_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headcount"].widget.attrs["inputmode"] = "numeric"


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Activity.Status.choices)


class UploadForm(BootstrapFormMixin, forms.Form):
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)

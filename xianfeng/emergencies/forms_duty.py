"""Forms of the duty roster: one shift, a team's run of days in one slot, the roster's window."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.teams.models import Team

from . import selectors_teams
from .forms_pledges import MemberField
from .models import DutyShift


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def _dt(label, required=True):
    return forms.DateTimeField(
        label=label, widget=DateTimeInput, required=required, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class DutyShiftForm(BootstrapFormMixin, forms.Form):
    site_kind = forms.ChoiceField(label=_("岗位类型"), choices=DutyShift.Site.choices, initial=DutyShift.Site.WARD)
    site = forms.CharField(label=_("岗位/点位"), max_length=60)
    member = MemberField(label=_("人员"), queryset=None)
    team = forms.ModelChoiceField(label=_("队伍"), queryset=None, required=False)
    starts_at = _dt(_("开始时间"))
    ends_at = _dt(_("结束时间"))
    vehicle = forms.CharField(label=_("车辆"), max_length=30, required=False)
    pickup_place = forms.CharField(label=_("接送地点"), max_length=60, required=False)
    pickup_at = _dt(_("接送时间"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors_teams.volunteer_choices(user, emergency)
        self.fields["team"].queryset = _teams(user, emergency)


def _teams(user, emergency):
    links = selectors_teams.teams_of(user, emergency).values("team_id")
    return scoped(user, Team).filter(pk__in=links).order_by("name")


class DutyBulkForm(BootstrapFormMixin, forms.Form):
    team = forms.ModelChoiceField(label=_("队伍"), queryset=None)
    site_kind = forms.ChoiceField(label=_("岗位类型"), choices=DutyShift.Site.choices, initial=DutyShift.Site.WARD)
    site = forms.CharField(label=_("岗位/点位"), max_length=60)
    date_from = forms.DateField(label=_("开始日期"), widget=DateInput, initial=timezone.localdate)
    date_to = forms.DateField(label=_("结束日期"), widget=DateInput, initial=timezone.localdate)
    start_time = forms.TimeField(label=_("上岗时间"), widget=TimeInput, initial=datetime.time(8, 0))
    end_time = forms.TimeField(
        label=_("下岗时间"), widget=TimeInput, initial=datetime.time(16, 0), help_text=_("早于上岗时间即为跨夜班")
    )
    vehicle = forms.CharField(label=_("车辆"), max_length=30, required=False)
    pickup_place = forms.CharField(label=_("接送地点"), max_length=60, required=False)
    pickup_minutes_before = forms.IntegerField(label=_("提前接送（分钟）"), min_value=1, max_value=360, required=False)

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams(user, emergency)


class RosterWindowForm(forms.Form):
    start = forms.DateField(required=False)
    team = forms.IntegerField(required=False, min_value=1, max_value=10**12)


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)

"""Forms of the duty roster's pages. They shape input; the rules live in services_roster.py.

Pickers offer only what the roster's scope reaches: the 热线值守组 the user manages, and the
members of the shift's team on the shift's day.
"""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.api.types import MAX_ID
from xianfeng.core.forms import BootstrapFormMixin, DateInput

from .models import SwapRequest
from .selectors_roster import members_of_teams, roster_teams, team_members_on

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_SLOTS = "08:00-16:00, 16:00-24:00, 00:00-08:00"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class RosterFilterForm(forms.Form):
    """``?team=&month=YYYY-MM``; a value out of range is ignored (the defaults apply)."""

    team = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    month = forms.CharField(required=False, max_length=7)

    def month_start(self) -> datetime.date:
        today = timezone.localdate()
        text = (self.cleaned_data.get("month") or "") if self.is_valid() else ""
        found = MONTH.match(text)
        if found:
            year, month = int(found[1]), int(found[2])
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return datetime.date(year, month, 1)
        return today.replace(day=1)

    def team_id(self) -> int | None:
        return self.cleaned_data.get("team") if self.is_valid() else None


class _ShiftFields(BootstrapFormMixin, forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    start_time = forms.TimeField(label=_("开始时间"), widget=TimeInput())
    end_time = forms.TimeField(
        label=_("结束时间"),
        widget=TimeInput(),
        help_text=_("早于或等于开始时间即为跨夜班次（如 16:00–00:00、22:00–08:00）"),
    )
    seats = forms.IntegerField(label=_("需要人数"), min_value=1, max_value=50, initial=2)
    supervisor = MemberChoice(label=_("值班督导"), queryset=None, required=False, help_text=_("须为值守组成员"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ShiftForm(_ShiftFields):
    """A new shift (with its team) or a shift's correction (``shift`` given: the team stays)."""

    team = forms.ModelChoiceField(label=_("值守组"), queryset=None)
    field_order = ["team", "date", "start_time", "end_time", "seats", "supervisor", "note"]

    def __init__(self, *args, user, shift=None, **kwargs):
        if shift is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": shift.date,
                    "start_time": shift.start_time,
                    "end_time": shift.end_time,
                    "seats": shift.seats,
                    "supervisor": shift.supervisor_id,
                    "note": shift.note,
                },
            )
        super().__init__(*args, **kwargs)
        if shift is not None:
            del self.fields["team"]
            self.fields["supervisor"].queryset = team_members_on(shift.team, shift.date)
        else:
            teams = roster_teams(user, "change")
            self.fields["team"].queryset = teams
            self.fields["supervisor"].queryset = members_of_teams(teams)


class GenerateForm(BootstrapFormMixin, forms.Form):
    team = forms.ModelChoiceField(label=_("值守组"), queryset=None)
    date_from = forms.DateField(label=_("开始日期"), widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), widget=DateInput())
    slots = forms.CharField(
        label=_("每日时段"),
        max_length=300,
        initial=DEFAULT_SLOTS,
        help_text=_("用逗号分隔，如 08:00-16:00, 16:00-24:00, 00:00-08:00；已有的班次会跳过"),
    )
    seats = forms.IntegerField(label=_("每班需要人数"), min_value=1, max_value=50, initial=2)
    supervisor = MemberChoice(label=_("值班督导"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = roster_teams(user, "change")
        self.fields["team"].queryset = teams
        self.fields["supervisor"].queryset = members_of_teams(teams)


class AssignForm(BootstrapFormMixin, forms.Form):
    member = MemberChoice(label=_("值守人员"), queryset=None, empty_label=_("选择值守组成员"))

    def __init__(self, *args, shift, **kwargs):
        super().__init__(*args, **kwargs)
        taken = shift.assignments.values("member")
        self.fields["member"].queryset = team_members_on(shift.team, shift.date).exclude(pk__in=taken)


class SwapForm(BootstrapFormMixin, forms.Form):
    to_member = MemberChoice(label=_("接班人员"), queryset=None, empty_label=_("选择同组同事"))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        shift = assignment.shift
        taken = shift.assignments.values("member")
        self.fields["to_member"].queryset = team_members_on(shift.team, shift.date).exclude(pk__in=taken)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class SwapFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *SwapRequest.Status.choices])

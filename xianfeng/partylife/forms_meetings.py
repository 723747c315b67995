"""Forms of the meetings' pages. They shape what the user typed; the services
(services_meetings.py) apply the rules and have the last word."""

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.params import MAX_ID, query_int
from xianfeng.servicelog.forms_activities import RegionField
from xianfeng.servicelog.models import Activity

from . import selectors_meetings as selectors
from .models import Attendance, MeetingKind, Period
from .selectors_meetings import MeetingFilters
from .services_meetings import WHOLE_ROLL_KINDS

NOT_EXPECTED = "none"  # the roll's fourth choice where a meeting does not take the whole roll
MIN_YEAR, MAX_YEAR = 2000, 2100


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MeetingForm(BootstrapFormMixin, forms.Form):
    """A meeting on a phone: which organization, what kind, when, where, who chaired and who
    took the minutes, what was discussed and decided; validity where a quorum applies."""

    org = forms.ModelChoiceField(label=_("召开组织"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("主题"), max_length=100, required=False, help_text=_("不填则以会议类型为主题"))
    held_on = forms.DateField(label=_("日期"), widget=DateInput, initial=timezone.localdate)
    start_time = forms.TimeField(label=_("开始时间"), widget=TimeInput, required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    host = MemberChoiceField(label=_("主持人"), queryset=None, required=False)
    recorder = MemberChoiceField(label=_("记录人"), queryset=None, required=False)
    topics = forms.CharField(label=_("议题"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    resolutions = forms.CharField(
        label=_("决议"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label=_("会议记录"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 5})
    )
    is_valid = forms.BooleanField(
        label=_("会议有效"),
        required=False,
        initial=True,
        help_text=_("支部党员大会、支委会、民主评议须有半数以上有表决权的党员到会，未达到时请取消勾选"),
    )
    invalid_note = forms.CharField(
        label=_("无效说明"),
        required=False,
        max_length=200,
        help_text=_("会议标为无效时必填，如：到会人数未过半数，改期另行召开"),
    )
    note = forms.CharField(label=_("情况说明"), required=False, max_length=200, help_text=_("记入变更记录"))
    activity = forms.ModelChoiceField(
        label=_("关联志愿服务活动"),
        queryset=None,
        required=False,
        help_text=_("主题党日同时是志愿服务活动时选择，两处都计入"),
    )
    record_activity = forms.BooleanField(
        label=_("同时记为一次志愿服务活动"),
        required=False,
        help_text=_("主题党日：以出席党员为参加人员新建一次已举办的服务活动"),
    )
    activity_hours = forms.DecimalField(
        label=_("每人服务时长（小时）"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        decimal_places=1,
        initial=Decimal("2"),
    )
    activity_region = RegionField(
        label=_("服务活动所在乡镇/村"),
        required=False,
        max_length=120,
        help_text=_("同时记为志愿服务活动时填写：输入名称从列表中选择，或填写区划代码"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.meeting = meeting
        orgs = selectors.meeting_orgs(user)
        self.fields["org"].queryset = orgs
        org = self.chosen_org()
        people = selectors.branch_people(user, org) if org else orgs.none()
        self.fields["host"].queryset = people
        self.fields["recorder"].queryset = people
        if org is None:
            self.fields["activity"].queryset = scoped(user, Activity).none()
        elif meeting is not None and meeting.activity_id:
            self.fields["activity"].queryset = _with_current(user, org, meeting)
        else:
            self.fields["activity"].queryset = selectors.theme_day_activities(user, org)
        self.fields["activity_region"].widget.attrs.update({"list": "region-options", "autocomplete": "off"})
        if meeting is None:
            if not self.is_bound:
                self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        else:
            for name in ("idempotency_key", "record_activity", "activity_hours", "activity_region", "org"):
                del self.fields[name]

    def chosen_org(self):
        """The organization the form is for: the meeting's, the posted or prefilled one, else the first choice."""
        if self.meeting is not None:
            return self.meeting.org
        orgs = self.fields["org"].queryset
        raw = self.data.get("org") if self.is_bound else self.initial.get("org")
        pk = query_int(getattr(raw, "pk", raw), minimum=1)
        org = orgs.filter(pk=pk).first() if pk else None
        return org or orgs.first()

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("会议日期不能晚于今天：尚未召开的会议不能记录"))
        return day

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "title", "held_on", "start_time", "place", "host", "recorder", "topics", "resolutions")
        kwargs = {name: data.get(name) for name in (*names, "minutes", "is_valid", "invalid_note", "activity")}
        for name in ("title", "place", "topics", "resolutions", "minutes", "invalid_note"):
            kwargs[name] = kwargs[name] or ""
        if kwargs["is_valid"]:  # the explanation belongs to an invalid meeting only
            kwargs["invalid_note"] = ""
        if self.meeting is None:
            kwargs["org"] = data["org"]
            kwargs["record_activity"] = bool(data.get("record_activity"))
            kwargs["activity_hours"] = data.get("activity_hours") or Decimal("2")
            kwargs["activity_region"] = data.get("activity_region")
        return kwargs

    def changes(self, meeting) -> dict:
        kwargs = self.service_kwargs()
        return {k: v for k, v in kwargs.items() if getattr(meeting, k) != v}


def _with_current(user, org, meeting):
    """The activity choices of a meeting already linked: its own activity stays selectable."""
    return scoped(user, Activity).filter(pk=meeting.activity_id) | selectors.theme_day_activities(user, org)


class RollForm:
    """The attendance of a meeting: one row per member of the roll, with 出席 / 请假 / 缺席 (and
    不计入 where the meeting need not take the whole roll) and a reason. Reads ``att-<id>`` and
    ``reason-<id>`` from the posted data; the service checks the rules."""

    def __init__(self, members, kind: str, data=None, initial: dict | None = None):
        self.members = list(members)
        self.kind = kind
        self.data = data
        self.initial = initial or {}
        self.whole = kind in WHOLE_ROLL_KINDS
        self.errors: list[str] = []

    @property
    def choices(self):
        out = list(Attendance.Status.choices)
        if not self.whole:
            out.append((NOT_EXPECTED, _("不计入")))
        return out

    def rows_for_display(self):
        out = []
        for member in self.members:
            if self.data is not None:
                status = self.data.get(f"att-{member.pk}", "")
                reason = self.data.get(f"reason-{member.pk}", "")
            else:
                status, reason = self.initial.get(member.pk, (Attendance.Status.PRESENT, ""))
            out.append({"member": member, "status": status, "reason": reason})
        return out

    def rows(self) -> list[tuple]:
        """[(member, status, reason)] as posted (members marked 不计入 left out)."""
        out = []
        for member in self.members:
            status = (self.data.get(f"att-{member.pk}") or "").strip()
            reason = (self.data.get(f"reason-{member.pk}") or "").strip()[:200]
            if status == NOT_EXPECTED and not self.whole:
                continue
            if status not in Attendance.Status.values:
                self.errors.append(_("请为 %(n)s 选择出席情况") % {"n": member.name})
                continue
            out.append((member, status, reason))
        return out


class AttendanceValidityForm(forms.Form):
    is_valid = forms.BooleanField(label=_("会议有效"), required=False)
    invalid_note = forms.CharField(label=_("无效说明"), required=False, max_length=200)
    note = forms.CharField(label=_("情况说明"), required=False, max_length=200)


class MeetingFilterForm(forms.Form):
    """The list's filters (in the URL); a bad value is ignored, never a 500."""

    q = forms.CharField(required=False, max_length=50)
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类型")), *MeetingKind.choices])
    org = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    year = forms.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    validity = forms.ChoiceField(
        required=False, choices=[("", _("全部")), ("valid", _("有效")), ("invalid", _("无效"))]
    )
    voided = forms.BooleanField(required=False)

    def filters(self) -> MeetingFilters:
        if not self.is_bound:
            return MeetingFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return MeetingFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            org=data.get("org"),
            year=data.get("year"),
            validity=data.get("validity") or "",
            voided=bool(data.get("voided")),
        )


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class ComplianceRuleForm(BootstrapFormMixin, forms.Form):
    org = forms.ModelChoiceField(label=_("适用组织"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices)
    min_count = forms.IntegerField(label=_("至少次数"), min_value=0, max_value=31, help_text=_("0 表示不作要求"))
    start_on = forms.DateField(label=_("起始日期"), widget=DateInput)
    end_on = forms.DateField(label=_("终止日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("依据"), max_length=200, required=False)

    def __init__(self, *args, user, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = selectors.rule_orgs(user)
        if rule is not None:
            del self.fields["org"]

    def clean(self):
        data = super().clean()
        if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
            self.add_error("end_on", _("终止日期不能早于起始日期"))
        return data


def parse_day(value) -> datetime.date | None:
    """A yyyy-mm-dd from a query string, or None (never an error)."""
    try:
        day = datetime.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None

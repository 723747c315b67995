"""Forms of the call log: the phone-first call form, its correction, the list's filters, and the
small forms of voiding, revealing and closing an escalation. Forms shape input; the services
(services_calls.py, services_escalations.py) apply the rules."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.models import Gender
from xianfeng.residents.validators import validate_phone
from xianfeng.servicelog import selectors as servicelog_selectors

from . import rules, selectors_calls
from .models import MAX_CALL_MINUTES, AgeGroup, Call, Channel, Escalation, Outcome, RiskLevel, Topic
from .services_calls import FUTURE_TOLERANCE, loggable_teams

YES_NO = [("0", _("否")), ("1", _("是"))]
MAX_CALL_NUMBER = 2**63 - 1


def _yes_no(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
        required=False,
        empty_value=False,
    )


class CallFieldsMixin:
    """The fields shared by logging and correcting a call: the screen and the caller."""

    def add_screen_and_caller(self, teams):
        for field, label in rules.RISK_QUESTIONS:
            self.fields[field] = _yes_no(label)
        self.fields["caller_gender"] = forms.ChoiceField(
            label=_("来电者性别"), choices=[("", _("不详")), *Gender.choices], required=False
        )
        self.fields["caller_age_group"] = forms.ChoiceField(
            label=_("来电者年龄段"), choices=AgeGroup.choices, required=False
        )
        self.fields["callback_phone"] = forms.CharField(
            label=_("回访电话"),
            max_length=20,
            required=False,
            help_text=_("来电者同意回访时填写；加密保存，列表中只显示部分号码"),
            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        )
        self.fields["region"] = forms.ChoiceField(
            label=_("来电者所在地区"), choices=selectors_calls.region_choices(teams), required=False
        )

    def clean_callback_phone(self):
        # Checked here too, so a returned form shows every error at once (the service checks again).
        return validate_phone(self.cleaned_data.get("callback_phone"))

    def screen_and_caller(self) -> dict:
        data = self.cleaned_data
        out = {field: bool(data.get(field)) for field in rules.RISK_FIELDS}
        for field in ("caller_gender", "caller_age_group", "callback_phone", "region"):
            out[field] = data.get(field) or ""
        return out


class CallForm(CallFieldsMixin, BootstrapFormMixin, forms.Form):
    """Logging a call in under a minute on a phone: start (now), duration, channel, topic, the six
    questions, outcome, intervention; the caller's details folded."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    started_at = forms.DateTimeField(
        label=_("来电时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    duration_minutes = forms.IntegerField(
        label=_("通话时长（分钟）"),
        min_value=0,
        max_value=MAX_CALL_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    channel = forms.ChoiceField(
        label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE, widget=forms.RadioSelect
    )
    team = forms.TypedChoiceField(label=_("值守组"), coerce=int, required=False)
    taken_by = forms.TypedChoiceField(label=_("接线人员"), coerce=int, required=False)
    topic = forms.ChoiceField(label=_("主要问题"), choices=Topic.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    intervention = forms.CharField(
        label=_("干预措施"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.teams = {team.pk: team for team in loggable_teams(user)}
        self.fields["team"].choices = [(t.pk, t.name) for t in self.teams.values()]
        self.members = self._members()
        own = servicelog_selectors.own_member(user)
        self.fields["taken_by"].choices = [("", own.name if own else _("请选择"))] + [
            (m.pk, m.name) for m in self.members.values() if own is None or m.pk != own.pk
        ]
        self.add_screen_and_caller(list(self.teams.values()))
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            if len(self.teams) == 1:
                self.initial.setdefault("team", next(iter(self.teams)))

    def _members(self) -> dict:
        """The members of the duty teams on today (who may be named as having taken a call)."""
        today = timezone.localdate()
        return {m.pk: m for m in selectors_calls.duty_members(list(self.teams), today)}

    def clean_started_at(self):
        started_at = self.cleaned_data["started_at"]
        if started_at > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError(_("来电时间不能晚于现在"))
        return started_at

    def clean_team(self):
        pk = self.cleaned_data.get("team")
        return self.teams.get(pk) if pk else None

    def clean_taken_by(self):
        pk = self.cleaned_data.get("taken_by")
        return self.members.get(pk) if pk else None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = {
            "started_at": data["started_at"],
            "duration_minutes": data["duration_minutes"],
            "channel": data["channel"],
            "team": data.get("team"),
            "taken_by": data.get("taken_by"),
            "topic": data["topic"],
            "outcome": data["outcome"],
            "intervention": data.get("intervention", ""),
            "note": data.get("note", ""),
        }
        return fields | self.screen_and_caller()


class CallEditForm(CallFieldsMixin, BootstrapFormMixin, forms.Form):
    """Correcting a call: what was said and done, not who or when (void and log again for that)."""

    duration_minutes = forms.IntegerField(label=_("通话时长（分钟）"), min_value=0, max_value=MAX_CALL_MINUTES)
    topic = forms.ChoiceField(label=_("主要问题"), choices=Topic.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    intervention = forms.CharField(
        label=_("干预措施"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.add_screen_and_caller([call.team] if call.team_id else [])
        if call.place_code and call.place_code not in dict(self.fields["region"].choices):
            self.fields["region"].choices += [(call.place_code, call.place_code)]
        if not self.is_bound:
            self.initial.update(
                {
                    "duration_minutes": call.duration_minutes,
                    "topic": call.topic,
                    "outcome": call.outcome,
                    "intervention": call.intervention,
                    "note": call.note,
                    "caller_gender": call.caller_gender,
                    "caller_age_group": call.caller_age_group,
                    "region": call.place_code,
                    **{f: "1" if getattr(call, f) else "0" for f in rules.RISK_FIELDS},
                }
            )

    def changes(self) -> dict:
        """Only what differs from the stored call (the phone: only when a new one is typed)."""
        data = self.cleaned_data
        wanted = {
            "duration_minutes": data["duration_minutes"],
            "topic": data["topic"],
            "outcome": data["outcome"],
            "intervention": data.get("intervention", "").strip(),
            "note": data.get("note", "").strip(),
        } | self.screen_and_caller()
        current = {
            "region": self.call.place_code,
            **{f: getattr(self.call, f) for f in wanted if f not in ("region", "callback_phone")},
        }
        changed = {k: v for k, v in wanted.items() if k != "callback_phone" and current.get(k) != v}
        if wanted["callback_phone"]:
            changed["callback_phone"] = wanted["callback_phone"]
        return changed


def parse_call_number(text: str) -> int | None:
    digits = (text or "").strip().lstrip("#＃").strip()
    if digits.isdigit() and len(digits) <= 19 and 0 < int(digits) <= MAX_CALL_NUMBER:
        return int(digits)
    return None


class CallFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("来电编号"), required=False, max_length=30)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput)
    risk_level = forms.ChoiceField(
        label=_("风险等级"), choices=[("", _("全部风险等级")), *RiskLevel.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("处理结果"), choices=[("", _("全部处理结果")), *Outcome.choices], required=False
    )
    topic = forms.ChoiceField(label=_("主要问题"), choices=[("", _("全部问题")), *Topic.choices], required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=[("", _("全部渠道")), *Channel.choices], required=False)
    off_roster = forms.BooleanField(label=_("只看不在排班内"), required=False)
    open_escalation = forms.BooleanField(label=_("只看危机升级未关闭"), required=False)
    voided = forms.BooleanField(label=_("含已作废"), required=False)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        query = data.pop("q", "")
        if query:
            number = parse_call_number(query)
            data["number"] = number if number is not None else -1  # not a number: no call has it
        return data


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class RevealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("查看事由"), max_length=200, initial=_("回访来电者"), help_text=_("查看完整号码会记入访问日志")
    )


class EscalationCloseForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"), choices=[("", _("请选择")), *Escalation.Outcome.choices], required=False
    )
    outcome_note = forms.CharField(
        label=_("处理经过"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

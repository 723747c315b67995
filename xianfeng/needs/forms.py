"""Forms of the needs ledger's pages. They shape what the user typed; the services
(services.py) apply the rules and have the last word."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.params import MAX_ID
from xianfeng.core.widgets import AutocompleteSelect
from xianfeng.members.selectors import member_picker_label
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.forms_records import (
    PROVIDER_AUTOCOMPLETE_URL,
    HouseholdChoiceField,
    ResidentChoiceField,
    team_choices,
)
from xianfeng.servicelog.models import MAX_QUANTITY, ServiceRecord, Subject
from xianfeng.servicelog.selectors import provider_queryset, service_types_for

from .models import Category, Source, Status
from .selectors import STATUS_OPEN_ANY, NeedFilters


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return member_picker_label(obj)


def _member_field(label, required=False) -> MemberChoiceField:
    return MemberChoiceField(
        label=label,
        queryset=None,
        required=required,
        widget=AutocompleteSelect(PROVIDER_AUTOCOMPLETE_URL, placeholder=_("输入姓名、拼音首字母或志愿者编号")),
    )


class NeedForm(BootstrapFormMixin, forms.Form):
    """Recording a need on a phone: who, what kind (big buttons), what, who handles it by when.
    Editing uses the same form without the assignment (``need`` given)."""

    resident = ResidentChoiceField(label=_("居民"), queryset=None, required=False)
    household = HouseholdChoiceField(
        label=_("或：户"), queryset=None, required=False, help_text=_("诉求属于整户时选择户，不必再选居民")
    )
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("诉求"), max_length=100, help_text=_("一句话，如：更换轮椅、代购降压药"))
    description = forms.CharField(
        label=_("详细情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(label=_("反映渠道"), choices=Source.choices, initial=Source.VISIT)
    raised_by_name = forms.CharField(
        label=_("反映人"), required=False, max_length=50, help_text=_("本人、家属、村干部等；不填即为服务对象本人")
    )
    raised_on = forms.DateField(label=_("反映日期"), widget=DateInput, initial=timezone.localdate)
    due_on = forms.DateField(label=_("办结期限"), widget=DateInput, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, need=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.need = need
        self.fields["resident"].queryset = scoped(user, Resident, VIEW).filter(merged_into__isnull=True)
        self.fields["household"].queryset = scoped(user, Household, VIEW)
        if need is None:
            self.fields["assigned_member"] = _member_field(_("责任人"))
            self.fields["assigned_member"].queryset = provider_queryset(user)
            self.fields["assigned_team"] = forms.ModelChoiceField(
                label=_("责任队伍"), queryset=team_choices(user), required=False
            )
            self.fields["assigned_team"].widget.attrs["class"] = "form-select"
            # Keep the order: the assignee before the due date.
            order = list(self.fields)
            for name in ("assigned_member", "assigned_team"):
                order.remove(name)
            at = order.index("due_on")
            self.order_fields(order[:at] + ["assigned_member", "assigned_team"] + order[at:])
            if not self.is_bound:
                self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        else:
            del self.fields["idempotency_key"]

    def clean(self):
        data = super().clean()
        if not data.get("resident") and not data.get("household") and not self.has_error("resident"):
            self.add_error("resident", _("请选择提出诉求的居民或户"))
        raised_on, due_on = data.get("raised_on"), data.get("due_on")
        if raised_on and raised_on > timezone.localdate():
            self.add_error("raised_on", _("反映日期不能晚于今天"))
        if raised_on and due_on and due_on < raised_on:
            self.add_error("due_on", _("办结期限不能早于反映日期"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = ("resident", "household", "category", "title", "description", "source", "raised_by_name")
        kwargs = {name: data[name] for name in fields}
        kwargs["raised_on"] = data["raised_on"]
        kwargs["due_on"] = data.get("due_on")
        if self.need is None:
            kwargs["assigned_member"] = data.get("assigned_member")
            kwargs["assigned_team"] = data.get("assigned_team")
        return kwargs

    def changes(self, need) -> dict:
        kwargs = self.service_kwargs()
        return {k: v for k, v in kwargs.items() if getattr(need, k) != v}


class AssignForm(BootstrapFormMixin, forms.Form):
    assigned_team = forms.ModelChoiceField(label=_("责任队伍"), queryset=None, required=False)
    due_on = forms.DateField(label=_("办结期限"), widget=DateInput, required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_member"] = _member_field(_("责任人"))
        self.fields["assigned_member"].queryset = provider_queryset(user)
        self.fields["assigned_team"].queryset = team_choices(user)
        self.order_fields(["assigned_member", "assigned_team", "due_on", "note"])

    def clean(self):
        data = super().clean()
        if not data.get("assigned_member") and not data.get("assigned_team"):
            self.add_error("assigned_member", _("请选择责任人或责任队伍"))
        return data


class RecordChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, record):
        who = record.resident.name if record.resident_id else ""
        parts = [f"{record.served_on:%Y-%m-%d}", record.service_type.name, who, record.note[:30]]
        return " · ".join(p for p in parts if p)


class ResolveForm(BootstrapFormMixin, forms.Form):
    """Pick the evidence among the subject's recent records."""

    records = RecordChoices(label=_("办理记录（解决依据）"), queryset=ServiceRecord.objects.none(), required=False)
    resolution_note = forms.CharField(
        label=_("办理结果"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    closed_on = forms.DateField(label=_("办结日期"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, candidates, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        ids = [r.pk for r in self.candidates]
        # The choices are the records already read; a posted id outside them is refused.
        field = self.fields["records"]
        field.queryset = scoped(user, ServiceRecord).filter(pk__in=ids).select_related("service_type", "resident")

    def clean_records(self):
        records = self.cleaned_data["records"]
        if not records:
            raise forms.ValidationError(_("请至少选择一条服务记录作为解决依据；没有记录时可先在下方登记本次服务"))
        return records


class NewRecordForm(BootstrapFormMixin, forms.Form):
    """The minimal service record made on the spot (送药上门, 代办代购...), then the need resolved with it."""

    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=None, empty_label=_("— 请选择 —"))
    served_on = forms.DateField(label=_("服务日期"), widget=DateInput, initial=timezone.localdate)
    quantity = forms.DecimalField(
        label=_("数量"), initial=1, min_value=0.01, max_value=MAX_QUANTITY, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("服务内容"), required=False, max_length=500)
    resolution_note = forms.CharField(label=_("办理结果"), required=False, max_length=2000)

    def __init__(self, *args, user, need, **kwargs):
        super().__init__(*args, **kwargs)
        subjects = [Subject.ANY, Subject.RESIDENT if need.resident_id else Subject.HOUSEHOLD]
        if need.household_id:
            subjects.append(Subject.HOUSEHOLD)
        types = service_types_for(user).filter(subject__in=subjects)
        self.fields["service_type"].queryset = types

    def record_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "service_type": data["service_type"],
            "served_on": data["served_on"],
            "quantity": data["quantity"],
            "note": data["note"],
        }


class CloseForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("未解决原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：不符合政策、本人放弃、已迁出"),
    )
    closed_on = forms.DateField(label=_("办结日期"), widget=DateInput, initial=timezone.localdate)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class NeedFilterForm(forms.Form):
    """The list's filters (in the URL); a bad value is ignored with a message, never a 500."""

    q = forms.CharField(required=False, max_length=50)
    category = forms.ChoiceField(required=False, choices=[("", _("全部类别")), *Category.choices])
    status = forms.ChoiceField(
        required=False, choices=[("", _("全部状态")), (STATUS_OPEN_ANY, _("待办和办理中")), *Status.choices]
    )
    township = forms.RegexField(required=False, regex=r"^\d{6}(\d{3}(\d{3})?)?$")
    date_from = forms.DateField(required=False, label=_("反映日期从"))
    date_to = forms.DateField(required=False, label=_("反映日期至"))
    overdue = forms.BooleanField(required=False)
    assigned = forms.ChoiceField(required=False, choices=[("", ""), ("me", _("分派给我的"))])
    team = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    resident = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    household = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    voided = forms.BooleanField(required=False)

    def filters(self) -> NeedFilters:
        if not self.is_bound:
            return NeedFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return NeedFilters(
            q=data.get("q") or "",
            category=data.get("category") or "",
            status=data.get("status") or "",
            township=data.get("township") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            overdue=bool(data.get("overdue")),
            mine=data.get("assigned") == "me",
            team=data.get("team"),
            resident=data.get("resident"),
            household=data.get("household"),
            voided=bool(data.get("voided")),
        )

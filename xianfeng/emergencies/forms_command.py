"""Forms of the emergency's pages. They shape what the user typed; the services
(services_command.py, services_daily.py) apply the rules and have the last word."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.teams.forms import MemberChoiceField, MemberMultipleChoiceField

from . import report_form
from .models import Emergency

MAX_NEW_FIELDS = 3


class EmergencyFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    status = forms.ChoiceField(
        required=False, choices=[("", _("全部")), ("active", _("进行中")), ("ended", _("已结束"))]
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "status": ""}
        return {"q": self.cleaned_data.get("q", ""), "status": self.cleaned_data.get("status", "")}


class EmergencyForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如：新冠肺炎疫情防控"))
    kind = forms.ChoiceField(label=_("类型"), choices=Emergency.Kind.choices, initial=Emergency.Kind.EPIDEMIC)
    org = forms.ModelChoiceField(label=_("牵头组织"), queryset=None)
    start_on = forms.DateField(label=_("开始日期"), widget=DateInput, initial=timezone.localdate)
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput, required=False, help_text=_("尚未结束的不填"))
    description = forms.CharField(
        label=_("情况说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, org_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices

    def changes(self, emergency: Emergency) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if getattr(emergency, name) != value
            and not (name == "description" and not value and not emergency.description)
        }


class EmergencyCloseForm(BootstrapFormMixin, forms.Form):
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput, initial=timezone.localdate)


class CallForm(BootstrapFormMixin, forms.Form):
    call_text = forms.CharField(
        label=_("请战倡议"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("党员在手机上看到的号召"),
    )
    pledges_open = forms.BooleanField(label=_("接收请战书"), required=False)


class WorkingGroupForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("工作组"), max_length=50, help_text=_("如：医疗救治组、院感防控组"))
    duties = forms.CharField(label=_("职责"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    leader = MemberChoiceField(label=_("组长"), queryset=None, required=False)
    members = MemberMultipleChoiceField(label=_("成员"), queryset=None, required=False)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, required=False)

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = member_choices
        self.fields["members"].queryset = member_choices


class LeadershipMeetingForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=DateInput, initial=timezone.localdate)
    title = forms.CharField(label=_("议题"), max_length=100)
    host = MemberChoiceField(label=_("主持人"), queryset=None, required=False)
    attendees = MemberMultipleChoiceField(label=_("参会人员"), queryset=None, required=False)
    decisions = forms.CharField(
        label=_("决定事项"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = member_choices
        self.fields["attendees"].queryset = member_choices


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class DailyReportForm(BootstrapFormMixin, forms.Form):
    """One number per enabled field (cumulative, prefilled with the last report's), the day and a
    note; ``correcting``: the day is fixed and a reason is required."""

    day = forms.DateField(label=_("日期"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, emergency: Emergency, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_fields = report_form.enabled_fields(emergency)
        if correcting:
            del self.fields["day"]
        for field in self.report_fields:
            self.fields[field["code"]] = forms.IntegerField(
                label=field["label"],
                min_value=0,
                max_value=report_form.MAX_COUNT,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "data-cumulative": field["code"]}),
            )
        self.fields["note"] = forms.CharField(
            label=_("情况说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
        )
        if correcting:
            self.fields["reason"] = forms.CharField(label=_("更正原因"), max_length=200)

    def count_fields(self):
        return [self[f["code"]] for f in self.report_fields]

    def counts(self) -> dict:
        return {f["code"]: self.cleaned_data.get(f["code"]) for f in self.report_fields}


class ReportFieldsForm(BootstrapFormMixin, forms.Form):
    """The report's fields as rows: label, switched on, order, removed (only a field without
    counts), and MAX_NEW_FIELDS empty rows for new fields."""

    def __init__(self, *args, current: list[dict], used: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for i, field in enumerate(current):
            self._row(i, field, removable=field["code"] not in used)
        for j in range(MAX_NEW_FIELDS):
            self._row(len(current) + j, None, removable=False)

    def _row(self, i: int, field: dict | None, removable: bool) -> None:
        self.fields[f"code_{i}"] = forms.CharField(
            required=False, max_length=30, widget=forms.HiddenInput, initial=field["code"] if field else ""
        )
        self.fields[f"label_{i}"] = forms.CharField(
            label=_("名称"), required=False, max_length=report_form.MAX_LABEL, initial=field["label"] if field else ""
        )
        self.fields[f"enabled_{i}"] = forms.BooleanField(
            label=_("启用"), required=False, initial=field["enabled"] if field else True
        )
        self.fields[f"order_{i}"] = forms.IntegerField(
            label=_("顺序"), required=False, min_value=0, max_value=999, initial=i + 1
        )
        if removable:
            self.fields[f"remove_{i}"] = forms.BooleanField(label=_("删除"), required=False)
        self.rows.append(
            {
                "index": i,
                "new": field is None,
                "code": self[f"code_{i}"],
                "label": self[f"label_{i}"],
                "enabled": self[f"enabled_{i}"],
                "order": self[f"order_{i}"],
                "remove": self[f"remove_{i}"] if removable else None,
            }
        )

    def fields_list(self) -> list[dict]:
        data = self.cleaned_data
        chosen = []
        for row in self.rows:
            i = row["index"]
            label = (data.get(f"label_{i}") or "").strip()
            code = data.get(f"code_{i}") or ""
            if data.get(f"remove_{i}"):
                continue
            if row["new"] and not label:
                continue
            order = data.get(f"order_{i}")
            chosen.append(
                (
                    order if order is not None else 999,
                    i,
                    {"code": code, "label": label, "enabled": bool(data.get(f"enabled_{i}"))},
                )
            )
        chosen.sort(key=lambda t: (t[0], t[1]))
        return [item for _o, _i, item in chosen]

"""Forms of the 结对帮扶 pages: the list's filters, a new pair, the one-click team page and the
compliance table. They shape input only; services_pairing and the program check the rules."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import AutocompleteSelect
from xianfeng.members.selectors import member_picker_label
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.forms_activities import RegionField
from xianfeng.servicelog.forms_records import (
    PROVIDER_AUTOCOMPLETE_URL,
    HouseholdChoiceField,
    ResidentChoiceField,
    team_choices,
)
from xianfeng.servicelog.selectors import provider_queryset
from xianfeng.teams.models import Team

from .compliance import MONTH, WEEK
from .pairing import KIND_CHOICES

PERIOD_CHOICES = [(WEEK, _("每周")), (MONTH, _("每月"))]
SUBJECT_CHOICES = [("household", _("一户家庭")), ("resident", _("一位居民")), ("region", _("一个乡镇（村）的患者"))]


class MemberChoiceField(forms.ModelChoiceField):
    """One member the user may name as responsible (the service log's providers)."""

    widget = AutocompleteSelect(PROVIDER_AUTOCOMPLETE_URL, placeholder=_("输入姓名、拼音首字母或志愿者编号"))

    def label_from_instance(self, obj):
        return member_picker_label(obj)


def _members(user):
    return provider_queryset(user).select_related("branch")


class PairingFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=50, required=False)
    team = forms.ModelChoiceField(label=_("帮扶队伍"), queryset=None, required=False, empty_label=_("全部队伍"))
    member = MemberChoiceField(label=_("帮扶人"), queryset=None, required=False)
    mine = forms.BooleanField(label=_("只看我的"), required=False)
    closed = forms.BooleanField(label=_("含已结案"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoped(user, Team).order_by("name")
        self.fields["member"].queryset = _members(user)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class PairingForm(BootstrapFormMixin, forms.Form):
    subject = forms.ChoiceField(
        label=_("结对对象"), choices=SUBJECT_CHOICES, initial="household", widget=forms.RadioSelect
    )
    household = HouseholdChoiceField(label=_("户"), queryset=None, required=False)
    resident = ResidentChoiceField(label=_("居民"), queryset=None, required=False)
    region = RegionField(
        label=_("乡镇（村）"), required=False, max_length=120, help_text=_("输入名称从列表中选择，或填写区划代码")
    )
    responsible_member = MemberChoiceField(label=_("帮扶人"), queryset=None, required=False)
    responsible_team = forms.ModelChoiceField(label=_("帮扶队伍"), queryset=None, required=False)
    target_count = forms.IntegerField(label=_("目标联系次数"), min_value=1, max_value=31, initial=2)
    target_period = forms.ChoiceField(label=_("考核周期"), choices=PERIOD_CHOICES, initial=WEEK)
    kind = forms.ChoiceField(label=_("帮扶类别"), choices=[("", "—"), *map(tuple, KIND_CHOICES)], required=False)
    purpose = forms.CharField(label=_("帮扶内容"), max_length=200, required=False)
    enrolled_on = forms.DateField(label=_("结对日期"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = scoped(user, Household).select_related("head", "village")
        self.fields["resident"].queryset = scoped(user, Resident).filter(merged_into__isnull=True)
        self.fields["responsible_member"].queryset = _members(user)
        self.fields["responsible_team"].queryset = team_choices(user)
        self.fields["region"].widget.attrs.update({"list": "region-options", "autocomplete": "off"})

    def clean(self):
        data = super().clean()
        chosen = data.get("subject")
        if chosen and not data.get(chosen):
            self.add_error(chosen, _("请选择结对的对象"))
        if not data.get("responsible_member") and not data.get("responsible_team"):
            self.add_error("responsible_member", _("请选择结对的帮扶人（成员）或帮扶队伍"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        chosen = data["subject"]
        return {
            chosen: data[chosen],
            "responsible_member": data.get("responsible_member"),
            "responsible_team": data.get("responsible_team"),
            "target_count": data["target_count"],
            "target_period": data["target_period"],
            "kind": data.get("kind") or "",
            "purpose": data.get("purpose") or "",
            "enrolled_on": data["enrolled_on"],
        }


class TeamPairingForm(BootstrapFormMixin, forms.Form):
    """The one-click page: one volunteer for every family, or one per family (``v_<household>``)."""

    member = MemberChoiceField(
        label=_("帮扶人"), queryset=None, required=False, help_text=_("为每户分别选择帮扶人时可不填")
    )
    target_count = forms.IntegerField(label=_("每周期至少联系"), min_value=1, max_value=31, initial=2)
    target_period = forms.ChoiceField(label=_("考核周期"), choices=PERIOD_CHOICES, initial=WEEK)

    def __init__(self, *args, user, families, **kwargs):
        super().__init__(*args, **kwargs)
        members = _members(user)
        self.fields["member"].queryset = members
        self.family_fields = []
        for family in families:
            if family.pairing is not None:
                continue
            name = f"v_{family.household.pk}"
            self.fields[name] = MemberChoiceField(label=str(family.household), queryset=members, required=False)
            self.family_fields.append((family, name))

    def volunteers(self) -> dict:
        return {f.household.pk: self.cleaned_data[n] for f, n in self.family_fields if self.cleaned_data.get(n)}

    def bound_family_fields(self):
        return [(family, self[name]) for family, name in self.family_fields]


class ComplianceForm(BootstrapFormMixin, forms.Form):
    period = forms.ChoiceField(label=_("考核周期"), choices=PERIOD_CHOICES, required=False, initial=WEEK)
    start = forms.DateField(label=_("开始日期"), widget=DateInput, required=False)
    end = forms.DateField(label=_("结束日期"), widget=DateInput, required=False)
    team = forms.ModelChoiceField(label=_("帮扶队伍"), queryset=None, required=False, empty_label=_("全部队伍"))

    MAX_DAYS = 400

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoped(user, Team).order_by("name")

    def values(self) -> dict:
        """The period and range asked for, or the last four weeks (twelve months) by default."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or WEEK
        today = timezone.localdate()
        end = data.get("end") or today
        default_days = 27 if period == WEEK else 365
        start = data.get("start") or end - datetime.timedelta(days=default_days)
        if start > end:
            start, end = end, start
        start = max(start, end - datetime.timedelta(days=self.MAX_DAYS))
        return {"period": period, "start": start, "end": end, "team": data.get("team")}

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import MEMBER_AUTOCOMPLETE_URL, AutocompleteSelect, AutocompleteSelectMultiple
from xianfeng.members.selectors import member_picker_label
from xianfeng.regions.selectors import regions_by_code

from .models import Team, TeamMembership

MEMBER_PLACEHOLDER = _("输入姓名、拼音首字母、志愿者编号或电话后四位")


class MemberChoiceField(forms.ModelChoiceField):
    """A member picked by searching (members:autocomplete); the queryset still validates the pk."""

    widget = AutocompleteSelect(MEMBER_AUTOCOMPLETE_URL, placeholder=MEMBER_PLACEHOLDER)

    def label_from_instance(self, obj):
        return member_picker_label(obj)


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = AutocompleteSelectMultiple(MEMBER_AUTOCOMPLETE_URL, placeholder=MEMBER_PLACEHOLDER)

    def label_from_instance(self, obj):
        return member_picker_label(obj)


class TeamForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Team.Kind.choices)
    custom_kind = forms.CharField(
        label=_("自定义类型"), max_length=30, required=False, help_text=_("类型为“其他”时填写")
    )
    owner_org = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    active_from = forms.DateField(label=_("组建日期"), widget=DateInput, initial=timezone.localdate)
    purpose = forms.CharField(label=_("任务/宗旨"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, org_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_org"].queryset = org_choices


class DissolveTeamForm(BootstrapFormMixin, forms.Form):
    on_date = forms.DateField(label=_("解散日期"), widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), max_length=100)


class MembershipForm(BootstrapFormMixin, forms.Form):
    member = MemberChoiceField(label=_("人员"), queryset=None)
    role = forms.ChoiceField(label=_("角色"), choices=TeamMembership.Role.choices, initial=TeamMembership.Role.MEMBER)
    start_on = forms.DateField(label=_("起始日期"), widget=DateInput, initial=timezone.localdate)
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput, required=False)

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = member_choices


class EndMembershipForm(BootstrapFormMixin, forms.Form):
    end_on = forms.DateField(label=_("离队日期"), widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)


class RotateForm(BootstrapFormMixin, forms.Form):
    on_date = forms.DateField(
        label=_("轮换日期"),
        widget=DateInput,
        initial=timezone.localdate,
        help_text=_("离队成员在前一天结束，新成员自当天起"),
    )
    leaving = forms.ModelMultipleChoiceField(
        label=_("轮换离队"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    lead = MemberChoiceField(label=_("新任负责人"), queryset=None, required=False)
    lead_role = forms.ChoiceField(
        label=_("负责人角色"),
        choices=[(r, label) for r, label in TeamMembership.Role.choices if r != TeamMembership.Role.MEMBER],
        initial=TeamMembership.Role.LEADER,
    )
    joining = MemberMultipleChoiceField(label=_("新加入队员"), queryset=None, required=False)
    reason = forms.CharField(label=_("说明"), max_length=100, required=False, initial=_("轮换"))

    def __init__(self, *args, current, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaving"].queryset = current
        self.fields["leaving"].label_from_instance = lambda m: f"{m.member.name} · {m.get_role_display()}"
        self.fields["lead"].queryset = member_choices
        self.fields["joining"].queryset = member_choices

    def joining_pairs(self) -> list:
        pairs = []
        lead = self.cleaned_data.get("lead")
        if lead is not None:
            pairs.append((lead, self.cleaned_data["lead_role"]))
        for member in self.cleaned_data.get("joining") or []:
            if lead is None or member.pk != lead.pk:
                pairs.append((member, TeamMembership.Role.MEMBER))
        return pairs


class PostForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("岗位名称"), max_length=100)
    owner_org = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    location = forms.CharField(label=_("岗位地点"), max_length=100, required=False)
    duties = forms.CharField(label=_("岗位职责"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    active_from = forms.DateField(label=_("设岗日期"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, org_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_org"].queryset = org_choices


class ZoneForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("责任区名称"), max_length=100)
    owner_org = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    regions = forms.CharField(
        label=_("地区代码"), required=False, help_text=_("乡镇或村的区划代码，逗号或空格分隔，如 210681101")
    )
    departments = forms.ModelMultipleChoiceField(label=_("科室/部门"), queryset=None, required=False)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    active_from = forms.DateField(label=_("设立日期"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, org_choices, department_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_org"].queryset = org_choices
        self.fields["departments"].queryset = department_choices

    def clean_regions(self):
        raw = self.cleaned_data.get("regions", "")
        codes = [c for c in raw.replace("，", ",").replace(" ", ",").split(",") if c.strip()]
        regions, unknown = regions_by_code(codes)
        if unknown:
            raise forms.ValidationError(_("未知的区划代码：%(codes)s") % {"codes": "、".join(unknown)})
        return regions


class AssignForm(BootstrapFormMixin, forms.Form):
    member = MemberChoiceField(label=_("负责人"), queryset=None)
    start_on = forms.DateField(label=_("起始日期"), widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = member_choices

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.regions.selectors import regions_by_code

from . import rules
from .models import Organization

# The rules of the party organizations under the kind field (every rule shows when one is broken).
_HELP_KINDS = [Organization.Kind.GENERAL_BRANCH, Organization.Kind.BRANCH, Organization.Kind.GROUP]
KIND_HELP = lazy(lambda: "；".join(rules.rule_text(k) for k in _HELP_KINDS), str)()


class OrganizationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Organization.Kind.choices, help_text=KIND_HELP)
    parent = forms.ModelChoiceField(
        label=_("上级组织"), queryset=None, required=False, help_text=_("只列出您可管理的、未撤销的组织")
    )
    active_from = forms.DateField(label=_("成立日期"), widget=DateInput, initial=timezone.localdate)
    regions = forms.CharField(
        label=_("服务地区代码"),
        required=False,
        help_text=_("区划代码，逗号或空格分隔，如 210681101,210681104"),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("联盟成员"), queryset=None, required=False, help_text=_("仅“联盟”类型使用")
    )
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, parent_choices, partner_choices, with_parent=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_parent:
            self.fields["parent"].queryset = parent_choices
        else:
            del self.fields["parent"]
        self.fields["partners"].queryset = partner_choices

    def clean_regions(self):
        raw = self.cleaned_data.get("regions", "")
        codes = [c for c in raw.replace("，", ",").replace(" ", ",").split(",") if c.strip()]
        regions, unknown = regions_by_code(codes)
        if unknown:
            raise forms.ValidationError(_("未知的区划代码：%(codes)s") % {"codes": "、".join(unknown)})
        return regions


class MoveForm(BootstrapFormMixin, forms.Form):
    new_parent = forms.ModelChoiceField(label=_("新的上级组织"), queryset=None, required=False)

    def __init__(self, *args, parent_choices, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        field = self.fields["new_parent"]
        field.queryset = parent_choices  # already narrowed to the kinds allowed (orgs.rules)
        top = "；" + str(_("留空则成为顶层组织")) if rules.may_be_top(kind) else ""
        field.help_text = rules.rule_text(kind) + top

    def clean_new_parent(self):
        parent = self.cleaned_data.get("new_parent")
        try:
            rules.check_parent_kind(self.kind, parent, field="new_parent")
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["new_parent"]) from exc
        return parent


class DissolveForm(BootstrapFormMixin, forms.Form):
    on_date = forms.DateField(label=_("撤销日期"), widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
    confirm = forms.BooleanField(label=_("我确认撤销该组织（历史记录保留）"))

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import HOUSEHOLD_AUTOCOMPLETE_URL, AutocompleteSelect

from . import rules, selectors
from .importing import VillageResolver
from .models import HEALTH_TAGS, Consent, Gender, HouseholdTagKind, Relation, ResidentTagKind


class VillageField(forms.CharField):
    """A village typed as its 12-digit code or its name, resolved within the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("所属村"))
        kwargs.setdefault("help_text", _("12位村代码或村名（限您可登记居民的地区）"))
        super().__init__(*args, **kwargs)
        self.resolver = None

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        code, message = self.resolver.resolve(text)
        if message:
            raise forms.ValidationError(message)
        return selectors.village_by_code(code)


class ResidentForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        help_text=_("18位或15位；没有可留空（将标记为“无身份证号”）"),
    )
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("按身份证号"))] + Gender.choices, required=False)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    village = VillageField()
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    household = forms.ModelChoiceField(
        label=_("所在户"),
        queryset=None,
        required=False,
        widget=AutocompleteSelect(HOUSEHOLD_AUTOCOMPLETE_URL, placeholder=_("输入户编号、户主姓名或拼音首字母")),
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[("", "—")] + Relation.choices, required=False)
    deceased_on = forms.DateField(label=_("死亡日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].resolver = VillageResolver(selectors.change_region_prefixes(user))
        self.fields["household"].queryset = selectors.household_choices(user=user)
        if editing:
            # Personal data is never put back into a form: that would reveal it without a log.
            for name in ("id_number", "phone"):
                self.fields[name].help_text = _("留空表示不修改；填写新值将替换原值")
        else:
            del self.fields["deceased_on"]

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        message = rules.birth_date_error(birth_date)  # the service checks again (API, imports)
        if message:
            raise forms.ValidationError(message)
        return birth_date

    def changes(self, editing: bool) -> dict:
        data = dict(self.cleaned_data)
        if editing:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)
        return data


class TagForm(BootstrapFormMixin, forms.Form):
    tag = forms.ChoiceField(
        label=_("人群分类"), choices=[c for c in ResidentTagKind.choices if c[0] != ResidentTagKind.ELDERLY]
    )
    valid_from = forms.DateField(label=_("起始日期"), widget=DateInput, required=False, initial=timezone.localdate)
    valid_to = forms.DateField(label=_("结束日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, health: bool = True, **kwargs):
        """``health=False``: health groups (HEALTH_TAGS) are not offered (the service refuses them too)."""
        super().__init__(*args, **kwargs)
        if not health:
            field = self.fields["tag"]
            field.choices = [c for c in field.choices if c[0] not in HEALTH_TAGS]


class HouseholdTagForm(TagForm):
    tag = forms.ChoiceField(label=_("户类别"), choices=HouseholdTagKind.choices)


class TagEndForm(BootstrapFormMixin, forms.Form):
    tag_id = forms.IntegerField(widget=forms.HiddenInput)
    on_date = forms.DateField(label=_("结束日期"), widget=DateInput, initial=timezone.localdate)


class ConsentForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "granted", "on_date", "method", "note"]
        widgets = {"on_date": DateInput}


class RevealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("查看事由"), max_length=200, help_text=_("将记入访问日志：谁、何时、查看了谁的哪些信息、为什么")
    )


class ExportForm(BootstrapFormMixin, forms.Form):
    unmasked = forms.BooleanField(label=_("导出完整身份证号和电话（不脱敏）"), required=False)
    reason = forms.CharField(label=_("导出事由"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("unmasked") and not data.get("reason", "").strip():
            self.add_error("reason", _("导出完整信息须填写事由"))
        return data


class MergeForm(BootstrapFormMixin, forms.Form):
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("合并原因"), max_length=200, required=False)
    confirm = forms.BooleanField(label=_("我已核对，两条记录是同一人（合并后可撤销）"))


class HouseholdForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(label=_("户编号"), max_length=40, required=False)
    village = VillageField()
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, help_text=_("编辑时留空表示不修改"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].resolver = VillageResolver(selectors.change_region_prefixes(user))

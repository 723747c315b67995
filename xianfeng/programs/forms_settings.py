"""Forms of the settings pages: one program's deployment settings (built from its SettingSpecs),
and a custom interval program with a small editor of its visit fields (one row per field; choices
typed as "code=名称; …"). The services check everything again (services_settings, services_custom)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin
from xianfeng.residents.models import ResidentTagKind

from .services_custom import FIELD_KINDS, MAX_FIELDS

KIND_LABELS = {
    "choice": _("单选"),
    "multichoice": _("多选"),
    "integer": _("整数"),
    "decimal": _("小数"),
    "text": _("文字"),
    "boolean": _("是/否"),
    "date": _("日期"),
}


class ProgramSettingsForm(BootstrapFormMixin, forms.Form):
    """The settings of one program: a field per SettingSpec, named by its key."""

    program = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, program, values: dict, **kwargs):
        initial = {"program": program.code, **values}
        super().__init__(*args, initial=initial, prefix=program.code, **kwargs)
        self.program_obj = program
        for spec in program.settings:
            if spec.kind == "choice":
                field = forms.ChoiceField(label=spec.label, choices=[(c, t) for c, t in spec.choices])
            else:
                field = forms.IntegerField(label=spec.label, min_value=spec.min, max_value=spec.max)
            field.help_text = spec.help
            self.fields[spec.key] = field
        self.order_fields([spec.key for spec in program.settings])

    def changed_values(self, current: dict) -> dict:
        """The settings whose submitted value differs from the current one."""
        return {
            spec.key: self.cleaned_data[spec.key]
            for spec in self.program_obj.settings
            if self.cleaned_data.get(spec.key) != current.get(spec.key)
        }


class CustomProgramForm(BootstrapFormMixin, forms.Form):
    code = forms.SlugField(
        label=_("代码"),
        max_length=30,
        help_text=_("英文代码（小写字母、数字、下划线），如 pregnancy_mental；创建后不能修改"),
    )
    name = forms.CharField(label=_("名称"), max_length=50)
    eligible_tags = forms.MultipleChoiceField(
        label=_("适用人群"),
        required=False,
        choices=ResidentTagKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("居民须带有其中一个标签才能纳入；都不选表示任何居民"),
    )
    interval_days = forms.IntegerField(label=_("随访间隔（天）"), min_value=1, max_value=730, initial=30)
    service_type = forms.ModelChoiceField(
        label=_("随访登记为"),
        queryset=None,
        help_text=_("每次随访记为这种服务（计入服务人次）；健康类服务使本项目成为健康信息"),
    )
    health = forms.BooleanField(
        label=_("健康信息"), required=False, help_text=_("只有持健康权限的角色能看到本项目的对象和随访")
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True, help_text=_("停用后不能再纳入新对象"))

    def __init__(self, *args, service_types, code_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = service_types
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("项目代码创建后不能修改")

    @staticmethod
    def initial_for(row) -> dict:
        return {
            "code": row.code,
            "name": row.name,
            "eligible_tags": row.eligible_tags,
            "interval_days": row.interval_days,
            "service_type": row.service_type_id,
            "health": row.health,
            "active": row.active,
        }


class VisitFieldForm(BootstrapFormMixin, forms.Form):
    key = forms.CharField(label=_("键"), max_length=30, required=False)
    label = forms.CharField(label=_("名称"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[(k, KIND_LABELS[k]) for k in FIELD_KINDS], initial="text")
    required = forms.BooleanField(label=_("必填"), required=False)
    choices = forms.CharField(
        label=_("选项"),
        max_length=1000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "yes=是; no=否"}),
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("key") or "").strip() and not (data.get("label") or "").strip()


VisitFieldFormSet = forms.formset_factory(
    VisitFieldForm, extra=3, can_delete=True, max_num=MAX_FIELDS, validate_max=True
)

_SEPARATORS = re.compile(r"[;；\n,，]")


def parse_choices(text: str) -> list[list[str]]:
    """ "yes=是; no=否" → [["yes", "是"], ["no", "否"]]; an item without "=" is its own code."""
    choices = []
    for item in _SEPARATORS.split(text or ""):
        item = item.strip()
        if not item:
            continue
        code, sep, label = item.replace("＝", "=").partition("=")
        choices.append([code.strip(), label.strip()] if sep else [item, item])
    return choices


def format_choices(choices) -> str:
    return "; ".join(f"{code}={label}" for code, label in choices or [])


def visit_fields_from(formset) -> list[dict]:
    """The rows of a valid formset as field definitions (blank and deleted rows left out)."""
    fields = []
    for form in formset.forms:
        if not form.cleaned_data or form.cleaned_data.get("DELETE") or form.is_blank():
            continue
        data = form.cleaned_data
        item = {
            "key": data["key"].strip(),
            "label": data["label"].strip(),
            "kind": data["kind"],
            "required": bool(data["required"]),
        }
        choices = parse_choices(data.get("choices", ""))
        if choices or data["kind"] in ("choice", "multichoice"):
            item["choices"] = choices
        fields.append(item)
    return fields


def visit_fields_initial(fields) -> list[dict]:
    return [
        {
            "key": f["key"],
            "label": f["label"],
            "kind": f.get("kind", "text"),
            "required": f.get("required", False),
            "choices": format_choices(f.get("choices")),
        }
        for f in fields or []
    ]

"""The form of the service-type catalogue (administrators). Result fields are edited as JSON and
checked by ``services_types.clean_result_fields``, whose message names the item at fault."""

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin

from .models import MAX_HOURS_PER_DAY, Category, Sensitivity, Subject, Unit
from .services_types import clean_result_fields

RESULT_FIELDS_EXAMPLE = (
    '[{"key": "result", "label": "筛查结果", "kind": "choice", "required": true, '
    '"choices": [["negative", "阴性"], ["positive", "阳性"]]}]'
)


class ServiceTypeForm(BootstrapFormMixin, forms.Form):
    code = forms.SlugField(
        label=_("代码"),
        max_length=40,
        help_text=_("稳定的英文代码（小写字母、数字、下划线），统计与接口使用；有记录使用后不能再改"),
    )
    name = forms.CharField(label=_("名称"), max_length=50)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    unit = forms.ChoiceField(label=_("计量单位"), choices=Unit.choices, initial=Unit.PERSON_TIME)
    counts_person_time = forms.BooleanField(label=_("计入服务人次"), required=False, initial=True)
    subject = forms.ChoiceField(label=_("服务对象"), choices=Subject.choices, initial=Subject.NONE)
    sensitivity = forms.TypedChoiceField(
        label=_("敏感级别"),
        choices=Sensitivity.choices,
        coerce=int,
        initial=Sensitivity.ORDINARY,
        help_text=_("健康信息类服务及其全部记录只有持健康权限的角色能看到；修改后已有记录随之调整"),
    )
    default_hours = forms.DecimalField(
        label=_("默认服务时长（小时）"),
        min_value=Decimal("0"),
        max_value=MAX_HOURS_PER_DAY,
        max_digits=4,
        decimal_places=1,
        initial=Decimal("1.0"),
    )
    result_fields = forms.CharField(
        label=_("结果字段（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text=format_lazy(
            "{}{}",
            _(
                "不需要结果项时留空。每项：key（英文键）、label（名称）、"
                "kind（choice 选项、integer 整数、decimal 小数、text 文本、boolean 是否）、"
                "required（是否必填）；choice 须有 choices，数字可有 min、max。例："
            ),
            RESULT_FIELDS_EXAMPLE,
        ),
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)
    active = forms.BooleanField(
        label=_("启用"), required=False, initial=True, help_text=_("停用后不能再登记该类型，已有记录保留并照常统计")
    )

    def __init__(self, *args, code_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("已有记录或活动使用该类型，代码不能再修改")

    @staticmethod
    def initial_for(stype) -> dict:
        initial = {name: getattr(stype, name) for name in ServiceTypeForm.base_fields}
        initial["result_fields"] = (
            json.dumps(stype.result_fields, ensure_ascii=False, indent=2) if stype.result_fields else ""
        )
        return initial

    def clean_result_fields(self):
        text = (self.cleaned_data.get("result_fields") or "").strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("不是有效的 JSON（第 %(line)d 行第 %(col)d 列）：请检查引号、逗号和括号")
                % {"line": exc.lineno, "col": exc.colno}
            ) from None
        except RecursionError:
            raise ValidationError(_("不是有效的结果字段：嵌套过深")) from None
        try:
            return clean_result_fields(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["result_fields"]) from None

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput

from .identity import birth_date_error
from .models import Member
from .pipeline import Step


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "phone",
            "branch",
            "category",
            "volunteer_no",
            "education",
            "title",
            "department",
            "photo",
            "note",
        ]
        widgets = {
            "birth_date": DateInput,
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "id_number": _("18位，校验位自动核对；出生日期与性别可由身份证号自动填写"),
            "volunteer_no": _("志愿者留空则自动编号；打印与公示时用志愿者编号代替身份证号"),
        }

    def __init__(self, *args, branch_choices, with_branch=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_branch:
            self.fields["branch"].queryset = branch_choices
        else:
            del self.fields["branch"]
        if self.instance.pk:
            # Personal data is never sent back to the browser: leave blank to keep it.
            for name in ("id_number", "phone"):
                self.initial[name] = ""
                self.fields[name].help_text = _("已登记（%(masked)s）；留空表示不修改") % {
                    "masked": getattr(self.instance, f"{name}_masked") or _("未填")
                }

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        message = birth_date_error(birth_date)  # member_clean_identity checks again (API)
        if message:
            raise forms.ValidationError(message)
        return birth_date

    def _post_clean(self):
        # Validation belongs to the service (member_create/member_update); skip the model's.
        pass

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("photo"):
            data.pop("photo", None)
        if self.instance.pk:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)
        return data


class PartyStepForm(BootstrapFormMixin, forms.Form):
    step = forms.ChoiceField(label=_("环节"), choices=Step.choices)
    on_date = forms.DateField(label=_("日期"), widget=DateInput, initial=timezone.localdate)
    introducers = forms.CharField(
        label=_("入党介绍人"), required=False, max_length=100, help_text=_("接收预备党员时填写两名正式党员，用顿号分隔")
    )
    extension_months = forms.IntegerField(
        label=_("延长月数"), required=False, min_value=1, max_value=24, help_text=_("延长预备期时填写，6–12个月")
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, suggested: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if suggested:
            self.fields["step"].initial = suggested


class UndoStepForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class TransferForm(BootstrapFormMixin, forms.Form):
    to_branch = forms.ModelChoiceField(label=_("转入组织"), queryset=None)
    on_date = forms.DateField(label=_("转接日期"), widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, branch_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branch_choices


class RevealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("查看事由"), max_length=200, help_text=_("将记录在访问日志中，如“核对入党材料”“联系本人”")
    )

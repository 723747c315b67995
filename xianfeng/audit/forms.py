from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput

from .models import AccessLog, ChangeLog


class _PeriodForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), required=False)
    date_from = forms.DateField(label=_("起"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("止"), required=False, widget=DateInput)


class ChangeFilterForm(_PeriodForm):
    model = forms.CharField(label=_("对象类型"), required=False, help_text=_("如 orgs.Organization"))
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部"))] + ChangeLog.Action.choices)
    object_id = forms.CharField(label=_("对象ID"), required=False)


class AccessFilterForm(_PeriodForm):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + AccessLog.Kind.choices)
    object_id = forms.CharField(label=_("对象ID"), required=False)


class LoginFilterForm(_PeriodForm):
    success = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部")), ("1", _("成功")), ("0", _("失败"))]
    )

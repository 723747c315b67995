from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin


class RegionForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    population = forms.IntegerField(label=_("常住人口"), min_value=0, required=False)

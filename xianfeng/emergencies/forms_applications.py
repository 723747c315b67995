"""The form of a 火线入党申请 received during an emergency."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput

from . import selectors_applications as selectors
from .forms_pledges import MemberField


class ApplicationForm(BootstrapFormMixin, forms.Form):
    member = MemberField(label=_("申请人"), queryset=None, help_text=_("只列出政治面貌为群众的人员"))
    applied_on = forms.DateField(label=_("递交日期"), widget=DateInput, initial=timezone.localdate)
    letter = forms.CharField(
        label=_("火线入党申请书"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.applicants(user, emergency)

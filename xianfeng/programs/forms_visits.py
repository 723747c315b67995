"""The visit form of one kind (a follow-up, an examination, a contact), phone first.

Service type = the form of the visit (门诊/入户/电话/联合) as radio buttons, the first one
preselected; the date defaults to today; the program's fields of the kind (forms_fields.py).
The idempotency key is made when the form is shown, so a double tap (or a retried post) saves
one record (servicelog.idempotency).
"""

from django import forms
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.residents.models import Resident
from xianfeng.servicelog.forms_records import ResidentChoiceField, new_key
from xianfeng.servicelog.models import ServiceType

from . import selectors
from .forms_fields import ProgramFieldsMixin

# The service's error keys and the form fields that show them.
MAIN_KEYS = {"visited_on": "visited_on", "service_type": "service_type", "resident": "resident", "kind": None}


class VisitForm(ProgramFieldsMixin, BootstrapFormMixin, forms.Form):
    service_type = forms.ChoiceField(label=_("随访方式"), widget=forms.RadioSelect)
    visited_on = forms.DateField(label=_("日期"), widget=DateInput)
    resident = forms.ModelChoiceField(label=_("见到的人"), queryset=None, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args, user, enrollment, program, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.enrollment, self.program, self.kind = user, enrollment, program, kind
        names = dict(scoped(user, ServiceType).filter(code__in=kind.service_types).values_list("code", "name"))
        self.fields["service_type"].choices = [(code, names.get(code, code)) for code in kind.service_types]
        self.fields["service_type"].widget.attrs.pop("class", None)
        if len(kind.service_types) == 1:
            self.fields["service_type"].widget = forms.HiddenInput()
        if enrollment.household_id:
            self.fields["resident"].queryset = selectors.household_members_for_visit(user, enrollment)
            self.fields["resident"].empty_label = _("不指定（户）")
        elif enrollment.region_id:
            self.fields["resident"] = ResidentChoiceField(
                label=_("见到的患者"), queryset=scoped(user, Resident).select_related("village"), required=False
            )
        else:
            del self.fields["resident"]
        if not self.is_bound:
            self.initial.setdefault("service_type", kind.service_types[0] if kind.service_types else "")
            self.initial.setdefault("visited_on", timezone.localdate())
            self.initial.setdefault("idempotency_key", new_key())
        self.add_program_fields(kind.fields)

    def clean_idempotency_key(self):
        return (self.cleaned_data.get("idempotency_key") or "").strip()

    def clean_next(self):
        target = (self.cleaned_data.get("next") or "").strip()
        return target if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) else ""

    def main_rows(self):
        """The form's own fields shown above the program's (the hidden ones aside)."""
        return [
            self[n] for n in ("service_type", "visited_on", "resident") if n in self.fields and not self[n].is_hidden
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "kind": self.kind.code,
            "visited_on": data["visited_on"],
            "service_type": data.get("service_type") or None,
            "note": data.get("note", ""),
            "data": self.program_data(),
            "idempotency_key": data.get("idempotency_key", ""),
        }
        if data.get("resident") is not None:
            kwargs["resident"] = data["resident"]
        return kwargs


def safe_next(request, value: str) -> str:
    """``value`` when it is a path on this site (the worklist, the list), else ""."""
    value = (value or "").strip()
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return ""

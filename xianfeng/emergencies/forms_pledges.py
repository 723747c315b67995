"""Forms of 请战书: the phone form (text, willing chips; managers may enter a paper pledge for a
member), the list's filters, the withdraw / decline notes."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput

from . import selectors_pledges as selectors
from .models import Pledge


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        branch = obj.branch.name if obj.branch_id else ""
        return f"{obj.name}（{branch}）" if branch else obj.name


class PledgeForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("请战书"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("写下您的请战决心……")}),
    )
    willing = forms.ChoiceField(
        label=_("意向岗位"), choices=Pledge.Willing.choices, initial=Pledge.Willing.ANY, widget=forms.RadioSelect
    )
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, user, emergency, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf
        if on_behalf:
            self.fields["member"] = MemberField(
                label=_("请战党员"),
                queryset=selectors.members_for_pledge(user, emergency),
                required=False,
                empty_label=_("我本人"),
                help_text=_("代为登记纸质请战书时选择党员"),
            )
            self.fields["written_on"] = forms.DateField(
                label=_("落款日期"), widget=DateInput, required=False, initial=timezone.localdate
            )
            for name in ("member", "written_on"):
                self.fields[name].widget.attrs["class"] = "form-select" if name == "member" else "form-control"

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"text": data["text"], "willing": data["willing"], "idempotency_key": data.get("idempotency_key", "")}
        if self.on_behalf:
            kwargs["member"] = data.get("member")
            kwargs["written_on"] = data.get("written_on")
        return kwargs


class PledgeFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=50, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *Pledge.Status.choices])
    willing = forms.ChoiceField(
        label=_("意向岗位"), required=False, choices=[("", _("全部岗位")), *Pledge.Willing.choices]
    )
    branch = forms.TypedChoiceField(label=_("支部"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [("", _("全部支部")), *branches]

    def filters(self) -> selectors.PledgeFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.PledgeFilters()
        data = self.cleaned_data
        return selectors.PledgeFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            willing=data.get("willing") or "",
            branch=data.get("branch"),
        )


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("说明"), max_length=100, required=False)

"""Forms of the study pages. They shape what the user typed; services_study.py has the last word."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import NO_GRANT, VIEW, permission_filter, scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.params import MAX_ID
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization

from .models import StudyItem
from .selectors_study import ItemFilters

HOURS_FIELD = {"max_digits": 4, "decimal_places": 1, "min_value": Decimal("0.1"), "max_value": Decimal("99.9")}


def change_orgs(user, permission: str = "partylife.change"):
    """The live organizations where the user holds ``permission`` (the form's dropdown)."""
    orgs = scoped(user, Organization, VIEW).filter(active_to__isnull=True)
    if user.is_superuser:
        return orgs.order_by("path")
    reach = permission_filter(user, Organization, permission)
    if reach is NO_GRANT:
        return orgs.none()
    return (orgs if reach is None else orgs.filter(reach)).order_by("path")


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        depth = max(obj.path.count("/") - 2, 0)
        return "　" * depth + obj.name


class StudyItemForm(BootstrapFormMixin, forms.ModelForm):
    link = forms.URLField(label=_("链接"), required=False, max_length=200, assume_scheme="https")
    org = OrgChoiceField(label=_("推送组织"), queryset=Organization.objects.none())
    hours = forms.DecimalField(label=_("学时"), initial=Decimal("1.0"), **HOURS_FIELD)

    class Meta:
        model = StudyItem
        fields = ["org", "kind", "title", "published_on", "due_on", "hours", "link", "body"]
        widgets = {"published_on": DateInput, "due_on": DateInput, "body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"due_on": _("超过期限未完成的显示为红色"), "org": _("推送给该组织及下级组织的全体党员")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = change_orgs(user)
        self.fields["published_on"].initial = timezone.localdate

    def _post_clean(self):  # the service validates the model (and its scope), not the ModelForm
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def changes(self, item: StudyItem) -> dict:
        data = self.service_kwargs()
        return {k: v for k, v in data.items() if getattr(item, k) != v}


class CompleteForm(BootstrapFormMixin, forms.Form):
    hours = forms.DecimalField(label=_("学时"), **HOURS_FIELD)
    completed_on = forms.DateField(label=_("完成日期"), widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(
        label=_("心得（选填）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class RecordForForm(CompleteForm):
    """A secretary records a member's study (the members under the item's organization)."""

    member = forms.ModelChoiceField(label=_("学习人员"), queryset=Member.objects.none())

    field_order = ["member", "hours", "completed_on", "note"]

    def __init__(self, *args, user, item: StudyItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            scoped(user, Member, VIEW)
            .filter(branch__path__startswith=item.org.path)
            .only("pk", "name")
            .order_by("name_initials", "pk")
        )


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ItemFilterForm(forms.Form):
    """The list's filters (in the URL); a bad value is ignored, never a 500."""

    q = forms.CharField(required=False, max_length=50)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *StudyItem.Kind.choices])
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    org = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    voided = forms.BooleanField(required=False)

    def filters(self) -> ItemFilters:
        if not self.is_bound:
            return ItemFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return ItemFilters(
            q=(data.get("q") or "").strip(),
            kind=data.get("kind") or "",
            year=data.get("year"),
            org=data.get("org"),
            voided=bool(data.get("voided")),
        )

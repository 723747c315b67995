"""Forms of the honours and outputs pages; services_honours.py has the last word."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.params import MAX_ID
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization

from .forms_study import OrgChoiceField, change_orgs
from .models import Honour, HonourLevel, Output
from .selectors_honours import HonourFilters


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.branch.name}）"


class HonourForm(BootstrapFormMixin, forms.ModelForm):
    RECIPIENT_CHOICES = [("org", _("组织")), ("member", _("个人"))]

    recipient = forms.ChoiceField(
        label=_("授予对象"), choices=RECIPIENT_CHOICES, initial="org", widget=forms.RadioSelect
    )
    org = OrgChoiceField(label=_("获奖组织"), queryset=Organization.objects.none(), required=False)
    member = MemberField(label=_("获奖人员"), queryset=Member.objects.none(), required=False)
    certificate = forms.FileField(
        label=_("证书扫描件"), required=False, help_text=_("照片（JPG、PNG）或 PDF，不超过 10 MB；加密保存")
    )

    class Meta:
        model = Honour
        fields = ["title", "level", "issuer", "awarded_on"]
        widgets = {"awarded_on": DateInput}

    field_order = ["recipient", "org", "member", "title", "level", "issuer", "awarded_on", "certificate"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = change_orgs(user)
        self.fields["org"].queryset = orgs
        self.fields["member"].queryset = (
            scoped(user, Member, VIEW)
            .filter(branch__in=orgs)
            .select_related("branch")
            .only("pk", "name", "branch__name")
            .order_by("branch__path", "name_initials", "pk")
        )
        if self.instance.pk:
            self.initial.setdefault("recipient", "member" if self.instance.member_id else "org")
            self.initial.setdefault("member", self.instance.member_id)
            self.initial.setdefault("org", None if self.instance.member_id else self.instance.org_id)
        self.fields["awarded_on"].initial = timezone.localdate

    def clean(self):
        data = super().clean()
        if data.get("recipient") == "member":
            data["org"] = None
            if not data.get("member"):
                self.add_error("member", _("请选择获奖人员"))
        else:
            data["member"] = None
            if not data.get("org"):
                self.add_error("org", _("请选择获奖组织"))
        return data

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        names = ["org", "member", "title", "level", "issuer", "awarded_on"]
        return {name: self.cleaned_data.get(name) for name in names}

    def changes(self, honour: Honour) -> dict:
        data = self.service_kwargs()
        changes = {k: v for k, v in data.items() if k not in ("org", "member") and getattr(honour, k) != v}
        if data["member"] != honour.member or (data["member"] is None and data["org"] != honour.org):
            changes["member"], changes["org"] = data["member"], data["org"]
        return changes


class OutputForm(BootstrapFormMixin, forms.ModelForm):
    link = forms.URLField(label=_("链接"), required=False, max_length=200, assume_scheme="https")
    org = OrgChoiceField(label=_("组织"), queryset=Organization.objects.none())

    class Meta:
        model = Output
        fields = ["org", "kind", "title", "issue_no", "published_on", "link"]
        widgets = {"published_on": DateInput}
        help_texts = {"issue_no": _("院刊填写期号，如 103")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = change_orgs(user)
        self.fields["published_on"].initial = timezone.localdate

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def changes(self, output: Output) -> dict:
        return {k: v for k, v in self.service_kwargs().items() if getattr(output, k) != v}


class HonourFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    level = forms.ChoiceField(required=False, choices=[("", ""), *HonourLevel.choices])
    kind = forms.ChoiceField(required=False, choices=[("", ""), *Output.Kind.choices])
    year = forms.IntegerField(required=False, min_value=1900, max_value=2100)
    org = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    voided = forms.BooleanField(required=False)

    def filters(self) -> HonourFilters:
        if not self.is_bound:
            return HonourFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return HonourFilters(
            q=(data.get("q") or "").strip(),
            level=data.get("level") or "",
            kind=data.get("kind") or "",
            year=data.get("year"),
            org=data.get("org"),
            voided=bool(data.get("voided")),
        )

"""Forms of the materials pages. They only shape what the user typed; the services have the last
word on every rule (stock, recipients, scope), and their errors land beside the fields."""

import datetime
from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.forms_records import HouseholdChoiceField, ResidentChoiceField, new_key
from xianfeng.servicelog.models import MAX_QUANTITY, Activity, ServiceType, Unit

from . import selectors
from .models import Distribution, Item, ItemCategory, Receipt

MIN_DAY, MAX_DAY = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


def quantity_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, max_value=MAX_QUANTITY, **kwargs)


class ItemForm(BootstrapFormMixin, forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40, help_text=_("稳定的英文代码，如 masks、wheelchair"))
    name = forms.CharField(label=_("名称"), max_length=50)
    category = forms.ChoiceField(label=_("类别"), choices=ItemCategory.choices)
    unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    service_type = forms.ModelChoiceField(
        label=_("发放计入的服务类型"), queryset=None, help_text=_("单位须与服务类型的计量单位一致")
    )
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = scoped(user, ServiceType).filter(active=True).order_by("sort_order")


class OrgItemMixin:
    def _org_item(self, user, action_orgs):
        self.fields["org"].queryset = action_orgs
        self.fields["item"].queryset = selectors.items_for(user)


class ReceiptForm(OrgItemMixin, BootstrapFormMixin, forms.Form):
    org = forms.ModelChoiceField(label=_("接收组织"), queryset=None, empty_label=_("— 请选择 —"))
    item = forms.ModelChoiceField(label=_("物资"), queryset=None, empty_label=_("— 请选择 —"))
    quantity = quantity_field(_("数量"), widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))
    received_on = forms.DateField(label=_("接收日期"), widget=DateInput, initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("来源"), choices=Receipt.Kind.choices, initial=Receipt.Kind.DONATED)
    donor_kind = forms.ChoiceField(
        label=_("捐赠方类型"), required=False, choices=[("", "—"), *Receipt.DonorKind.choices]
    )
    donor_name = forms.CharField(label=_("捐赠方"), max_length=100, required=False)
    donor_public = forms.BooleanField(
        label=_("在捐赠公示中显示捐赠方名称"), required=False, initial=True, help_text=_("个人捐赠者可选择不公示姓名")
    )
    receipt_number = forms.CharField(label=_("收据编号"), max_length=40, required=False)
    activity = forms.ModelChoiceField(
        label=_("生产活动"),
        queryset=None,
        required=False,
        help_text=_("自制生产时选择生产车间的活动（志愿者时长记在活动上）"),
    )
    value_yuan = quantity_field(_("折合金额（元）"), required=False, min_value=Decimal("0"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._org_item(user, selectors.holding_orgs(user))
        since = timezone.localdate() - datetime.timedelta(days=366)
        self.fields["activity"].queryset = (
            scoped(user, Activity, VIEW)
            .filter(voided_at__isnull=True, status=Activity.Status.HELD, served_on__gte=since)
            .order_by("-start_at")
        )
        self.fields["activity"].label_from_instance = lambda a: f"{a.title}（{a.served_on:%Y-%m-%d}）"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("idempotency_key")
        return data


class DistributionForm(OrgItemMixin, BootstrapFormMixin, forms.Form):
    org = forms.ModelChoiceField(label=_("发放组织（持有库存）"), queryset=None, empty_label=_("— 请选择 —"))
    item = forms.ModelChoiceField(label=_("物资"), queryset=None, empty_label=_("— 请选择 —"))
    quantity = quantity_field(_("数量"), widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))
    served_on = forms.DateField(label=_("发放日期"), widget=DateInput, initial=timezone.localdate)
    recipient_kind = forms.ChoiceField(
        label=_("发放对象"), choices=[("", _("— 请选择 —")), *Distribution.RecipientKind.choices]
    )
    resident = ResidentChoiceField(label=_("居民"), queryset=None, required=False)
    household = HouseholdChoiceField(label=_("户"), queryset=None, required=False)
    activity = forms.ModelChoiceField(label=_("活动"), queryset=None, required=False)
    recipient_org = forms.ModelChoiceField(
        label=_("接收组织（本系统中的）"), queryset=None, required=False, empty_label=_("— 不在本系统中 —")
    )
    recipient_name = forms.CharField(
        label=_("接收单位名称"), max_length=100, required=False, help_text=_("如：孤山镇敬老院、某慈善会")
    )
    households_count = forms.IntegerField(label=_("受益户数"), min_value=1, max_value=1_000_000, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # Which fields each recipient kind shows (the rest are hidden, and cleared by the service).
    KIND_FIELDS = {
        Distribution.RecipientKind.RESIDENT: ("resident",),
        Distribution.RecipientKind.HOUSEHOLD: ("household",),
        Distribution.RecipientKind.ACTIVITY: ("activity",),
        Distribution.RecipientKind.ORGANIZATION: ("recipient_org", "recipient_name"),
        Distribution.RecipientKind.OUTBOUND_FAMILIES: ("households_count",),
    }
    RECIPIENT_FIELDS = ("resident", "household", "activity", "recipient_org", "recipient_name", "households_count")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._org_item(user, selectors.holding_orgs(user))
        self.fields["resident"].queryset = (
            scoped(user, Resident).filter(merged_into__isnull=True).select_related("village")
        )
        self.fields["household"].queryset = scoped(user, Household).select_related("head", "village")
        since = timezone.localdate() - datetime.timedelta(days=366)
        self.fields["activity"].queryset = (
            scoped(user, Activity, VIEW)
            .filter(voided_at__isnull=True, served_on__gte=since)
            .exclude(status=Activity.Status.CANCELLED)
            .order_by("-start_at")
        )
        self.fields["activity"].label_from_instance = lambda a: f"{a.title}（{a.served_on:%Y-%m-%d}）"
        today = timezone.localdate()
        self.fields["recipient_org"].queryset = (
            scoped(user, Organization, VIEW).filter(active_from__lte=today).order_by("path")
        )
        # Picking the organization, the item or the kind re-renders the form (the stock shown,
        # the recipient's fields) through htmx on the same view.
        refresh = {
            "hx-get": reverse("materials:distribution_new"),
            "hx-trigger": "change",
            "hx-include": "closest form",
            "hx-target": "#distribution-form-body",
            "hx-select": "#distribution-form-body",
            "hx-swap": "outerHTML",
            # The CSRF token stays out of the address (and so out of access logs and history).
            "hx-params": "not csrfmiddlewaretoken",
            # A second change while the first is in flight replaces it (the last choice wins).
            "hx-sync": "closest form:replace",
        }
        for name in ("org", "item", "recipient_kind"):
            self.fields[name].widget.attrs.update(refresh)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())

    def chosen_kind(self) -> str:
        value = self.data.get("recipient_kind") if self.is_bound else self.initial.get("recipient_kind")
        return value if value in Distribution.RecipientKind.values else ""

    def recipient_fields(self):
        """The recipient fields of the chosen kind (every one when none is chosen yet)."""
        kind = self.chosen_kind()
        names = self.KIND_FIELDS.get(kind, self.RECIPIENT_FIELDS)
        return [self[name] for name in names]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("idempotency_key")
        data["households_count"] = data.get("households_count") or 0
        return data


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：重复登记、数量录错。作废后库存随之调整，记录保留在审计中"),
    )


class ListFilterForm(forms.Form):
    """Filters kept in the URL; a bad value is reported and that filter ignored."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    item = forms.ModelChoiceField(
        label=_("物资"), queryset=Item.objects.none(), required=False, empty_label=_("全部物资")
    )
    org = forms.ModelChoiceField(
        label=_("组织"), queryset=Organization.objects.none(), required=False, empty_label=_("全部组织")
    )
    date_from = forms.DateField(label=_("从"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("到"), required=False, widget=DateInput)
    voided = forms.BooleanField(label=_("含已作废"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = selectors.items_for(user, include_inactive=True)
        self.fields["org"].queryset = selectors.holding_orgs(user, VIEW)

    def filters(self) -> dict:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "", False)}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("结束日期不能早于开始日期"))
            cleaned.pop("date_to", None)
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not (MIN_DAY <= day <= MAX_DAY):
                self.add_error(name, gettext("日期超出范围"))
                cleaned.pop(name, None)
        return cleaned


class ReceiptFilterForm(ListFilterForm):
    kind = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部来源")), *Receipt.Kind.choices])


class DistributionFilterForm(ListFilterForm):
    recipient_kind = forms.ChoiceField(
        label=_("发放对象"), required=False, choices=[("", _("全部对象")), *Distribution.RecipientKind.choices]
    )


class LedgerFilterForm(ListFilterForm):
    """捐赠公示: a period and an organization (its subtree)."""

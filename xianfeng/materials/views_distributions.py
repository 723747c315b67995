"""Distributions: the list, the form (the stock available shows as the organization and the item
are picked; the recipient kind switches the fields, both through htmx on the same view), a
distribution's page and its voiding, and the export with recipients masked (logged)."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.exports import ExportColumn
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int
from xianfeng.core.text import normalize_name
from xianfeng.regions.models import Region
from xianfeng.servicelog.certificates import mask_name

from . import selectors, services_distributions
from .forms import DistributionFilterForm, DistributionForm, VoidForm
from .models import Distribution

Kind = Distribution.RecipientKind
ON_DENIED = ("org", _("登记后该发放将超出您的权限范围，请检查发放组织"))


def filtered_distributions(user, form: DistributionFilterForm):
    filters = form.filters()
    rows = selectors.distribution_list(user, include_voided=filters.get("voided", False))
    if "item" in filters:
        rows = rows.filter(item=filters["item"])
    if "org" in filters:
        rows = rows.filter(org=filters["org"])
    if "recipient_kind" in filters:
        rows = rows.filter(recipient_kind=filters["recipient_kind"])
    if "date_from" in filters:
        rows = rows.filter(served_on__gte=filters["date_from"])
    if "date_to" in filters:
        rows = rows.filter(served_on__lte=filters["date_to"])
    if filters.get("q"):
        query = filters["q"].strip()
        name = normalize_name(query)
        rows = rows.filter(
            Q(recipient_name__icontains=query)
            | Q(recipient_org__name__icontains=query)
            | Q(resident__name_norm__startswith=name)
            | Q(household__head__name_norm__startswith=name)
            | Q(note__icontains=query)
        )
    return rows.order_by("-served_on", "-id")


class DistributionListView(ScopedListView):
    model = Distribution

    def get(self, request):
        form = DistributionFilterForm(request.GET or None, user=request.user)
        context = {
            "form": form,
            "page": self.paginate(filtered_distributions(request.user, form)),
            "can_change": can(request.user, CHANGE, Distribution),
            "can_export": can(request.user, EXPORT, Distribution),
            "query": request.GET.urlencode(),
        }
        template = "materials/distribution_rows.html" if request.htmx else "materials/distribution_list.html"
        return render(request, template, context)


def _picked(queryset, value):
    pk = query_int(value, minimum=1)
    return queryset.filter(pk=pk).first() if pk is not None else None


class DistributionCreateView(ScopedListView):
    """GET (also through htmx, as the organization, item or recipient kind changes): the form
    with the stock available; POST: save, or the errors beside their fields."""

    model = Distribution
    action = CHANGE

    def _context(self, form) -> dict:
        source = form.data if form.is_bound else form.initial
        org = _picked(form.fields["org"].queryset, source.get("org"))
        item = _picked(form.fields["item"].queryset, source.get("item"))
        return {"form": form, "stock": selectors.stock_of(self.request.user, org, item), "org": org, "item": item}

    def _render(self, request, form, status=200):
        template = "materials/distribution_form_body.html" if request.htmx else "materials/distribution_form.html"
        return render(request, template, self._context(form), status=status)

    def get(self, request):
        initial = {"served_on": timezone.localdate()}
        for name in ("org", "item", "recipient_kind", "resident", "household", "activity"):
            value = request.GET.get(name, "")
            if name == "recipient_kind":
                initial[name] = value if value in Kind.values else ""
            elif query_int(value, minimum=1) is not None:
                initial[name] = int(value)
        for name in ("quantity", "recipient_name", "households_count", "note", "idempotency_key"):
            if request.GET.get(name):
                initial[name] = request.GET[name][:100]
        if "org" not in initial:
            orgs = list(selectors.holding_orgs(request.user)[:2])
            if len(orgs) == 1:
                initial["org"] = orgs[0].pk
        return self._render(request, DistributionForm(user=request.user, initial=initial))

    def post(self, request):
        form = DistributionForm(request.POST, user=request.user)
        if form.is_valid():
            saved = call_service(
                form,
                services_distributions.distribution_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.service_kwargs(),
            )
            if not form.errors:
                if saved.created:
                    messages.success(request, _("已发放：%(d)s") % {"d": saved.distribution})
                else:
                    messages.info(request, _("已保存（重复提交未重复发放）"))
                return redirect("materials:distribution_detail", pk=saved.distribution.pk)
        return render(request, "materials/distribution_form.html", self._context(form), status=400)


class DistributionObjectMixin:
    model = Distribution

    def get_object(self):
        rows = selectors.distribution_list(self.request.user, include_voided=True).select_related(
            "record", "created_by", "voided_by", "resident__village", "household__village"
        )
        return get_scoped_or_404(self.request.user, rows, self.action, pk=self.kwargs["pk"])


def place_name(user, distribution) -> str:
    codes = [c for c in (distribution.county_code, distribution.township_code, distribution.village_code) if c]
    names = dict(scoped(user, Region, VIEW).filter(pk__in=codes).values_list("pk", "name"))
    return " · ".join(names.get(c, c) for c in codes)


class DistributionDetailView(DistributionObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        distribution = self.get_object()
        may_change = scoped(request.user, Distribution, CHANGE).filter(pk=distribution.pk).exists()
        context = {
            "d": distribution,
            "recipient": services_distributions.recipient_summary(distribution),
            "place": place_name(request.user, distribution),
            "stock": selectors.stock_of(request.user, distribution.org, distribution.item),
            "changes": audit_selectors.object_history(targets={Distribution: [distribution.pk]}).order_by("-at")[:30],
            "can_change": may_change and not distribution.is_voided,
        }
        return render(request, "materials/distribution_detail.html", context)


class DistributionVoidView(DistributionObjectMixin, ScopedObjectView):
    action = CHANGE

    def _render(self, request, distribution, form, status=200):
        context = {"form": form, "d": distribution, "recipient": services_distributions.recipient_summary(distribution)}
        return render(request, "materials/distribution_void.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), VoidForm())

    def post(self, request, pk):
        distribution = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services_distributions.distribution_void,
                acting_user=request.user,
                distribution=distribution,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已作废，物资已退回库存，相应服务记录不再计入统计"))
                return redirect("materials:distribution_detail", pk=distribution.pk)
        return self._render(request, distribution, form, status=400)


def masked_recipient(d: Distribution) -> str:
    """A person's name masked (王*明); an organization or an event as it is; families by count."""
    if d.recipient_kind == Kind.RESIDENT and d.resident_id:
        return mask_name(d.resident.name)
    if d.recipient_kind == Kind.HOUSEHOLD and d.household_id:
        head = d.household.head.name if d.household.head_id else ""
        return _("%(h)s户") % {"h": mask_name(head)} if head else _("户")
    return services_distributions.recipient_summary(d)


def export_columns(towns: dict) -> list[ExportColumn]:
    return [
        ExportColumn(_("发放日期"), lambda d: d.served_on),
        ExportColumn(_("发放组织"), lambda d: d.org.name),
        ExportColumn(_("物资"), lambda d: d.item.name),
        ExportColumn(_("数量"), lambda d: d.quantity),
        ExportColumn(_("单位"), lambda d: d.item.unit),
        ExportColumn(_("发放对象"), lambda d: d.get_recipient_kind_display()),
        # Masked here, for every reader: the list's purpose is accounting, not finding people.
        ExportColumn(_("接收方（脱敏）"), masked_recipient),
        ExportColumn(_("乡镇"), lambda d: towns.get(d.township_code, "")),
        ExportColumn(_("状态"), lambda d: _("已作废") if d.is_voided else _("有效")),
    ]


class DistributionExportView(ScopedListView):
    """/materials/distributions/export.xlsx (materials.export): the filtered list, recipients
    masked, logged in AccessLog like every export of a list naming people."""

    model = Distribution
    action = EXPORT

    def get(self, request):
        form = DistributionFilterForm(request.GET or None, user=request.user)
        rows = filtered_distributions(request.user, form)
        codes = set(rows.order_by().values_list("township_code", flat=True).distinct())
        towns = dict(scoped(request.user, Region).filter(code__in=codes - {""}).values_list("code", "name"))
        return personal_export(
            acting_user=request.user,
            model=Distribution,
            rows=rows,
            columns=export_columns(towns),
            reveal=False,
            fields=["recipient"],
            filename=f"物资发放-{timezone.localdate():%Y%m%d}.xlsx",
            sheet_title=_("物资发放"),
            description=_("物资发放清单（接收方脱敏）"),
        )

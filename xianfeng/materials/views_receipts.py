"""Receipts: the list (filters: item, source, donor search, dates), the phone-friendly form, a
receipt's page and its voiding (refused while what it brought in has been given out)."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service
from xianfeng.core.text import normalize_name

from . import selectors, services
from .forms import ReceiptFilterForm, ReceiptForm, VoidForm
from .models import Receipt

ON_DENIED = ("org", _("登记后该入库将超出您的权限范围，请检查接收组织"))


def filtered_receipts(user, form: ReceiptFilterForm):
    filters = form.filters()
    rows = selectors.receipt_list(user, include_voided=filters.get("voided", False))
    if "item" in filters:
        rows = rows.filter(item=filters["item"])
    if "org" in filters:
        rows = rows.filter(org=filters["org"])
    if "kind" in filters:
        rows = rows.filter(kind=filters["kind"])
    if "date_from" in filters:
        rows = rows.filter(received_on__gte=filters["date_from"])
    if "date_to" in filters:
        rows = rows.filter(received_on__lte=filters["date_to"])
    if filters.get("q"):
        query = filters["q"].strip()
        simplified = normalize_name(query)
        rows = rows.filter(
            Q(donor_name__icontains=query)
            | Q(donor_name__icontains=simplified)
            | Q(receipt_number__icontains=query)
            | Q(note__icontains=query)
        )
    return rows.order_by("-received_on", "-id")


class ReceiptListView(ScopedListView):
    model = Receipt

    def get(self, request):
        form = ReceiptFilterForm(request.GET or None, user=request.user)
        context = {
            "form": form,
            "page": self.paginate(filtered_receipts(request.user, form)),
            "can_change": can(request.user, CHANGE, Receipt),
        }
        template = "materials/receipt_rows.html" if request.htmx else "materials/receipt_list.html"
        return render(request, template, context)


class ReceiptCreateView(ScopedListView):
    """入库 on a phone: organization, item, amount, source and donor; one tap to save."""

    model = Receipt
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(request, "materials/receipt_form.html", {"form": form}, status=status)

    def get(self, request):
        initial = {}
        orgs = list(selectors.holding_orgs(request.user)[:2])
        if len(orgs) == 1:
            initial["org"] = orgs[0].pk
        return self._render(request, ReceiptForm(user=request.user, initial=initial))

    def post(self, request):
        form = ReceiptForm(request.POST, user=request.user)
        if form.is_valid():
            saved = call_service(
                form,
                services.receipt_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.service_kwargs(),
            )
            if not form.errors:
                if saved.created:
                    messages.success(request, _("已入库：%(r)s") % {"r": saved.receipt})
                else:
                    messages.info(request, _("已保存（重复提交未重复入库）"))
                return redirect("materials:receipt_detail", pk=saved.receipt.pk)
        return self._render(request, form, status=400)


class ReceiptObjectMixin:
    model = Receipt

    def get_object(self):
        rows = selectors.receipt_list(self.request.user, include_voided=True).select_related("created_by", "voided_by")
        return get_scoped_or_404(self.request.user, rows, self.action, pk=self.kwargs["pk"])


class ReceiptDetailView(ReceiptObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        receipt = self.get_object()
        may_change = scoped(request.user, Receipt, CHANGE).filter(pk=receipt.pk).exists()
        context = {
            "receipt": receipt,
            "stock": selectors.stock_of(request.user, receipt.org, receipt.item),
            "changes": audit_selectors.object_history(targets={Receipt: [receipt.pk]}).order_by("-at")[:30],
            "can_change": may_change and not receipt.is_voided,
        }
        return render(request, "materials/receipt_detail.html", context)


class ReceiptVoidView(ReceiptObjectMixin, ScopedObjectView):
    action = CHANGE

    def _render(self, request, receipt, form, status=200):
        return render(request, "materials/receipt_void.html", {"form": form, "receipt": receipt}, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), VoidForm())

    def post(self, request, pk):
        receipt = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services.receipt_void,
                acting_user=request.user,
                receipt=receipt,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已作废，库存已相应冲减"))
                return redirect("materials:receipt_detail", pk=receipt.pk)
        return self._render(request, receipt, form, status=400)

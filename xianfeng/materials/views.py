"""Materials pages: the overview (stock and recent movements) and the item catalogue.
Receipts, distributions and the donation ledger have their own modules."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can
from xianfeng.core.forms import call_service

from . import selectors, services_items
from .forms import ItemForm
from .models import Distribution, Item, Receipt, Stock

RECENT = 8


class IndexView(ScopedListView):
    """/materials/: stock per holding organization × item in scope, recent movements, buttons."""

    model = Stock

    def get(self, request):
        user = request.user
        stock = selectors.stock_list(user)
        org = request.GET.get("org", "")
        if org.isdigit() and len(org) < 19:
            stock = stock.filter(org_id=int(org))
        context = {
            "page": self.paginate(stock),
            "receipts": selectors.receipt_list(user)[:RECENT],
            "distributions": selectors.distribution_list(user)[:RECENT],
            "can_change": can(user, CHANGE, Receipt),
            "can_export": can(user, EXPORT, Distribution),
            "can_items": can(user, CHANGE, Item),
        }
        return render(request, "materials/index.html", context)


class ItemListView(ScopedListView):
    model = Item

    def get(self, request):
        items = selectors.items_for(request.user, include_inactive=True)
        context = {"page": self.paginate(items), "can_change": can(request.user, CHANGE, Item)}
        return render(request, "materials/item_list.html", context)


def _item_kwargs(form) -> dict:
    return dict(form.cleaned_data)


class ItemCreateView(ScopedListView):
    model = Item
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(request, "materials/item_form.html", {"form": form, "heading": _("新增物资品类")}, status=status)

    def get(self, request):
        return self._render(request, ItemForm(user=request.user))

    def post(self, request):
        form = ItemForm(request.POST, user=request.user)
        if form.is_valid():
            item = call_service(form, services_items.item_create, acting_user=request.user, **_item_kwargs(form))
            if not form.errors:
                messages.success(request, _("已新增物资品类：%(i)s") % {"i": item.name})
                return redirect("materials:item_list")
        return self._render(request, form, status=400)


class ItemEditView(ScopedObjectView):
    model = Item
    action = CHANGE

    def _render(self, request, item, form, status=200):
        context = {"form": form, "item": item, "heading": _("修改物资品类")}
        return render(request, "materials/item_form.html", context, status=status)

    def get(self, request, pk):
        item = self.get_object()
        initial = {f: getattr(item, f) for f in ("code", "name", "category", "unit", "sort_order", "active")}
        initial["service_type"] = item.service_type_id
        return self._render(request, item, ItemForm(user=request.user, initial=initial))

    def post(self, request, pk):
        item = self.get_object()
        form = ItemForm(request.POST, user=request.user)
        if form.is_valid():
            call_service(form, services_items.item_update, acting_user=request.user, item=item, **_item_kwargs(form))
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("materials:item_list")
        return self._render(request, item, form, status=400)

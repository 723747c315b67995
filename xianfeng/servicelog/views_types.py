"""The service-type catalogue: everyone signed in reads it; only administrators (servicetypes.change,
系统管理员 over 全部) add and edit types. Types are deactivated, never deleted."""

from django.contrib import messages
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, scoped
from xianfeng.core.forms import call_service

from . import services_types
from .forms_types import ServiceTypeForm
from .models import Category, ServiceType

DENIED = ("code", gettext_lazy("只有“全部”范围的系统管理员可以修改服务类型目录"))


def catalogue(user, *, query: str = "", include_inactive: bool = True):
    """The catalogue grouped by category (in the categories' own order), then by its sort order."""
    types = scoped(user, ServiceType)
    if query:
        types = types.filter(Q(name__icontains=query) | Q(code__icontains=query.lower()))
    if not include_inactive:
        types = types.filter(active=True)
    category_order = Case(
        *[When(category=value, then=Value(i)) for i, (value, _label) in enumerate(Category.choices)],
        default=Value(len(Category.choices)),
        output_field=IntegerField(),
    )
    return types.order_by(category_order, "sort_order", "code")


def result_summary(stype: ServiceType) -> list[str]:
    """Each result field as read: 筛查结果（阴性/阳性/已转诊）, 通话时长（分钟）（0–600）…"""
    shown = []
    for spec in stype.result_fields or []:
        label = spec.get("label", spec.get("key", ""))
        if spec.get("kind") == "choice":
            label += "（" + "/".join(str(text) for _code, text in spec.get("choices", [])) + "）"
        elif spec.get("kind") in ("integer", "decimal") and (
            spec.get("min") is not None or spec.get("max") is not None
        ):
            label += f"（{spec.get('min', '')}–{spec.get('max', '')}）"
        elif spec.get("kind") == "boolean":
            label += _("（是/否）")
        if spec.get("required"):
            label += " *"
        shown.append(label)
    return shown


class ServiceTypeListView(ScopedListView):
    model = ServiceType
    paginate_by = 100

    def get(self, request):
        query = request.GET.get("q", "").strip()[:50]
        active_only = request.GET.get("active") == "1"
        page = self.paginate(catalogue(request.user, query=query, include_inactive=not active_only))
        for stype in page:
            stype.result_summary = result_summary(stype)
        context = {
            "page": page,
            "query": query,
            "active_only": active_only,
            "can_change": can(request.user, CHANGE, ServiceType),
        }
        return render(request, "servicelog/type_list.html", context)


class ServiceTypeCreateView(ScopedListView):
    model = ServiceType
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("新增服务类型")}
        return render(request, "servicelog/type_form.html", context, status=status)

    def get(self, request):
        return self._render(request, ServiceTypeForm())

    def post(self, request):
        form = ServiceTypeForm(request.POST)
        if form.is_valid():
            stype = call_service(
                form,
                services_types.service_type_create,
                on_denied=DENIED,
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(
                    request, _("已新增服务类型“%(name)s”（%(code)s）") % {"name": stype.name, "code": stype.code}
                )
                return redirect("servicelog:type_list")
        return self._render(request, form, status=400)


class ServiceTypeEditView(ScopedObjectView):
    model = ServiceType
    action = CHANGE

    def _form(self, stype, used: int, data=None):
        return ServiceTypeForm(data, initial=ServiceTypeForm.initial_for(stype), code_locked=bool(used))

    def _render(self, request, stype, used, form, status=200):
        context = {
            "form": form,
            "stype": stype,
            "used": used,
            "heading": _("编辑服务类型"),
        }
        return render(request, "servicelog/type_form.html", context, status=status)

    def get(self, request, pk):
        stype = self.get_object()
        used = services_types.type_usage(stype)
        return self._render(request, stype, used, self._form(stype, used))

    def post(self, request, pk):
        stype = self.get_object()
        used = services_types.type_usage(stype)
        form = self._form(stype, used, request.POST)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            call_service(
                form,
                services_types.service_type_update,
                on_denied=DENIED,
                acting_user=request.user,
                service_type=stype,
                **changes,
            )
            if not form.errors:
                messages.success(request, _("已保存服务类型“%(name)s”") % {"name": form.cleaned_data["name"]})
                return redirect("servicelog:type_list")
        return self._render(request, stype, used, form, status=400)

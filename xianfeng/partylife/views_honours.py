"""Pages of honours and outputs (issue 13 §5): one list with two tabs (search, filters by level or
kind, year, organization), forms, a detail page each, voiding with confirmation, and the honour's
certificate scan served decrypted to those who may see the honour."""

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.downloads import file_response
from xianfeng.core.filecrypt import FileDecryptionError, decrypt_bytes
from xianfeng.core.forms import call_service

from . import selectors_honours as selectors
from . import services_honours as services
from .forms_honours import HonourFilterForm, HonourForm, OutputForm
from .forms_study import ReasonForm
from .models import Honour, HonourLevel, Output
from .selectors_study import record_orgs

logger = logging.getLogger(__name__)
ON_DENIED = ("org", gettext_lazy("保存后将超出您的权限范围，请检查组织"))


class HonourListView(ScopedListView):
    """Honours (tab ``honours``) and outputs (tab ``outputs``); the rows swap by htmx."""

    model = Honour
    paginate_by = 30

    def get(self, request):
        user = request.user
        tab = "outputs" if request.GET.get("tab") == "outputs" else "honours"
        form = HonourFilterForm(request.GET or None)
        filters = form.filters()
        rows = selectors.output_list(user, filters) if tab == "outputs" else selectors.honour_list(user, filters)
        this_year = timezone.localdate().year
        context = {
            "tab": tab,
            "form": form,
            "filters": filters,
            "page": self.paginate(rows),
            "levels": HonourLevel.choices,
            "kinds": Output.Kind.choices,
            "years": list(range(this_year, this_year - 10, -1)),
            "orgs": record_orgs(user)[:300],
            "can_change": can(user, CHANGE, Honour),
        }
        template = "partylife/honour_rows.html" if request.htmx else "partylife/honour_list.html"
        return render(request, template, context)


def _history(model, pk):
    return audit_selectors.object_history(targets={model: [pk]}).order_by("-at")[:30]


# --- honours -----------------------------------------------------------------------------------


class HonourCreateView(ScopedListView):
    model = Honour
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("登记荣誉")}
        return render(request, "partylife/honour_form.html", context, status=status)

    def get(self, request):
        return self._render(request, HonourForm(user=request.user))

    def post(self, request):
        form = HonourForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            honour = call_service(
                form,
                services.honour_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                certificate=form.cleaned_data.get("certificate"),
                **form.service_kwargs(),
            )
            if not form.errors:
                messages.success(request, _("已登记荣誉：%(t)s") % {"t": honour.title})
                return redirect("partylife:honour_detail", pk=honour.pk)
        return self._render(request, form, status=400)


class HonourDetailView(ScopedObjectView):
    model = Honour

    def get(self, request, pk):
        honour = self.get_object()
        context = {
            "honour": honour,
            "can_change": scoped(request.user, Honour, CHANGE).filter(pk=honour.pk).exists() and not honour.is_voided,
            "changes": _history(Honour, honour.pk),
        }
        return render(request, "partylife/honour_detail.html", context)


class HonourEditView(ScopedObjectView):
    model = Honour
    action = CHANGE

    def _render(self, request, honour, form, status=200):
        context = {"form": form, "honour": honour, "heading": _("修改荣誉")}
        return render(request, "partylife/honour_form.html", context, status=status)

    def get(self, request, pk):
        honour = self.get_object()
        if honour.is_voided:
            messages.error(request, _("该荣誉已作废，不能修改"))
            return redirect("partylife:honour_detail", pk=honour.pk)
        return self._render(request, honour, HonourForm(instance=honour, user=request.user))

    def post(self, request, pk):
        honour = self.get_object()
        form = HonourForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            changes = form.changes(honour)
            certificate = form.cleaned_data.get("certificate")
            if not changes and certificate is None:
                messages.info(request, _("没有修改"))
                return redirect("partylife:honour_detail", pk=honour.pk)
            call_service(
                form,
                services.honour_update,
                on_denied=ON_DENIED,
                acting_user=request.user,
                honour=honour,
                certificate=certificate,
                **changes,
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("partylife:honour_detail", pk=honour.pk)
        return self._render(request, honour, form, status=400)


class _VoidView(ScopedObjectView):
    action = CHANGE
    heading = ""
    confirm = ""
    service = None
    arg = ""
    detail = ""

    def _render(self, request, obj, form, status=200):
        context = {
            "form": form,
            "heading": self.heading,
            "subject": str(obj),
            "back_url": reverse(self.detail, args=[obj.pk]),
            "confirm": self.confirm,
        }
        return render(request, "partylife/study_action.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), ReasonForm())

    def post(self, request, pk):
        obj = self.get_object()
        form = ReasonForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                type(self).service,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
                **{self.arg: obj},
            )
            if not form.errors:
                messages.success(request, _("已作废：%(t)s") % {"t": obj})
                return redirect(self.detail, pk=obj.pk)
        return self._render(request, obj, form, status=400)


class HonourVoidView(_VoidView):
    model = Honour
    heading = gettext_lazy("作废荣誉")
    confirm = gettext_lazy("确定作废这条荣誉吗？作废后不再计入统计。")
    service = services.honour_void
    arg = "honour"
    detail = "partylife:honour_detail"


class HonourCertificateView(ScopedObjectView):
    """The certificate scan, decrypted, for whoever may see the honour."""

    model = Honour

    def get(self, request, pk):
        honour = self.get_object()
        if not honour.certificate:
            raise Http404("no certificate")
        try:
            data = decrypt_bytes(honour.certificate)
        except (OSError, FileDecryptionError):
            logger.warning("honour certificate %s: stored content missing or unreadable", honour.pk)
            raise Http404("file unreadable") from None
        return file_response(data, honour.certificate_name or "certificate")


# --- outputs -----------------------------------------------------------------------------------


class OutputCreateView(ScopedListView):
    model = Output
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("登记党建成果")}
        return render(request, "partylife/output_form.html", context, status=status)

    def get(self, request):
        kind = request.GET.get("kind", "")
        initial = {"kind": kind} if kind in Output.Kind.values else {}
        return self._render(request, OutputForm(user=request.user, initial=initial))

    def post(self, request):
        form = OutputForm(request.POST, user=request.user)
        if form.is_valid():
            output = call_service(
                form, services.output_create, on_denied=ON_DENIED, acting_user=request.user, **form.service_kwargs()
            )
            if not form.errors:
                messages.success(request, _("已登记：%(t)s") % {"t": output.title})
                return redirect("partylife:output_detail", pk=output.pk)
        return self._render(request, form, status=400)


class OutputDetailView(ScopedObjectView):
    model = Output

    def get(self, request, pk):
        output = self.get_object()
        context = {
            "output": output,
            "can_change": scoped(request.user, Output, CHANGE).filter(pk=output.pk).exists() and not output.is_voided,
            "changes": _history(Output, output.pk),
        }
        return render(request, "partylife/output_detail.html", context)


class OutputEditView(ScopedObjectView):
    model = Output
    action = CHANGE

    def _render(self, request, output, form, status=200):
        context = {"form": form, "output": output, "heading": _("修改党建成果")}
        return render(request, "partylife/output_form.html", context, status=status)

    def get(self, request, pk):
        output = self.get_object()
        if output.is_voided:
            messages.error(request, _("该成果已作废，不能修改"))
            return redirect("partylife:output_detail", pk=output.pk)
        return self._render(request, output, OutputForm(instance=output, user=request.user))

    def post(self, request, pk):
        output = self.get_object()
        form = OutputForm(request.POST, user=request.user)
        if form.is_valid():
            changes = form.changes(output)
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("partylife:output_detail", pk=output.pk)
            call_service(
                form, services.output_update, on_denied=ON_DENIED, acting_user=request.user, output=output, **changes
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("partylife:output_detail", pk=output.pk)
        return self._render(request, output, form, status=400)


class OutputVoidView(_VoidView):
    model = Output
    heading = gettext_lazy("作废党建成果")
    confirm = gettext_lazy("确定作废这条成果吗？作废后不再计入统计。")
    service = services.output_void
    arg = "output"
    detail = "partylife:output_detail"

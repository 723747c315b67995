"""Escalation pages: the list (open first, overdue in red, minutes since the call), one
escalation's page, and the supervisor's two actions — acknowledge (taking the crisis over) and
close with an outcome (required)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ObjectActionView, ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, get_scoped_or_404, scoped
from xianfeng.core.forms import call_service

from . import rules, selectors_calls, services_escalations
from .forms_calls import EscalationCloseForm
from .models import Call, Escalation


class EscalationListView(ScopedListView):
    model = Escalation

    def get(self, request):
        status = request.GET.get("status", "")
        status = status if status in ("open", "closed") else ""
        context = {
            "page": self.paginate(selectors_calls.escalation_list(request.user, status=status)),
            "status": status,
            "now": timezone.now(),
        }
        template = "hotline/escalation_rows.html" if request.htmx else "hotline/escalation_list.html"
        return render(request, template, context)


class EscalationObjectMixin:
    model = Escalation

    def get_object(self):
        queryset = scoped(self.request.user, Escalation).select_related(
            "call__team", "call__taken_by", "call__shift", "supervisor", "acknowledged_by", "closed_by"
        )
        return get_scoped_or_404(self.request.user, queryset, self.action, pk=self.kwargs["pk"])


class EscalationDetailView(EscalationObjectMixin, ScopedObjectView):
    def get(self, request, pk, form=None, status=200):
        escalation = self.get_object()
        call = escalation.call
        may_change = scoped(request.user, Escalation, CHANGE).filter(pk=escalation.pk).exists()
        context = {
            "escalation": escalation,
            "call": call,
            "call_visible": scoped(request.user, Call).filter(pk=call.pk).exists(),
            "answers": [(Call._meta.get_field(f).verbose_name, getattr(call, f)) for f in rules.RISK_FIELDS],
            "minutes_since": selectors_calls.minutes_since(call.started_at),
            "overdue": escalation.is_open and escalation.due_at < timezone.now(),
            "can_change": may_change and escalation.is_open,
            "form": form or EscalationCloseForm(),
        }
        return render(request, "hotline/escalation_detail.html", context, status=status)


class EscalationAcknowledgeView(EscalationObjectMixin, ObjectActionView):
    """POST only in effect (GET goes back to the page)."""

    detail_url_name = "hotline:escalation_detail"

    def post(self, request, pk):
        escalation = self.get_object()
        form = EscalationCloseForm()  # only to carry a service error
        call_service(form, services_escalations.escalation_acknowledge, acting_user=request.user, escalation=escalation)
        if form.errors:
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        else:
            messages.success(request, _("已确认接手：请尽快联系来电者并按规程处理"))
        return redirect(self.detail_url_name, pk=escalation.pk)


class EscalationCloseView(EscalationObjectMixin, ObjectActionView):
    """POST with an outcome; without one the page comes back with the error beside the field."""

    detail_url_name = "hotline:escalation_detail"

    def post(self, request, pk):
        escalation = self.get_object()
        form = EscalationCloseForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services_escalations.escalation_close,
                acting_user=request.user,
                escalation=escalation,
                outcome=form.cleaned_data["outcome"],
                outcome_note=form.cleaned_data["outcome_note"],
            )
            if not form.errors:
                messages.success(request, _("危机升级已关闭"))
                return redirect(self.detail_url_name, pk=escalation.pk)
        view = EscalationDetailView()
        view.setup(request, pk=pk)
        return view.get(request, pk, form=form, status=400)

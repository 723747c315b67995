"""Periods of an enrollment in hospital or away: added and ended from the enrollment's page.
Either changes what is due (the enrollment is derived again by the service)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE

from . import selectors, services_periods
from .forms_enrollments import PeriodAddForm, PeriodEndForm
from .models import Period
from .views_enrollments import EnrollmentObjectMixin


def _report(request, form, call) -> None:
    if not form.is_valid():
        errors = "；".join(f"{form[f].label if f in form.fields else ''}{' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, _("请检查填写内容：%(e)s") % {"e": errors})
        return
    try:
        call()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已保存，下次随访日期已按住院与外出重新计算"))


class PeriodAddView(EnrollmentObjectMixin, ScopedObjectView):
    action = CHANGE

    def get(self, request, pk):
        return redirect("programs:enrollment_detail", pk=self.get_object().pk)

    def post(self, request, pk):
        enrollment = self.get_object()
        form = PeriodAddForm(request.POST)
        _report(
            request,
            form,
            lambda: services_periods.period_add(acting_user=request.user, enrollment=enrollment, **form.cleaned_data),
        )
        return redirect("programs:enrollment_detail", pk=enrollment.pk)


class PeriodEndView(ScopedObjectView):
    model = Period
    action = CHANGE

    def get_object(self):
        return selectors.period_for_page(self.request.user, self.kwargs["pk"], self.action)

    def get(self, request, pk):
        return redirect("programs:enrollment_detail", pk=self.get_object().enrollment_id)

    def post(self, request, pk):
        period = self.get_object()
        form = PeriodEndForm(request.POST)
        _report(
            request,
            form,
            lambda: services_periods.period_end(
                acting_user=request.user, period=period, end_on=form.cleaned_data["end_on"]
            ),
        )
        return redirect("programs:enrollment_detail", pk=period.enrollment_id)

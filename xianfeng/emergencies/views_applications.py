"""Pages of front-line applications to join the party: an emergency's applications (applicant,
branch, date, current stage, next step due) and receiving one (members 修改 over the applicant;
the membership pipeline's own rules apply and its errors show on the form)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.core.forms import call_service

from . import selectors_applications as selectors
from . import selectors_pledges, services_applications
from .forms_applications import ApplicationForm
from .models import FrontLineApplication


def _emergency_or_pick(request, target):
    emergency = selectors_pledges.emergency_from(
        request.user, request.GET.get("emergency") or request.POST.get("emergency")
    )
    if emergency is None:
        context = {"emergencies": selectors_pledges.emergencies_in_reach(request.user)[:50], "target": target}
        return None, render(request, "emergencies/pledge_pick_emergency.html", context)
    return emergency, None


class ApplicationListView(ScopedListView):
    model = FrontLineApplication

    def get(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:application_list")
        if picker is not None:
            return picker
        context = {
            "emergency": emergency,
            "page": self.paginate(selectors.applications_of(request.user, emergency)),
            "today": timezone.localdate(),
            "can_change": can(request.user, CHANGE, FrontLineApplication),
        }
        return render(request, "emergencies/application_list.html", context)


class ApplicationCreateView(ScopedListView):
    model = FrontLineApplication
    action = CHANGE

    def _render(self, request, emergency, form, status=200):
        return render(
            request, "emergencies/application_form.html", {"emergency": emergency, "form": form}, status=status
        )

    def get(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:application_new")
        if picker is not None:
            return picker
        return self._render(request, emergency, ApplicationForm(user=request.user, emergency=emergency))

    def post(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:application_new")
        if picker is not None:
            return picker
        form = ApplicationForm(request.POST, user=request.user, emergency=emergency)
        if form.is_valid():
            application = call_service(
                form,
                services_applications.application_receive,
                on_denied=("member", _("登记后将超出您的权限范围")),
                acting_user=request.user,
                emergency=emergency,
                **form.cleaned_data,
            )
            if application is not None and not form.errors:
                messages.success(request, _("已登记 %(m)s 的火线入党申请") % {"m": application.member.name})
                return redirect(f"{reverse('emergencies:application_list')}?emergency={emergency.pk}")
        return self._render(request, emergency, form, status=400)

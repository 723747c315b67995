"""Batch attendance of an activity on a phone: named attendees (one service record each,
services_attendees.py) or only the headcount. The activity pages are in views_activities.py."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE
from xianfeng.core.forms import call_service

from . import selectors_activities as activity_selectors
from . import services_activities as services
from . import services_attendees
from .forms_activities import AttendeesForm, HeadcountForm
from .models import Activity


class ActivityAttendeesView(ScopedObjectView):
    """Batch attendance on a phone: named attendees (one record each) or only a headcount."""

    model = Activity
    action = CHANGE

    def _render(self, request, activity, attendees, headcount, status=200):
        context = {
            "activity": activity,
            "attendees_form": attendees,
            "headcount_form": headcount,
            "recorded": activity_selectors.attendee_records(user=request.user, activity=activity).count(),
            "heading": _("登记参加者"),
        }
        return render(request, "servicelog/activity_attendees.html", context, status=status)

    def _attendees(self, activity, data=None):
        initial = {"idempotency_key": uuid.uuid4().hex}
        return AttendeesForm(data, user=self.request.user, activity=activity, initial=initial)

    def get(self, request, pk):
        activity = self.get_object()
        headcount = HeadcountForm(initial={"headcount": activity.headcount})
        return self._render(request, activity, self._attendees(activity), headcount)

    def post(self, request, pk):
        activity = self.get_object()
        if request.POST.get("form") == "headcount":
            attendees = self._attendees(activity)
            headcount = HeadcountForm(request.POST)
            if headcount.is_valid():
                call_service(
                    headcount,
                    services.activity_update,
                    acting_user=request.user,
                    activity=activity,
                    headcount=headcount.cleaned_data["headcount"],
                )
                if not headcount.errors:
                    messages.success(request, _("服务人数已更新为 %(n)d") % {"n": headcount.cleaned_data["headcount"]})
                    return redirect("servicelog:activity_detail", pk=activity.pk)
            return self._render(request, activity, attendees, headcount, status=400)
        attendees = self._attendees(activity, request.POST)
        headcount = HeadcountForm(initial={"headcount": activity.headcount})
        if attendees.is_valid():
            records = call_service(
                attendees,
                services_attendees.activity_add_attendees,
                acting_user=request.user,
                activity=activity,
                residents=list(attendees.cleaned_data["residents"]),
                service_type=attendees.cleaned_data["service_type"],
                note=attendees.cleaned_data["note"],
                idempotency_key=attendees.cleaned_data["idempotency_key"],
            )
            if not attendees.errors:
                n = len(records)
                messages.success(request, ngettext("已登记 %(n)d 位参加者", "已登记 %(n)d 位参加者", n) % {"n": n})
                return redirect("servicelog:activity_detail", pk=activity.pk)
        return self._render(request, activity, attendees, headcount, status=400)

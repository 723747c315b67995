"""Activity pages: list, create, detail, edit (participants, hours, quantities), status, void.
Batch attendance is in views_attendees.py, the evidence (photos and attachments) in
views_activity_files.py. Views are thin: a form, a service, a page."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ObjectActionView, ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import apply_errors, call_service

from . import selectors
from . import selectors_activities as activity_selectors
from . import services_activities as services
from .forms_activities import (
    ActivityForm,
    ParticipantFormSet,
    QuantityFormSet,
    StatusForm,
    UploadForm,
    VoidForm,
)
from .models import Activity, ActivityFile

OUT_OF_SCOPE = ("org", _("主办组织不在您可登记的范围内"))


def _day(value) -> datetime.date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 19 else None


def _url(name: str, pk: int) -> str:
    """A link to a page another part of the service log provides, or "" if it is not there."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


class ActivityListView(ScopedListView):
    model = Activity
    paginate_by = 30

    def get(self, request):
        filters = {
            "query": request.GET.get("q", "").strip()[:100],
            "status": request.GET.get("status", ""),
            "kind": request.GET.get("kind", ""),
            "date_from": _day(request.GET.get("from")),
            "date_to": _day(request.GET.get("to")),
            "team_id": _int(request.GET.get("team")),
            "include_voided": request.GET.get("voided") == "1",
        }
        page = self.paginate(activity_selectors.activity_list(user=request.user, **filters))
        context = {
            "page": page,
            **filters,
            "team": filters["team_id"],
            "statuses": Activity.Status.choices,
            "kinds": Activity.Kind.choices,
            "teams": activity_selectors.team_choices(user=request.user)[:200],
            "can_change": can(request.user, CHANGE, Activity),
        }
        template = "servicelog/activity_rows.html" if request.htmx else "servicelog/activity_list.html"
        return render(request, template, context)


def _region_options(user):
    return activity_selectors.region_options(user=user)


def _region_text(region) -> str:
    return f"{region.name}（{region.code}）" if region is not None else ""


class ActivityCreateView(ScopedListView):
    model = Activity
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("新建活动"), "region_options": _region_options(request.user)}
        return render(request, "servicelog/activity_form.html", context, status=status)

    def get(self, request):
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"start_at": now.replace(minute=0), "idempotency_key": uuid.uuid4().hex}
        teams = selectors.current_teams(request.user)
        if teams:
            initial["teams"] = [teams[0].pk]
        return self._render(request, ActivityForm(user=request.user, initial=initial))

    def post(self, request):
        form = ActivityForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["service_types"] = list(data["service_types"])
            data["teams"] = list(data["teams"])
            saved = call_service(
                form, services.activity_create, on_denied=OUT_OF_SCOPE, acting_user=request.user, **data
            )
            if not form.errors:
                messages.success(request, _("已保存活动“%(t)s”") % {"t": saved.activity.title})
                return redirect("servicelog:activity_detail", pk=saved.activity.pk)
        return self._render(request, form, status=400)


class ActivityDetailView(ScopedObjectView):
    model = Activity

    def get(self, request, pk):
        activity = self.get_object()
        user = request.user
        records = list(activity_selectors.attendee_records(user=user, activity=activity))
        for record in records:
            record.detail_url = _url("servicelog:record_detail", record.pk)
        files = list(activity_selectors.files(user=user, activity=activity))
        participants = list(activity_selectors.participants(user=user, activity=activity))
        can_change = activity_selectors.may_change(user, activity) and not activity.is_voided
        context = {
            "activity": activity,
            "service_types": activity.service_types.all(),
            "teams": activity.teams.all(),
            "participants": participants,
            "total_hours": sum((p.hours for p in participants), 0),
            "quantities": activity_selectors.quantities(user=user, activity=activity),
            "records": records,
            "photos": [f for f in files if f.kind == ActivityFile.Kind.PHOTO],
            "attachments": [f for f in files if f.kind != ActivityFile.Kind.PHOTO],
            "history": audit_selectors.object_history(targets={Activity: [activity.pk]})[:30],
            "can_change": can_change,
            "upload_form": UploadForm() if can_change else None,
            "statuses": [
                (value, label)
                for value, label in Activity.Status.choices
                if value in services.TRANSITIONS.get(activity.status, set())
            ],
        }
        return render(request, "servicelog/activity_detail.html", context)


class ActivityEditView(ScopedObjectView):
    model = Activity
    action = CHANGE

    def _forms(self, activity, data=None):
        user = self.request.user
        initial = {
            "title": activity.title,
            "kind": activity.kind,
            "start_at": timezone.localtime(activity.start_at),
            "end_at": timezone.localtime(activity.end_at) if activity.end_at else None,
            "teams": [t.pk for t in activity.teams.all()],
            "org": activity.org_id,
            "region": _region_text(activity.region),
            "place": activity.place,
            "service_types": [t.pk for t in activity.service_types.all()],
            "headcount": activity.headcount,
            "note": activity.note,
        }
        members = selectors.provider_queryset(user, activity.served_on).select_related("branch")
        types = selectors.service_types_for(user)
        parts = activity.participants.select_related("member").order_by("id")
        amounts = activity.quantities.order_by("id")
        return (
            ActivityForm(data, user=user, creating=False, initial=initial),
            ParticipantFormSet(
                data,
                prefix="p",
                initial=[{"member": p.member_id, "hours": p.hours, "role": p.role} for p in parts],
                form_kwargs={"member_choices": members},
            ),
            QuantityFormSet(
                data,
                prefix="q",
                initial=[{"service_type": q.service_type_id, "quantity": q.quantity} for q in amounts],
                form_kwargs={"type_choices": types},
            ),
        )

    def _render(self, request, activity, forms, status=200):
        form, people, amounts = forms
        context = {
            "activity": activity,
            "form": form,
            "participants": people,
            "quantities": amounts,
            "heading": _("编辑活动"),
            "region_options": _region_options(request.user),
        }
        return render(request, "servicelog/activity_edit.html", context, status=status)

    def get(self, request, pk):
        activity = self.get_object()
        if activity.is_voided:
            messages.error(request, _("该活动已作废，不能修改"))
            return redirect("servicelog:activity_detail", pk=activity.pk)
        return self._render(request, activity, self._forms(activity))

    def post(self, request, pk):
        activity = self.get_object()
        forms = self._forms(activity, request.POST)
        form, people, amounts = forms
        if form.is_valid() and people.is_valid() and amounts.is_valid():
            data = dict(form.cleaned_data)
            data["service_types"] = list(data["service_types"])
            data["teams"] = list(data["teams"])
            participants = [
                (row["member"], row.get("hours"), row.get("role", ""))
                for row in people.cleaned_data
                if row.get("member") is not None
            ]
            quantities = [
                (row["service_type"], row["quantity"])
                for row in amounts.cleaned_data
                if row.get("service_type") is not None
            ]
            try:
                services.activity_update(
                    acting_user=request.user,
                    activity=activity,
                    **data,
                    participants=participants,
                    quantities=quantities,
                )
            except ValidationError as exc:
                _errors_to_forms(exc, form, people, amounts)
            except PermissionDenied:
                form.add_error(*OUT_OF_SCOPE)
            else:
                messages.success(request, _("已保存"))
                return redirect("servicelog:activity_detail", pk=activity.pk)
        return self._render(request, activity, forms, status=400)


def _errors_to_forms(exc: ValidationError, form, people, amounts) -> None:
    """A service's errors on the page: participants' and quantities' above their tables."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        if field == "participants":
            people.extra_errors = [m for e in errors for m in e.messages]
        elif field == "quantities":
            amounts.extra_errors = [m for e in errors for m in e.messages]
        else:
            apply_errors(form, ValidationError({field: errors}))


class ActivityVoidView(ScopedObjectView):
    model = Activity
    action = CHANGE

    def _render(self, request, activity, form, status=200):
        context = {"activity": activity, "form": form, "heading": _("作废活动")}
        return render(request, "servicelog/activity_void.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), VoidForm())

    def post(self, request, pk):
        activity = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(form, services.activity_void, acting_user=request.user, activity=activity, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("活动已作废，不再计入统计"))
                return redirect("servicelog:activity_detail", pk=activity.pk)
        return self._render(request, activity, form, status=400)


class ActivityStatusView(ObjectActionView):
    """已举办 / 已取消 buttons on the activity's page (POST)."""

    model = Activity
    form_class = StatusForm
    detail_url_name = "servicelog:activity_detail"

    def perform(self, obj, form) -> None:
        status = form.cleaned_data["status"]
        services.activity_set_status(acting_user=self.request.user, activity=obj, status=status)
        self.success_message = _("状态已改为“%(s)s”") % {"s": Activity.Status(status).label}

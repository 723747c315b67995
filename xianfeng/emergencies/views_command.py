"""Pages of an emergency's command: the list (active first, search; one view for the page and its
htmx rows), create and edit, close, the call to serve, the detail page (command structure, leadership
meetings, the latest counts, the people's sections), working groups, leadership meetings and the
settings of the daily report's form. Daily reports are views_command_daily.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can, get_scoped_or_404
from xianfeng.core.forms import call_service

from . import daily_selectors, report_form
from . import selectors_command as selectors
from . import services_command as services
from .forms_command import (
    CallForm,
    EmergencyCloseForm,
    EmergencyFilterForm,
    EmergencyForm,
    LeadershipMeetingForm,
    ReportFieldsForm,
    VoidForm,
    WorkingGroupForm,
)
from .models import DailyReport, Emergency, LeadershipMeeting, WorkingGroup

ON_DENIED = ("org", _("保存后该应急事件将超出您的权限范围，请检查牵头组织"))


class EmergencyListView(ScopedListView):
    model = Emergency
    paginate_by = 30

    def get(self, request):
        form = EmergencyFilterForm(request.GET or None)
        filters = form.filters()
        emergencies = selectors.emergency_list(user=request.user, **filters)
        context = {
            "form": form,
            "filters": filters,
            "page": self.paginate(emergencies),
            "today": timezone.localdate(),
            "can_change": can(request.user, CHANGE, Emergency),
        }
        template = "emergencies/emergency_rows.html" if request.htmx else "emergencies/emergency_list.html"
        return render(request, template, context)


class EmergencyCreateView(ScopedListView):
    model = Emergency
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(
            request, "emergencies/emergency_form.html", {"form": form, "heading": _("新建应急事件")}, status=status
        )

    def _form(self, data=None):
        return EmergencyForm(data, org_choices=selectors.org_choices(user=self.request.user))

    def get(self, request):
        form = self._form()
        orgs = form.fields["org"].queryset
        if getattr(request.user, "org_id", None) and orgs.filter(pk=request.user.org_id).exists():
            form.initial["org"] = request.user.org_id
        return self._render(request, form)

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            emergency = call_service(
                form, services.emergency_create, on_denied=ON_DENIED, acting_user=request.user, **form.cleaned_data
            )
            if not form.errors:
                messages.success(request, _("已新建应急事件：%(n)s") % {"n": emergency.name})
                return redirect("emergencies:detail", pk=emergency.pk)
        return self._render(request, form, status=400)


class EmergencyObjectView(ScopedObjectView):
    model = Emergency

    def get_object(self):
        qs = selectors.emergencies_with_org(user=self.request.user)
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


class EmergencyDetailView(EmergencyObjectView):
    def get(self, request, pk):
        emergency = self.get_object()
        user = request.user
        context = {
            "emergency": emergency,
            "active": emergency.is_active(),
            "groups": selectors.groups_of(user=user, emergency=emergency),
            "meetings": selectors.meetings_of(user=user, emergency=emergency),
            "latest": daily_selectors.latest(user=user, emergency=emergency),
            "can_change": selectors.may_change(user, emergency),
            "can_export": can(user, EXPORT, DailyReport),
            "period": services.period_text(emergency),
        }
        return render(request, "emergencies/emergency_detail.html", context)


class EmergencyFormView(EmergencyObjectView):
    """A form about one emergency: GET shows it, POST calls the service and goes to the page."""

    action = CHANGE
    template = "emergencies/emergency_form.html"
    heading = ""
    success = ""

    def make_form(self, emergency, data=None):
        raise NotImplementedError

    def perform(self, emergency, form):
        raise NotImplementedError

    def _render(self, request, emergency, form, status=200):
        context = {"form": form, "emergency": emergency, "heading": self.heading}
        return render(request, self.template, context, status=status)

    def get(self, request, pk):
        emergency = self.get_object()
        return self._render(request, emergency, self.make_form(emergency))

    def post(self, request, pk):
        emergency = self.get_object()
        form = self.make_form(emergency, request.POST)
        if form.is_valid():
            call_service(form, self.perform, on_denied=ON_DENIED, emergency=emergency, form=form)
            if not form.errors:
                messages.success(request, self.success)
                return redirect("emergencies:detail", pk=emergency.pk)
        return self._render(request, emergency, form, status=400)


class EmergencyEditView(EmergencyFormView):
    heading = _("修改应急事件")
    success = _("已保存修改")

    def make_form(self, emergency, data=None):
        initial = {f: getattr(emergency, f) for f in ("name", "kind", "start_on", "end_on", "description")}
        initial["org"] = emergency.org_id
        org_choices = selectors.org_choices(user=self.request.user, keep=emergency.org_id)
        return EmergencyForm(data, org_choices=org_choices, initial=initial)

    def perform(self, emergency, form):
        changes = form.changes(emergency)
        if changes:
            services.emergency_update(acting_user=self.request.user, emergency=emergency, **changes)


class EmergencyCloseView(EmergencyFormView):
    heading = _("结束应急事件")
    success = _("应急事件已结束")

    def make_form(self, emergency, data=None):
        return EmergencyCloseForm(data)

    def perform(self, emergency, form):
        services.emergency_close(acting_user=self.request.user, emergency=emergency, **form.cleaned_data)


class EmergencyCallView(EmergencyFormView):
    heading = _("请战倡议")
    success = _("已保存请战倡议")

    def make_form(self, emergency, data=None):
        return CallForm(data, initial={"call_text": emergency.call_text, "pledges_open": emergency.pledges_open})

    def perform(self, emergency, form):
        services.emergency_set_call(acting_user=self.request.user, emergency=emergency, **form.cleaned_data)


class WorkingGroupCreateView(EmergencyFormView):
    heading = _("新建工作组")
    success = _("已新建工作组")

    def make_form(self, emergency, data=None):
        return WorkingGroupForm(data, member_choices=selectors.member_choices(user=self.request.user))

    def perform(self, emergency, form):
        services.working_group_create(acting_user=self.request.user, emergency=emergency, **form.cleaned_data)


class LeadershipMeetingCreateView(EmergencyFormView):
    heading = _("记录领导小组会议")
    success = _("已记录领导小组会议")

    def make_form(self, emergency, data=None):
        return LeadershipMeetingForm(data, member_choices=selectors.member_choices(user=self.request.user))

    def perform(self, emergency, form):
        services.leadership_meeting_create(acting_user=self.request.user, emergency=emergency, **form.cleaned_data)


class ReportFieldsView(EmergencyFormView):
    """The daily report's form: labels, on/off, order, new fields; a field with counts stays."""

    heading = _("日报字段设置")
    success = _("已保存日报字段")
    template = "emergencies/emergency_report_fields.html"

    def make_form(self, emergency, data=None):
        return ReportFieldsForm(
            data, current=report_form.report_fields(emergency), used=services.used_report_codes(emergency)
        )

    def perform(self, emergency, form):
        services.emergency_set_report_fields(
            acting_user=self.request.user, emergency=emergency, fields=form.fields_list()
        )


class WorkingGroupEditView(ScopedObjectView):
    model = WorkingGroup
    action = CHANGE

    def _render(self, request, group, form, status=200):
        context = {"form": form, "emergency": group.emergency, "heading": _("修改工作组：%(n)s") % {"n": group.name}}
        return render(request, "emergencies/emergency_form.html", context, status=status)

    def _form(self, group, data=None):
        initial = {
            "name": group.name,
            "duties": group.duties,
            "leader": group.leader_id,
            "members": list(group.members.values_list("pk", flat=True)),
            "order": group.order,
        }
        return WorkingGroupForm(data, member_choices=selectors.member_choices(user=self.request.user), initial=initial)

    def get(self, request, pk):
        group = self.get_object()
        return self._render(request, group, self._form(group))

    def post(self, request, pk):
        group = self.get_object()
        form = self._form(group, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("order") is None:
                data["order"] = group.order
            call_service(form, services.working_group_update, acting_user=request.user, group=group, **data)
            if not form.errors:
                messages.success(request, _("已保存工作组"))
                return redirect("emergencies:detail", pk=group.emergency_id)
        return self._render(request, group, form, status=400)


class LeadershipMeetingVoidView(ScopedObjectView):
    model = LeadershipMeeting
    action = CHANGE

    def _render(self, request, meeting, form, status=200):
        context = {"form": form, "meeting": meeting, "emergency": meeting.emergency}
        return render(request, "emergencies/leadership_meeting_void.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), VoidForm())

    def post(self, request, pk):
        meeting = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services.leadership_meeting_void,
                acting_user=request.user,
                meeting=meeting,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已作废会议记录"))
                return redirect("emergencies:detail", pk=meeting.emergency_id)
        return self._render(request, meeting, form, status=400)

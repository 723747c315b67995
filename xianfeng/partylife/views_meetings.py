"""Pages of the 三会一课: the compliance calendar (the module's home), the meeting list (one view
for the page and its htmx rows), a meeting's page, the form with its roll, the attendance, void.
The local rules' pages are views_meetings_rules.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int
from xianfeng.servicelog import selectors_activities as activity_selectors
from xianfeng.servicelog.models import Activity
from xianfeng.servicelog.selectors import own_member

from . import compliance
from . import selectors_meetings as selectors
from . import services_meetings as services
from .forms_meetings import (
    MAX_YEAR,
    MIN_YEAR,
    NOT_EXPECTED,
    AttendanceValidityForm,
    MeetingFilterForm,
    MeetingForm,
    ReasonForm,
    RollForm,
    parse_day,
)
from .models import Meeting, MeetingKind

ON_DENIED = ("org", _("保存后该会议将超出您的权限范围，请检查召开组织"))
MONTHS = range(1, 13)


# --- the compliance calendar -----------------------------------------------------------------


def _year(request, today) -> int:
    return query_int(request.GET.get("year"), minimum=MIN_YEAR, maximum=MAX_YEAR) or today.year


def _default_branch(user, branches):
    """The branch to show without ?org=: the user's own member's branch, else the only one."""
    member = own_member(user)
    if member is not None:
        own = selectors.branch_of(member.branch)
        for branch in branches:
            if branch.pk == own.pk:
                return branch
    return branches[0] if len(branches) == 1 else None


def _cell_url(branch, cell, today) -> str:
    query = {"org": branch.pk, "kind": cell.kind, "held_on": cell.suggested_day(today).isoformat()}
    return f"{reverse('partylife:meeting_new')}?{urlencode(query)}"


class ComplianceIndexView(ScopedListView):
    """组织生活日历: a branch's grid of kinds × months (green done, amber due, red overdue), this
    quarter's missing meetings on top with 补录; a committee's user first sees its branches."""

    model = Meeting

    def get(self, request):
        user = request.user
        today = timezone.localdate()
        year = _year(request, today)
        branches = list(selectors.calendar_branches(user)[: selectors.MAX_BRANCHES])
        wanted = query_int(request.GET.get("org"), minimum=1)
        branch = next((b for b in branches if b.pk == wanted), None) if wanted else _default_branch(user, branches)
        context = {
            "tab": "calendar",
            "year": year,
            "years": [year - 1, year + 1] if year + 1 <= MAX_YEAR else [year - 1],
            "today": today,
            "branches": branches,
            "branch": branch,
            "months": MONTHS,
            "can_change": can(user, CHANGE, Meeting),
        }
        if branch is None:
            context["overview"] = [
                {"branch": b, "calendar": cal, "overdue": len(cal.overdue), "due": len(cal.due)}
                for b, cal in selectors.branches_overview(user, year, today, branches)
            ]
            return render(request, "partylife/index.html", context)
        calendar = selectors.branch_calendar(user, branch, year, today)
        may_record = selectors.meeting_orgs(user).filter(pk=branch.pk).exists()
        context.update(
            calendar=calendar,
            grid=_grid(calendar, branch, today, may_record),
            missing=[
                {
                    "cell": c,
                    "kind_label": MeetingKind(c.kind).label,
                    "label": compliance.period_label(c.period, c.start),
                    "url": _cell_url(branch, c, today),
                }
                for c in calendar.recent_missing()
            ]
            if year == today.year
            else [],
            may_record=may_record,
            rate=calendar.compliance_rate,
        )
        return render(request, "partylife/index.html", context)


def _grid(calendar, branch, today, may_record) -> list[dict]:
    rows = []
    for kind, label, cells in calendar.rows():
        row, month = [], 1
        for cell in cells:
            if cell.start.month > month:  # months before the branch existed
                row.append({"gap": cell.start.month - month})
            row.append(
                {
                    "cell": cell,
                    "label": compliance.period_label(cell.period, cell.start),
                    "url": _cell_url(branch, cell, today) if may_record and cell.missing else "",
                }
            )
            month = cell.start.month + cell.span
        if month <= 12:
            row.append({"gap": 13 - month})
        rows.append({"kind": kind, "label": label, "cells": row})
    return rows


# --- the meeting list ------------------------------------------------------------------------


class MeetingListView(ScopedListView):
    model = Meeting

    def get(self, request):
        user = request.user
        form = MeetingFilterForm(request.GET or None)
        filters = form.filters()
        meetings = selectors.filtered_meetings(user, filters)
        context = {
            "tab": "meetings",
            "form": form,
            "filters": filters,
            "page": self.paginate(meetings),
            "kinds": MeetingKind.choices,
            "orgs": selectors.meeting_orgs(user, VIEW),
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "can_change": can(user, CHANGE, Meeting),
        }
        template = "partylife/meeting_rows.html" if request.htmx else "partylife/meeting_list.html"
        return render(request, template, context)


# --- create and edit -------------------------------------------------------------------------


def _prefill(params) -> dict:
    initial = {}
    org = query_int(params.get("org"), minimum=1)
    if org:
        initial["org"] = org
    if params.get("kind") in MeetingKind.values:
        initial["kind"] = params["kind"]
        initial["title"] = MeetingKind(params["kind"]).label
    day = parse_day(params.get("held_on"))
    if day and day <= timezone.localdate():
        initial["held_on"] = day
    for name in ("title", "place"):
        if params.get(name):
            initial[name] = str(params[name])[:100]
    return initial


def _roll_form(user, org, kind, data=None, initial=None) -> RollForm:
    members = selectors.roll(user, org) if org else []
    return RollForm(members, kind, data=data, initial=initial)


class MeetingCreateView(ScopedListView):
    """补录 / 登记 a meeting with its roll on one page. Changing the organization or the kind
    redraws the form (htmx) with that organization's roll."""

    model = Meeting
    action = CHANGE

    def _render(self, request, form, roll, status=200):
        context = {
            "form": form,
            "roll": roll,
            "heading": _("登记组织生活会议"),
            "tab": "meetings",
            "theme_day": roll.kind == MeetingKind.THEME_DAY,
            "region_options": activity_selectors.region_options(user=request.user),
        }
        return render(request, "partylife/meeting_form.html", context, status=status)

    def get(self, request):
        initial = _prefill(request.GET)
        form = MeetingForm(user=request.user, initial=initial)
        org = form.chosen_org()
        kind = initial.get("kind") or MeetingKind.BRANCH_ASSEMBLY
        return self._render(request, form, _roll_form(request.user, org, kind))

    def post(self, request):
        form = MeetingForm(request.POST, user=request.user)
        org = form.chosen_org()
        kind = request.POST.get("kind") if request.POST.get("kind") in MeetingKind.values else MeetingKind.LECTURE
        roll = _roll_form(request.user, org, kind, data=request.POST)
        if request.POST.get("redraw"):  # the organization or the kind changed: same values, new roll
            return self._render(request, MeetingForm(user=request.user, initial=request.POST.dict()), roll)
        rows = roll.rows()
        if form.is_valid() and not roll.errors:
            saved = call_service(
                form,
                services.meeting_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                attendance=rows,
                note=form.cleaned_data.get("note", ""),
                idempotency_key=form.cleaned_data.get("idempotency_key", ""),
                **form.service_kwargs(),
            )
            _roll_errors(form, roll)
            if not form.errors:
                if saved.created:
                    messages.success(request, _("已登记：%(t)s") % {"t": saved.meeting})
                else:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                return redirect("partylife:meeting_detail", pk=saved.meeting.pk)
        return self._render(request, form, roll, status=400)


def _roll_errors(form, roll) -> None:
    """The service's attendance errors shown above the roll."""
    if "attendance" in form.errors:
        roll.errors.extend(form.errors.pop("attendance"))


class MeetingObjectMixin:
    model = Meeting

    def get_object(self):
        qs = selectors.meeting_list(user=self.request.user, include_voided=True).select_related(
            "created_by", "voided_by", "activity", "org__parent"
        )
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


class MeetingDetailView(MeetingObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        meeting = self.get_object()
        user = request.user
        may_change = scoped(user, Meeting, CHANGE).filter(pk=meeting.pk).exists() and not meeting.is_voided
        files = selectors.meeting_files(user, meeting)
        history = audit_selectors.object_history(
            targets={Meeting: [meeting.pk]}, also=selectors.meeting_file_history(meeting)
        )
        context = {
            "meeting": meeting,
            "attendance": selectors.attendance_of(user, meeting),
            "can_change": may_change,
            "activity_visible": meeting.activity_id and scoped(user, Activity).filter(pk=meeting.activity_id).exists(),
            "photos": [f for f in files if f.content_type.startswith("image/")],
            "documents": [f for f in files if not f.content_type.startswith("image/")],
            "changes": history.order_by("-at")[:30],
            "tab": "meetings",
        }
        return render(request, "partylife/meeting_detail.html", context)


class MeetingEditView(MeetingObjectMixin, ScopedObjectView):
    action = CHANGE

    def _form(self, meeting, data=None):
        initial = {
            name: getattr(meeting, name)
            for name in (
                "kind",
                "title",
                "held_on",
                "start_time",
                "place",
                "topics",
                "resolutions",
                "minutes",
                "is_valid",
                "invalid_note",
            )
        }
        initial.update(host=meeting.host_id, recorder=meeting.recorder_id, activity=meeting.activity_id)
        return MeetingForm(data, user=self.request.user, meeting=meeting, initial=initial)

    def _render(self, request, meeting, form, status=200):
        context = {
            "form": form,
            "meeting": meeting,
            "heading": _("修改会议记录"),
            "tab": "meetings",
            "theme_day": meeting.kind == MeetingKind.THEME_DAY or meeting.activity_id,
        }
        return render(request, "partylife/meeting_form.html", context, status=status)

    def get(self, request, pk):
        meeting = self.get_object()
        if meeting.is_voided:
            messages.error(request, _("已作废的会议记录不能修改"))
            return redirect("partylife:meeting_detail", pk=meeting.pk)
        return self._render(request, meeting, self._form(meeting))

    def post(self, request, pk):
        meeting = self.get_object()
        form = self._form(meeting, request.POST)
        if form.is_valid():
            changes = form.changes(meeting)
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("partylife:meeting_detail", pk=meeting.pk)
            call_service(
                form,
                services.meeting_update,
                on_denied=ON_DENIED,
                acting_user=request.user,
                meeting=meeting,
                note=form.cleaned_data.get("note", ""),
                **changes,
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("partylife:meeting_detail", pk=meeting.pk)
        return self._render(request, meeting, form, status=400)


class MeetingAttendanceView(MeetingObjectMixin, ScopedObjectView):
    """The roll of a meeting: one row per member, 出席 / 请假 / 缺席 with a reason, 全部出席."""

    action = CHANGE

    def _render(self, request, meeting, roll, validity, status=200):
        context = {"meeting": meeting, "roll": roll, "validity": validity, "tab": "meetings"}
        return render(request, "partylife/meeting_attendance.html", context, status=status)

    def get(self, request, pk):
        meeting = self.get_object()
        if meeting.is_voided:
            return redirect("partylife:meeting_detail", pk=meeting.pk)
        current = {a.member_id: (a.status, a.reason) for a in selectors.attendance_of(request.user, meeting)}
        initial = current
        if current:  # members not on the saved roll were not expected
            initial = {**{m.pk: (NOT_EXPECTED, "") for m in selectors.roll(request.user, meeting.org)}, **current}
        roll = _roll_form(request.user, meeting.org, meeting.kind, initial=initial)
        validity = AttendanceValidityForm(initial={"is_valid": meeting.is_valid, "invalid_note": meeting.invalid_note})
        return self._render(request, meeting, roll, validity)

    def post(self, request, pk):
        meeting = self.get_object()
        roll = _roll_form(request.user, meeting.org, meeting.kind, data=request.POST)
        validity = AttendanceValidityForm(request.POST)
        rows = roll.rows()
        if validity.is_valid() and not roll.errors:
            call_service(
                validity,
                services.attendance_set,
                acting_user=request.user,
                meeting=meeting,
                rows=rows,
                # Only a meeting that needs a quorum has the box on this page; others keep theirs.
                is_valid=validity.cleaned_data["is_valid"] if meeting.needs_quorum else None,
                invalid_note=validity.cleaned_data.get("invalid_note", "") if meeting.needs_quorum else None,
                note=validity.cleaned_data.get("note", ""),
            )
            _roll_errors(validity, roll)
            if not validity.errors:
                messages.success(request, _("已保存出席情况"))
                return redirect("partylife:meeting_detail", pk=meeting.pk)
        return self._render(request, meeting, roll, validity, status=400)


class MeetingVoidView(MeetingObjectMixin, ScopedObjectView):
    action = CHANGE

    def _render(self, request, meeting, form, status=200):
        context = {"meeting": meeting, "form": form, "tab": "meetings"}
        return render(request, "partylife/meeting_void.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), ReasonForm())

    def post(self, request, pk):
        meeting = self.get_object()
        form = ReasonForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services.meeting_void,
                acting_user=request.user,
                meeting=meeting,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已作废，该会议不再计入组织生活日历"))
                return redirect("partylife:meeting_detail", pk=meeting.pk)
        return self._render(request, meeting, form, status=400)

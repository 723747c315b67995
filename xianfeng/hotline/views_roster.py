"""The duty roster's pages: the month calendar (a day list on a phone), a shift's page, creating,
generating, correcting and deleting shifts. Thin: forms shape input, services_roster writes.
Assignments and swaps: views_roster_swaps.py."""

import calendar
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.core.forms import call_service

from . import selectors_roster as selectors
from . import services_roster as services
from .forms_roster import AssignForm, GenerateForm, RosterFilterForm, ShiftForm
from .models import Call, Shift, ShiftAssignment, SwapRequest

ON_DENIED = ("team", _("您不能管理该值守组的排班"))


def roster_url(team_id: int, day: datetime.date) -> str:
    return f"{reverse('hotline:roster')}?team={team_id}&month={day:%Y-%m}"


def _chip(shift: Shift, user) -> dict:
    """One shift as the calendar shows it: who, how many missing, whether it is mine."""
    members = [a.member for a in shift.assignments.all()]
    return {
        "shift": shift,
        "members": members,
        "missing": max(shift.seats - len(members), 0),
        "mine": any(m.user_id == user.pk for m in members),
    }


def _weeks(month_start: datetime.date, shifts, user) -> list[list[dict]]:
    by_day: dict[datetime.date, list[dict]] = {}
    for shift in shifts:
        by_day.setdefault(shift.date, []).append(_chip(shift, user))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month_start.year, month_start.month)
    today = timezone.localdate()
    return [
        [
            {
                "day": day,
                "in_month": day.month == month_start.month,
                "today": day == today,
                "shifts": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class RosterView(ScopedListView):
    """``/hotline/roster/?team=&month=YYYY-MM``: a team's month; gaps in red, my duty marked, the
    gaps of the next 14 days listed above. HTMX month navigation swaps the month only."""

    model = Shift

    def get(self, request):
        user = request.user
        form = RosterFilterForm(request.GET or None)
        teams = list(selectors.roster_teams(user, VIEW))
        wanted = form.team_id()
        team = next((t for t in teams if t.pk == wanted), None) if wanted else (teams[0] if teams else None)
        if wanted and team is None:
            raise Http404("team")
        month = form.month_start()
        context = {"teams": teams, "team": team, "month": month, "weeks": [], "days": [], "gaps": []}
        if team is not None:
            weeks = calendar.Calendar().monthdatescalendar(month.year, month.month)
            shifts = selectors.with_assignments(
                selectors.shift_list(user, team=team, date_from=weeks[0][0], date_to=weeks[-1][-1])
            )
            context["weeks"] = _weeks(month, list(shifts), user)
            context["days"] = [d for week in context["weeks"] for d in week if d["in_month"] and d["shifts"]]
            today = timezone.localdate()
            gaps = selectors.roster_gaps(
                user, today, today + datetime.timedelta(days=selectors.GAP_DAYS_PAGE), team=team
            )
            context["gaps"] = list(gaps[:30])
            context["prev_url"] = roster_url(team.pk, (month - datetime.timedelta(days=1)).replace(day=1))
            context["next_url"] = roster_url(team.pk, _next_month(month))
            context["can_manage"] = selectors.roster_teams(user, CHANGE).filter(pk=team.pk).exists()
        context["can_change"] = can(user, CHANGE, Shift)
        template = "hotline/_roster_month.html" if request.htmx else "hotline/roster.html"
        return render(request, template, context)


class ShiftCreateView(ScopedListView):
    model = Shift
    action = CHANGE

    def get(self, request):
        initial = {"date": timezone.localdate() + datetime.timedelta(days=1), "seats": 2}
        team = request.GET.get("team", "")
        if team.isdigit() and len(team) < 19:
            initial["team"] = int(team)
        return self._render(request, ShiftForm(user=request.user, initial=initial))

    def _render(self, request, form, status=200):
        return render(request, "hotline/shift_form.html", {"form": form, "heading": _("新建班次")}, status=status)

    def post(self, request):
        form = ShiftForm(request.POST, user=request.user)
        if form.is_valid():
            shift = call_service(
                form, services.shift_create, on_denied=ON_DENIED, acting_user=request.user, **form.cleaned_data
            )
            if shift is not None:
                messages.success(request, _("班次已创建"))
                return redirect("hotline:shift_detail", pk=shift.pk)
        return self._render(request, form, status=400)


class RosterGenerateView(ScopedListView):
    """A date range × daily slots, all or nothing; slots that already have a shift are skipped."""

    model = Shift
    action = CHANGE

    def get(self, request):
        today = timezone.localdate()
        initial = {"date_from": today + datetime.timedelta(days=1), "date_to": today + datetime.timedelta(days=7)}
        return self._render(request, GenerateForm(user=request.user, initial=initial))

    def _render(self, request, form, status=200):
        return render(request, "hotline/roster_generate.html", {"form": form}, status=status)

    def post(self, request):
        form = GenerateForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            slots = call_service(form, services.parse_slots, text=data.pop("slots"))
            if slots is not None:
                done = call_service(
                    form,
                    services.shifts_generate,
                    on_denied=ON_DENIED,
                    acting_user=request.user,
                    slots=slots,
                    **data,
                )
                if done is not None:
                    messages.success(
                        request,
                        _("已生成 %(n)d 个班次，跳过已有的 %(s)d 个") % {"n": len(done.created), "s": done.skipped},
                    )
                    return redirect(roster_url(data["team"].pk, data["date_from"]))
        return self._render(request, form, status=400)


class ShiftObjectMixin:
    model = Shift

    def get_object(self):
        shifts = selectors.shift_list(self.request.user).select_related("team__owner_org", "created_by")
        return get_scoped_or_404(self.request.user, shifts, self.action, pk=self.kwargs["pk"])


class ShiftDetailView(ShiftObjectMixin, ScopedObjectView):
    """Who is on it, the assign form, pending swaps, and the calls logged to it: their count for
    everyone, the calls themselves only for readers of the hotline (health data)."""

    def get(self, request, pk):
        user = request.user
        shift = self.get_object()
        manage = selectors.may_manage(user, shift)
        assignments = list(shift.assignments.select_related("member").order_by("pk"))
        visible = set(scoped(user, ShiftAssignment, VIEW).filter(shift=shift).values_list("pk", flat=True))
        calls = selectors.calls_on_shift(shift)
        context = {
            "shift": shift,
            "assignments": [
                {
                    "row": a,
                    "mine": a.member.user_id == user.pk,
                    "may_swap": a.pk in visible and (manage or a.member.user_id == user.pk),
                }
                for a in assignments
            ],
            "missing": max(shift.seats - len(assignments), 0),
            "ended": selectors.has_ended(shift),
            "started": selectors.has_started(shift),
            "can_manage": manage,
            "assign_form": AssignForm(shift=shift) if manage else None,
            "swaps": list(
                scoped(user, SwapRequest, VIEW)
                .filter(assignment__shift=shift, status=SwapRequest.Status.PENDING)
                .select_related("assignment__member", "to_member")
            ),
            "call_count": calls.count(),
            "calls": list(scoped(user, calls).order_by("started_at")[:50]) if can(user, VIEW, Call) else None,
            "back_url": roster_url(shift.team_id, shift.date),
        }
        return render(request, "hotline/shift_detail.html", context)


class ShiftEditView(ShiftObjectMixin, ScopedObjectView):
    action = CHANGE

    def _render(self, request, shift, form, status=200):
        context = {"form": form, "shift": shift, "heading": _("修改班次")}
        return render(request, "hotline/shift_form.html", context, status=status)

    def get(self, request, pk):
        shift = self.get_object()
        return self._render(request, shift, ShiftForm(user=request.user, shift=shift))

    def post(self, request, pk):
        shift = self.get_object()
        form = ShiftForm(request.POST, user=request.user, shift=shift)
        if form.is_valid():
            done = call_service(form, services.shift_update, acting_user=request.user, shift=shift, **form.cleaned_data)
            if done is not None:
                messages.success(request, _("班次已修改"))
                return redirect("hotline:shift_detail", pk=shift.pk)
        return self._render(request, shift, form, status=400)


class ShiftDeleteView(ShiftObjectMixin, ScopedObjectView):
    """A confirmation page first; a shift with calls logged to it is refused there."""

    action = CHANGE

    def get(self, request, pk):
        shift = self.get_object()
        context = {"shift": shift, "has_calls": shift.calls.exists(), "staffed": shift.assignments.count()}
        return render(request, "hotline/shift_delete.html", context)

    def post(self, request, pk):
        shift = self.get_object()
        back = roster_url(shift.team_id, shift.date)
        try:
            services.shift_delete(acting_user=request.user, shift=shift)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("hotline:shift_detail", pk=shift.pk)
        messages.success(request, _("班次已删除"))
        return redirect(back)

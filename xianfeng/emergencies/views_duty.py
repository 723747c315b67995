"""Pages of the duty roster: the roster of a week (phone: a list per day; desktop: posts × days),
one shift, a team's shifts for a run of days, voiding a shift, "我的排班" (a member always sees
their own shifts), the day's printable transport sheet and the xlsx export (emergencies 导出,
written to AccessLog: it names people and where they are picked up)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can, get_scoped_or_404, scoped
from xianfeng.core.exports import ExportColumn
from xianfeng.core.forms import call_service
from xianfeng.teams.models import Team

from . import selectors_duty as selectors
from . import selectors_pledges, services_duty
from .forms_duty import DutyBulkForm, DutyShiftForm, RosterWindowForm, VoidForm
from .models import DutyShift

ON_DENIED = ("member", _("排班后将超出您的权限范围"))


def roster_url(emergency, **params) -> str:
    query = "".join(f"&{k}={v}" for k, v in params.items() if v)
    return f"{reverse('emergencies:duty_roster')}?emergency={emergency.pk}{query}"


def _emergency_or_pick(request, target):
    emergency = selectors_pledges.emergency_from(
        request.user, request.GET.get("emergency") or request.POST.get("emergency")
    )
    if emergency is None:
        context = {"emergencies": selectors_pledges.emergencies_in_reach(request.user)[:50], "target": target}
        return None, render(request, "emergencies/pledge_pick_emergency.html", context)
    return emergency, None


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class DutyRosterView(ScopedListView):
    """A week of the roster from ``?start=`` (default: today), optionally one ``?team=``."""

    model = DutyShift

    def get(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:duty_roster")
        if picker is not None:
            return picker
        user = request.user
        form = RosterWindowForm(request.GET)
        data = form.cleaned_data if form.is_valid() else {}
        start = data.get("start") or max(timezone.localdate(), emergency.start_on)
        if emergency.end_on and start > emergency.end_on:
            start = emergency.start_on
        team = None
        if data.get("team"):
            team = get_scoped_or_404(user, Team, pk=data["team"])
        manage = selectors_pledges.may_manage(user, emergency)
        context = {
            "emergency": emergency,
            "window": selectors.window(user, emergency, start, team=team),
            "start": start,
            "prev": start - datetime.timedelta(days=7),
            "next": start + datetime.timedelta(days=7),
            "team": team,
            "can_manage": manage,
            "can_export": can(user, EXPORT, DutyShift),
            "void_form": VoidForm() if manage else None,
        }
        shown = [s for _day, shifts in context["window"]["by_day"] for s in shifts]
        context["changeable"] = _changeable(user, shown) if manage else set()
        return render(request, "emergencies/duty_roster.html", context)


class DutyShiftCreateView(ScopedListView):
    model = DutyShift
    action = CHANGE

    def _render(self, request, emergency, form, status=200):
        return render(request, "emergencies/duty_form.html", {"emergency": emergency, "form": form}, status=status)

    def _emergency(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:duty_new")
        if emergency is not None and not selectors_pledges.may_manage(request.user, emergency):
            raise PermissionDenied
        return emergency, picker

    def get(self, request):
        emergency, picker = self._emergency(request)
        if picker is not None:
            return picker
        return self._render(request, emergency, DutyShiftForm(user=request.user, emergency=emergency))

    def post(self, request):
        emergency, picker = self._emergency(request)
        if picker is not None:
            return picker
        form = DutyShiftForm(request.POST, user=request.user, emergency=emergency)
        if form.is_valid():
            shift = call_service(
                form,
                services_duty.duty_shift_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                emergency=emergency,
                **form.cleaned_data,
            )
            if shift is not None and not form.errors:
                messages.success(request, _("已排班：%(s)s") % {"s": shift})
                return redirect(roster_url(emergency, start=timezone.localtime(shift.starts_at).date().isoformat()))
        return self._render(request, emergency, form, status=400)


class DutyBulkView(DutyShiftCreateView):
    """A team × a run of days × one time slot → a shift for each current member (idempotent)."""

    def _render(self, request, emergency, form, status=200):
        return render(request, "emergencies/duty_bulk.html", {"emergency": emergency, "form": form}, status=status)

    def get(self, request):
        emergency, picker = self._emergency(request)
        if picker is not None:
            return picker
        return self._render(request, emergency, DutyBulkForm(user=request.user, emergency=emergency))

    def post(self, request):
        emergency, picker = self._emergency(request)
        if picker is not None:
            return picker
        form = DutyBulkForm(request.POST, user=request.user, emergency=emergency)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["vehicle"] = data.get("vehicle") or ""
            data["pickup_place"] = data.get("pickup_place") or ""
            result = call_service(
                form,
                services_duty.duty_shifts_bulk,
                on_denied=ON_DENIED,
                acting_user=request.user,
                emergency=emergency,
                **data,
            )
            if result is not None and not form.errors:
                messages.success(
                    request,
                    _("已排 %(n)d 个班次（%(s)d 个已在排班表中，未重复）")
                    % {"n": len(result.created), "s": result.skipped},
                )
                return redirect(roster_url(emergency, start=data["date_from"].isoformat(), team=data["team"].pk))
        return self._render(request, emergency, form, status=400)


def _changeable(user, shifts) -> set[int]:
    """The shifts (of those shown) the user may correct: their 修改 links."""
    ids = [s.pk for s in shifts]
    if not ids:
        return set()
    return set(scoped(user, DutyShift, CHANGE).filter(pk__in=ids).values_list("pk", flat=True))


class DutyShiftEditView(ScopedObjectView):
    """Correct one shift (its post, member, times, transport): the shift form prefilled; the
    service's refusals (overlap, pickup after the start, a voided shift) land on the form."""

    model = DutyShift
    action = CHANGE

    def _render(self, request, shift, form, status=200):
        context = {"emergency": shift.emergency, "shift": shift, "form": form}
        return render(request, "emergencies/duty_edit.html", context, status=status)

    def get(self, request, pk):
        shift = self.get_object()
        initial = {
            "site_kind": shift.site_kind,
            "site": shift.site,
            "member": shift.member_id,
            "team": shift.team_id,
            "starts_at": timezone.localtime(shift.starts_at),
            "ends_at": timezone.localtime(shift.ends_at),
            "vehicle": shift.vehicle,
            "pickup_place": shift.pickup_place,
            "pickup_at": timezone.localtime(shift.pickup_at) if shift.pickup_at else None,
            "note": shift.note,
        }
        form = DutyShiftForm(initial=initial, user=request.user, emergency=shift.emergency)
        return self._render(request, shift, form)

    def post(self, request, pk):
        shift = self.get_object()
        form = DutyShiftForm(request.POST, user=request.user, emergency=shift.emergency)
        if form.is_valid():
            data = dict(form.cleaned_data)
            for name in ("vehicle", "pickup_place", "note"):
                data[name] = data.get(name) or ""
            updated = call_service(
                form,
                services_duty.duty_shift_update,
                on_denied=ON_DENIED,
                acting_user=request.user,
                shift=shift,
                **data,
            )
            if updated is not None and not form.errors:
                messages.success(request, _("已修改班次：%(s)s") % {"s": updated})
                day = timezone.localtime(updated.starts_at).date().isoformat()
                return redirect(roster_url(updated.emergency, start=day))
        return self._render(request, shift, form, status=400)


class DutyShiftVoidView(ScopedObjectView):
    model = DutyShift
    action = CHANGE

    def get(self, request, pk):
        shift = self.get_object()
        return redirect(roster_url(shift.emergency, start=timezone.localtime(shift.starts_at).date().isoformat()))

    def post(self, request, pk):
        shift = self.get_object()
        form = VoidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写作废原因"))
        else:
            try:
                services_duty.duty_shift_void(acting_user=request.user, shift=shift, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("已作废班次：%(s)s") % {"s": shift})
        return redirect(roster_url(shift.emergency, start=timezone.localtime(shift.starts_at).date().isoformat()))


class DutyMineView(ScopedListView):
    """我的排班: my shifts from today, with where and when I am picked up."""

    model = DutyShift

    def get(self, request):
        return render(request, "emergencies/duty_mine.html", {"shifts": list(selectors.my_shifts(request.user)[:100])})


class DutyTransportView(ScopedListView):
    """The day's transport sheet (printable): by vehicle, pickup time and place."""

    model = DutyShift

    def get(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:duty_transport")
        if picker is not None:
            return picker
        form = RosterWindowForm(request.GET)
        day = (form.cleaned_data.get("start") if form.is_valid() else None) or timezone.localdate()
        rows = selectors.transport_sheet(request.user, emergency, day)
        context = {
            "emergency": emergency,
            "day": day,
            "rows": rows,
            "prev": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "changeable": _changeable(request.user, rows),
        }
        return render(request, "emergencies/duty_transport.html", context)


EXPORT_COLUMNS = [
    ExportColumn("日期", lambda s: timezone.localtime(s.starts_at).date()),
    ExportColumn("岗位类型", lambda s: s.get_site_kind_display()),
    ExportColumn("岗位/点位", lambda s: s.site),
    ExportColumn("姓名", lambda s: s.member.name),
    ExportColumn("所属支部", lambda s: s.member.branch.name if s.member.branch_id else ""),
    ExportColumn("队伍", lambda s: s.team.name if s.team_id else ""),
    ExportColumn("开始时间", lambda s: _local(s.starts_at)),
    ExportColumn("结束时间", lambda s: _local(s.ends_at)),
    ExportColumn("车辆", lambda s: s.vehicle),
    ExportColumn("接送地点", lambda s: s.pickup_place),
    ExportColumn("接送时间", lambda s: _local(s.pickup_at)),
    ExportColumn("备注", lambda s: s.note),
]


class DutyExportView(ScopedListView):
    model = DutyShift
    action = EXPORT

    def get(self, request):
        emergency, picker = _emergency_or_pick(request, "emergencies:duty_export")
        if picker is not None:
            return picker
        rows = scoped(request.user, selectors.shifts_of(request.user, emergency), EXPORT)
        return personal_export(
            acting_user=request.user,
            model=DutyShift,
            rows=rows,
            columns=EXPORT_COLUMNS,
            reveal=False,
            fields=["member", "pickup_place"],
            filename=f"{emergency.name}排班表.xlsx",
            sheet_title="排班表",
            description=_("应急排班表 %(e)s") % {"e": emergency.name},
        )

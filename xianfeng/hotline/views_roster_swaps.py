"""Who stands a shift, and swaps between members: assign, remove, ask to swap, withdraw, the
swap requests' list, approve and reject. Thin: forms shape input, services_roster writes.

Asking to swap is open to whoever sees the duty (the URL word ``swap`` needs 查看); the service
refuses anyone who is neither the duty's member nor a roster manager, shown as a form error
(400), not a 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.core.forms import call_service

from . import selectors_roster as selectors
from . import services_roster as services
from . import services_roster_swaps as swaps
from .forms_roster import AssignForm, DecisionForm, SwapFilterForm, SwapForm
from .models import Shift, ShiftAssignment, SwapRequest


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class AssignmentAddView(ScopedObjectView):
    """POST /roster/shifts/<pk>/assign/: put a member of the team on the shift."""

    model = Shift
    action = CHANGE

    def get(self, request, pk):
        return redirect("hotline:shift_detail", pk=self.get_object().pk)

    def post(self, request, pk):
        shift = self.get_object()
        form = AssignForm(request.POST, shift=shift)
        if not form.is_valid():
            messages.error(request, _("请选择值守组成员：%(e)s") % {"e": " ".join(form.errors.get("member", []))})
        else:
            try:
                services.assignment_add(acting_user=request.user, shift=shift, member=form.cleaned_data["member"])
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("已安排 %(name)s 值守") % {"name": form.cleaned_data["member"].name})
        return redirect("hotline:shift_detail", pk=shift.pk)


class AssignmentRemoveView(ScopedObjectView):
    """POST /roster/assignments/<pk>/delete/: take a member off a shift that has not ended."""

    model = ShiftAssignment
    action = CHANGE

    def get_object(self):
        rows = scoped(self.request.user, ShiftAssignment).select_related("shift")
        return selectors.managed(self.request.user, rows, self.kwargs["pk"], lambda a: a.shift)

    def get(self, request, pk):
        return redirect("hotline:shift_detail", pk=self.get_object().shift_id)

    def post(self, request, pk):
        assignment = self.get_object()
        try:
            services.assignment_remove(acting_user=request.user, assignment=assignment)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("已移除该值守安排"))
        return redirect("hotline:shift_detail", pk=assignment.shift_id)


class AssignmentSwapView(ScopedObjectView):
    """GET the form to hand this duty to a colleague; POST asks (pending a manager's decision)."""

    model = ShiftAssignment
    action = VIEW

    def get_object(self):
        rows = scoped(self.request.user, ShiftAssignment).select_related("shift__team", "member")
        return get_scoped_or_404(self.request.user, rows, VIEW, pk=self.kwargs["pk"])

    def _render(self, request, assignment, form, status=200):
        pending = assignment.swap_requests.filter(status=SwapRequest.Status.PENDING).select_related("to_member").first()
        context = {
            "assignment": assignment,
            "shift": assignment.shift,
            "form": form,
            "pending": pending,
            "shift_visible": scoped(request.user, Shift, VIEW).filter(pk=assignment.shift_id).exists(),
        }
        return render(request, "hotline/swap_form.html", context, status=status)

    def get(self, request, pk):
        assignment = self.get_object()
        return self._render(request, assignment, SwapForm(assignment=assignment))

    def post(self, request, pk):
        assignment = self.get_object()
        form = SwapForm(request.POST, assignment=assignment)
        if form.is_valid():
            swap = call_service(
                form, swaps.swap_request, acting_user=request.user, assignment=assignment, **form.cleaned_data
            )
            if swap is not None:
                messages.success(request, _("换班申请已提交，等待排班管理者审批"))
                return redirect("hotline:swap_list")
        return self._render(request, assignment, form, status=400)


class SwapListView(ScopedListView):
    """Pending first; approve/reject for roster managers, withdraw for the one who asked."""

    model = SwapRequest

    def get(self, request):
        user = request.user
        form = SwapFilterForm(request.GET or None)
        status = form.cleaned_data.get("status", "") if form.is_valid() else ""
        page = self.paginate(selectors.swap_list(user, status=status))
        shift_ids = {s.assignment.shift_id for s in page}
        managed = set(scoped(user, Shift, CHANGE).filter(pk__in=shift_ids).values_list("pk", flat=True))
        rows = [
            {
                "swap": s,
                "manage": s.assignment.shift_id in managed and s.status == SwapRequest.Status.PENDING,
                "withdraw": s.status == SwapRequest.Status.PENDING
                and (
                    s.assignment.shift_id in managed
                    or s.requested_by_id == user.pk
                    or s.assignment.member.user_id == user.pk
                ),
            }
            for s in page
        ]
        context = {"form": form, "page": page, "rows": rows, "status": status}
        template = "hotline/_swap_rows.html" if request.htmx else "hotline/swap_list.html"
        return render(request, template, context)


class _SwapActionView(ScopedObjectView):
    """A POST from the swap list; GET goes back to the list. Errors come back as messages."""

    model = SwapRequest
    action = CHANGE
    done_message = ""

    def get_object(self):
        if self.action == VIEW:
            return super().get_object()
        rows = scoped(self.request.user, SwapRequest).select_related("assignment__shift")
        return selectors.managed(self.request.user, rows, self.kwargs["pk"], lambda s: s.assignment.shift)

    def perform(self, swap, note: str) -> None:
        """Call the decision's service; each subclass (approve, reject, withdraw) defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define perform()")

    def get(self, request, pk):
        self.get_object()
        return redirect("hotline:swap_list")

    def post(self, request, pk):
        swap = self.get_object()
        form = DecisionForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            self.perform(swap, note)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, self.done_message)
        return redirect("hotline:swap_list")


class SwapApproveView(_SwapActionView):
    done_message = _("已批准换班，值班已转给接班人员")

    def perform(self, swap, note):
        swaps.swap_approve(acting_user=self.request.user, swap=swap, note=note)


class SwapRejectView(_SwapActionView):
    done_message = _("已驳回换班申请")

    def perform(self, swap, note):
        swaps.swap_reject(acting_user=self.request.user, swap=swap, note=note)


class SwapWithdrawView(_SwapActionView):
    """Open to whoever sees the request; the service lets only its requester, the duty's member
    or a roster manager withdraw it."""

    action = VIEW
    done_message = _("换班申请已撤回")

    def perform(self, swap, note):
        swaps.swap_withdraw(acting_user=self.request.user, swap=swap)

"""Actions on one need, each a small page (GET: the form; POST: the service, then back to the
need's page): assign, start, resolve (with evidence, or with a service recorded on the spot),
close unresolved, reopen, void. Errors stay on the form (400), nothing half-saved."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE
from xianfeng.core.forms import call_service

from . import selectors, services
from .forms import AssignForm, CloseForm, NewRecordForm, ReasonForm, ResolveForm
from .views import ON_DENIED, NeedObjectMixin


class NeedFormActionView(NeedObjectMixin, ScopedObjectView):
    """GET shows ``template`` with the form; POST runs ``perform`` (a service) and goes back to
    the need's page with ``success_message``, or shows the form again with the errors."""

    action = CHANGE
    template = ""
    heading = ""
    success_message = ""

    def make_form(self, need, data=None):
        """The action's form; each subclass (assign, close, reopen, void…) defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define make_form()")

    def perform(self, need, form):
        """Call the action's service with the cleaned form; each subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define perform()")

    def extra_context(self, need) -> dict:
        return {}

    def _render(self, request, need, form, status=200, **extra):
        context = {"need": need, "form": form, "heading": self.heading, **self.extra_context(need), **extra}
        return render(request, self.template, context, status=status)

    def get(self, request, pk):
        need = self.get_object()
        return self._render(request, need, self.make_form(need))

    def post(self, request, pk):
        need = self.get_object()
        form = self.make_form(need, request.POST)
        if form.is_valid():
            call_service(form, self.perform, on_denied=ON_DENIED, need=need, form=form)
            if not form.errors:
                messages.success(request, self.success_message)
                return redirect("needs:detail", pk=need.pk)
        return self._render(request, need, form, status=400)


class NeedAssignView(NeedFormActionView):
    template = "needs/need_action.html"
    heading = _("分派诉求")
    success_message = _("已分派，诉求进入办理中")

    def make_form(self, need, data=None):
        initial = {
            "assigned_member": need.assigned_member_id,
            "assigned_team": need.assigned_team_id,
            "due_on": need.due_on,
        }
        return AssignForm(data, user=self.request.user, initial=initial)

    def perform(self, need, form):
        data = form.cleaned_data
        services.need_assign(
            acting_user=self.request.user,
            need=need,
            member=data.get("assigned_member"),
            team=data.get("assigned_team"),
            due_on=data.get("due_on"),
            note=data.get("note", ""),
        )


class NeedStartView(NeedObjectMixin, ScopedObjectView):
    """POST only (a button on the need's page): open → in progress."""

    action = CHANGE

    def get(self, request, pk):
        return redirect("needs:detail", pk=self.get_object().pk)

    def post(self, request, pk):
        need = self.get_object()
        try:
            services.need_start(acting_user=request.user, need=need)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已开始办理"))
        return redirect("needs:detail", pk=need.pk)


class NeedResolveView(NeedFormActionView):
    """Pick the evidence among the subject's recent records, or record the service now
    (``?new=1`` form, posted with ``mode=new``) and resolve with it in one transaction."""

    template = "needs/need_resolve.html"
    heading = _("办结：已解决")
    success_message = _("已办结，解决依据已关联")

    def make_form(self, need, data=None):
        if data is not None and data.get("mode") == "new":
            return NewRecordForm(data, user=self.request.user, need=need)
        return ResolveForm(
            data, candidates=selectors.evidence_candidates(self.request.user, need), user=self.request.user
        )

    def extra_context(self, need):
        return {"quick_url": _quick_url(need)}

    def _render(self, request, need, form, status=200, **extra):
        if isinstance(form, NewRecordForm):
            extra["new_form"] = form
            form = ResolveForm(candidates=selectors.evidence_candidates(request.user, need), user=request.user)
        else:
            extra["new_form"] = NewRecordForm(user=request.user, need=need)
        extra["open_new"] = extra["new_form"].is_bound
        return super()._render(request, need, form, status, **extra)

    def perform(self, need, form):
        data = form.cleaned_data
        if isinstance(form, NewRecordForm):
            services.need_resolve_with_new_record(
                acting_user=self.request.user,
                need=need,
                record_fields=form.record_fields(),
                resolution_note=data.get("resolution_note", ""),
            )
            return
        services.need_resolve(
            acting_user=self.request.user,
            need=need,
            records=list(data["records"]),
            resolution_note=data.get("resolution_note", ""),
            closed_on=data.get("closed_on"),
        )


def _quick_url(need) -> str:
    """Quick entry with the resident chosen (the service log's own page, for a fuller record)."""
    if not need.resident_id:
        return ""
    return f"{reverse('servicelog:quick')}?resident={need.resident_id}"


class NeedCloseView(NeedFormActionView):
    template = "needs/need_action.html"
    heading = _("办结：未解决")
    success_message = _("已关闭（未解决），原因已记录")

    def make_form(self, need, data=None):
        return CloseForm(data)

    def perform(self, need, form):
        services.need_close_unresolved(
            acting_user=self.request.user,
            need=need,
            reason=form.cleaned_data["reason"],
            closed_on=form.cleaned_data.get("closed_on"),
        )


class NeedReopenView(NeedFormActionView):
    template = "needs/need_action.html"
    heading = _("重新打开诉求")
    success_message = _("已重新打开")

    def make_form(self, need, data=None):
        return ReasonForm(data)

    def perform(self, need, form):
        services.need_reopen(acting_user=self.request.user, need=need, reason=form.cleaned_data["reason"])


class NeedVoidView(NeedFormActionView):
    template = "needs/need_action.html"
    heading = _("作废诉求")
    success_message = _("已作废，该诉求不再计入任何统计")

    def make_form(self, need, data=None):
        return ReasonForm(data)

    def extra_context(self, need):
        return {
            "warning": _("作废用于误登记（重复、录错对象）。作废后不计入任何统计，但仍可查看，并保留在审计记录中。"),
            "danger": True,
        }

    def perform(self, need, form):
        services.need_void(acting_user=self.request.user, need=need, reason=form.cleaned_data["reason"])

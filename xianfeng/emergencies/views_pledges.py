"""Pages of 请战书: a member writes theirs on a phone (the call text, a textarea, willing chips) and
sees "我的请战书"; the committee reads an emergency's pledges (filters, counts by status and
branch) and each pledge, and declines one; the writer withdraws theirs.

The emergency is named by ``?emergency=<pk>``: these are pages of pledges (area "pledges"),
checked as such, and the emergency must be within the user's reach (404 otherwise)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service
from xianfeng.servicelog.selectors import own_member

from . import selectors_pledges as selectors
from . import services_pledges as services
from .forms_pledges import NoteForm, PledgeFilterForm, PledgeForm
from .models import Emergency, Pledge

ON_DENIED = ("member", _("登记后该请战书将超出您的权限范围，请检查请战党员"))


def pledge_list_url(emergency) -> str:
    return f"{reverse('emergencies:pledge_list')}?emergency={emergency.pk}"


class PledgeListView(ScopedListView):
    """An emergency's pledges for the committee: counts on top, filters, search, pages."""

    model = Pledge

    def get(self, request):
        user = request.user
        emergency = selectors.emergency_from(user, request.GET.get("emergency"))
        if emergency is None:
            context = {"emergencies": selectors.emergencies_in_reach(user)[:50], "target": "emergencies:pledge_list"}
            return render(request, "emergencies/pledge_pick_emergency.html", context)
        form = PledgeFilterForm(request.GET or None, branches=selectors.branch_choices(user, emergency))
        filters = form.filters()
        rows = selectors.filtered_pledges(user, emergency, filters)
        counts = selectors.pledge_counts(selectors.filtered_pledges(user, emergency, filters, with_status=False))
        context = {
            "emergency": emergency,
            "form": form,
            "page": self.paginate(rows),
            "counts": counts,
            "can_manage": selectors.may_manage(user, emergency),
            "can_pledge": can(user, CHANGE, Pledge),
        }
        template = "emergencies/pledge_rows.html" if request.htmx else "emergencies/pledge_list.html"
        return render(request, template, context)


class PledgeCreateView(ScopedListView):
    """The phone form. A member who has pledged already sees their pledge instead."""

    model = Pledge
    action = CHANGE

    def _context(self, request, emergency, form):
        return {
            "emergency": emergency,
            "form": form,
            "mine": selectors.my_pledge(request.user, emergency),
            "has_member": own_member(request.user) is not None,
            "open": emergency.pledges_open and emergency.is_active(),
        }

    def _form(self, request, emergency, data=None):
        on_behalf = selectors.may_enter_for_others(request.user)
        return PledgeForm(data, user=request.user, emergency=emergency, on_behalf=on_behalf)

    def get(self, request):
        emergency = selectors.emergency_from(request.user, request.GET.get("emergency"))
        if emergency is None:
            return redirect("emergencies:pledge_mine")
        return render(
            request, "emergencies/pledge_form.html", self._context(request, emergency, self._form(request, emergency))
        )

    def post(self, request):
        emergency = selectors.emergency_from(
            request.user, request.GET.get("emergency") or request.POST.get("emergency")
        )
        if emergency is None:
            return redirect("emergencies:pledge_mine")
        form = self._form(request, emergency, request.POST)
        if form.is_valid():
            saved = call_service(
                form,
                services.pledge_submit,
                on_denied=ON_DENIED,
                acting_user=request.user,
                emergency=emergency,
                **form.service_kwargs(),
            )
            if saved is not None and not form.errors:
                if saved.created:
                    messages.success(request, _("请战书已递交：%(m)s") % {"m": saved.pledge.member.name})
                else:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                if saved.pledge.member.user_id == request.user.pk:
                    return redirect("emergencies:pledge_mine")
                return redirect(pledge_list_url(emergency))
        context = self._context(request, emergency, form)
        return render(request, "emergencies/pledge_form.html", context, status=400)


class PledgeMineView(ScopedListView):
    """我的请战书: the calls open to me and my pledges with their status."""

    model = Pledge

    def get(self, request):
        user = request.user
        mine = list(selectors.my_pledges(user)[:50])
        pledged = {p.emergency_id for p in mine if p.status != Pledge.Status.WITHDRAWN}
        calls = [e for e in selectors.open_calls(user) if e.pk not in pledged]
        context = {"pledges": mine, "calls": calls, "has_member": own_member(user) is not None}
        return render(request, "emergencies/pledge_mine.html", context)


class PledgeObjectMixin:
    model = Pledge

    def get_object(self):
        qs = scoped(self.request.user, Pledge).select_related("member__branch", "emergency__org", "team")
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


class PledgeDetailView(PledgeObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        pledge = self.get_object()
        user = request.user
        may_change = scoped(user, Pledge, CHANGE).filter(pk=pledge.pk).exists()
        is_writer = pledge.member.user_id == user.pk
        context = {
            "pledge": pledge,
            "is_writer": is_writer,
            "can_withdraw": may_change and pledge.status in (Pledge.Status.SUBMITTED, Pledge.Status.DECLINED),
            "can_decline": may_change and not is_writer and pledge.status == Pledge.Status.SUBMITTED,
            "changes": audit_selectors.object_history(targets={Pledge: [pledge.pk]}).order_by("-at")[:20]
            if not is_writer or user.is_superuser
            else [],
            "emergency_visible": scoped(user, Emergency, VIEW).filter(pk=pledge.emergency_id).exists(),
            "note_form": NoteForm(),
        }
        return render(request, "emergencies/pledge_detail.html", context)


class _PledgeAction(PledgeObjectMixin, ScopedObjectView):
    action = CHANGE

    def get(self, request, pk):
        return redirect("emergencies:pledge_detail", pk=self.get_object().pk)

    def post(self, request, pk):
        pledge = self.get_object()
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                self.perform(pledge, form.cleaned_data.get("note") or "")
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            except PermissionDenied:
                messages.error(request, _("只有写请战书的党员本人或组队管理者可以处理这份请战书"))
            else:
                messages.success(request, self.success_message)
        else:
            messages.error(request, _("请检查填写内容：%(e)s") % {"e": form.errors.as_text()})
        if pledge.member.user_id == request.user.pk:
            return redirect("emergencies:pledge_mine")
        return redirect("emergencies:pledge_detail", pk=pledge.pk)


class PledgeWithdrawView(_PledgeAction):
    """Open to whoever sees the pledge (表四 withdraw): only its writer or a manager succeeds."""

    action = VIEW
    success_message = _("请战书已撤回")

    def perform(self, pledge, note):
        services.pledge_withdraw(acting_user=self.request.user, pledge=pledge, reason=note)


class PledgeDeclineView(_PledgeAction):
    success_message = _("已标记为暂未安排")

    def perform(self, pledge, note):
        services.pledge_decline(acting_user=self.request.user, pledge=pledge, note=note)

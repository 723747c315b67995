import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import ExactSearchLimited, personal_reveal
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, REVEAL, VIEW, can, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.audit.models import ChangeLog
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int
from xianfeng.orgs.models import Organization
from xianfeng.teams import selectors as team_selectors

from . import selectors, services
from .exports import member_export_response
from .forms import MemberForm, PartyStepForm, RevealForm, TransferForm, UndoStepForm
from .models import Member, PartyStep
from .pipeline import Stage
from .rows import member_rows, worklist_rows


def _filters(request) -> dict:
    return {
        "query": request.GET.get("q", "").strip(),
        "branch_id": query_int(request.GET.get("branch")),
        "stage": request.GET.get("stage", ""),
        "category": request.GET.get("category", ""),
    }


def _filter_orgs(user):
    return scoped(user, Organization, VIEW).filter(active_to__isnull=True).order_by("path")


class MemberListView(ScopedListView):
    model = Member

    def get(self, request):
        filters = _filters(request)
        refused = ""
        try:
            members = selectors.member_list(user=request.user, **filters)
        except ExactSearchLimited as exc:
            refused = str(exc)
            members = scoped(request.user, Member).none()
        page = self.paginate(members)
        context = {
            "page": page,
            "rows": member_rows(page),
            **filters,
            "search_refused": refused,
            "branches": _filter_orgs(request.user),
            "stages": Stage.choices,
            "categories": Member.Category.choices,
            "can_change": can(request.user, CHANGE, Member),
            "can_export": can(request.user, EXPORT, Member),
            "can_reveal": can(request.user, REVEAL, Member),
            "today": timezone.localdate(),
        }
        template = "members/_rows.html" if request.htmx else "members/member_list.html"
        return render(request, template, context)


class MemberExportView(ScopedListView):
    model = Member
    action = EXPORT

    def get(self, request):
        try:
            members = selectors.member_list(user=request.user, action=EXPORT, **_filters(request))
        except ExactSearchLimited as exc:
            messages.error(request, str(exc))
            return redirect("members:list")
        reveal = request.GET.get("reveal") == "1"
        return member_export_response(
            user=request.user, members=members, reveal=reveal, reason=request.GET.get("reason", "")
        )


class WorklistView(ScopedListView):
    model = Member

    def get(self, request):
        branch_id = query_int(request.GET.get("branch"))
        days = query_int(request.GET.get("days"), maximum=3660)  # ten years ahead at most
        members = selectors.member_worklist(user=request.user, branch_id=branch_id, within_days=days)
        page = self.paginate(members.prefetch_related("party_steps"))
        today = timezone.localdate()
        rows = worklist_rows((m, selectors.member_dues(m)) for m in page)
        return render(
            request,
            "members/worklist.html",
            {
                "page": page,
                "rows": rows,
                "branch_id": branch_id,
                "days": days,
                "branches": _filter_orgs(request.user),
                "today": today,
                "soon": today + datetime.timedelta(days=30),
            },
        )


class MemberCreateView(ScopedListView):
    model = Member
    action = CHANGE

    def _form(self, data=None, files=None):
        initial = {}
        branch_id = query_int(self.request.GET.get("branch"))
        if branch_id:
            initial["branch"] = branch_id
        return MemberForm(data, files, initial=initial, branch_choices=selectors.branch_choices(user=self.request.user))

    def get(self, request):
        return render(request, "members/member_form.html", {"form": self._form(), "creating": True})

    def post(self, request):
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            data = form.changes()
            member = call_service(
                form,
                services.member_create,
                on_denied=("branch", _("您只能在自己可管理的组织登记人员")),
                acting_user=request.user,
                **data,
            )
            if not form.errors:
                messages.success(request, _("已登记“%(name)s”") % {"name": member.name})
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/member_form.html", {"form": form, "creating": True}, status=400)


class MemberDetailView(ScopedObjectView):
    model = Member

    def get(self, request, pk):
        member = self.get_object()
        dues = selectors.member_dues(member)
        can_change = scoped(request.user, Member, CHANGE).filter(pk=member.pk).exists()
        history = audit_selectors.object_history(
            targets={Member: [member.pk], PartyStep: member.party_steps.values_list("pk", flat=True)},
            also=Q(model=PartyStep._meta.label, action=ChangeLog.Action.DELETE, before__member=member.pk),  # undone
        )[:30]
        return render(
            request,
            "members/member_detail.html",
            {
                "member": member,
                "steps": selectors.member_steps(user=request.user, member=member),
                "dues": dues,
                "today": timezone.localdate(),
                "transfers": member.transfers.select_related("from_branch", "to_branch"),
                "memberships": team_selectors.member_memberships(user=request.user, member=member),
                "posts": team_selectors.member_posts(user=request.user, member=member),
                "zones": team_selectors.member_zones(user=request.user, member=member),
                "history": history,
                "can_change": can_change,
                "can_reveal": scoped(request.user, Member, REVEAL).filter(pk=member.pk).exists(),
            },
        )


class MemberEditView(ScopedObjectView):
    model = Member
    action = CHANGE

    def _form(self, member, data=None, files=None):
        return MemberForm(
            data,
            files,
            instance=member,
            with_branch=False,
            branch_choices=scoped(self.request.user, Organization, CHANGE).none(),
        )

    def get(self, request, pk):
        member = self.get_object()
        return render(request, "members/member_form.html", {"form": self._form(member), "member": member})

    def post(self, request, pk):
        member = self.get_object()
        form = self._form(member, request.POST, request.FILES)
        if form.is_valid():
            call_service(form, services.member_update, acting_user=request.user, member=member, **form.changes())
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/member_form.html", {"form": form, "member": member}, status=400)


class PartyStepCreateView(ScopedObjectView):
    model = Member
    action = CHANGE

    def get(self, request, pk):
        member = self.get_object()
        dues = selectors.member_dues(member)
        form = PartyStepForm(suggested=dues[0].step if dues else "apply")
        return render(request, "members/step_form.html", {"form": form, "member": member, "dues": dues})

    def post(self, request, pk):
        member = self.get_object()
        form = PartyStepForm(request.POST)
        if form.is_valid():
            record = call_service(
                form, services.party_step_record, acting_user=request.user, member=member, **form.cleaned_data
            )
            if not form.errors:
                messages.success(request, _("已记录：%(s)s") % {"s": record.get_step_display()})
                return redirect("members:detail", pk=member.pk)
        context = {"form": form, "member": member, "dues": selectors.member_dues(member)}
        return render(request, "members/step_form.html", context, status=400)


class PartyStepUndoView(ScopedObjectView):
    model = Member
    action = CHANGE

    def post(self, request, pk):
        member = self.get_object()
        form = UndoStepForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写撤回原因"))
            return redirect("members:detail", pk=member.pk)
        try:
            removed = services.party_step_undo(acting_user=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已撤回：%(s)s") % {"s": removed.get_step_display()})
        return redirect("members:detail", pk=member.pk)


class MemberTransferView(ScopedObjectView):
    model = Member
    action = CHANGE

    def _form(self, member, data=None):
        choices = selectors.branch_choices(user=self.request.user).exclude(pk=member.branch_id)
        return TransferForm(data, branch_choices=choices)

    def get(self, request, pk):
        member = self.get_object()
        return render(request, "members/transfer_form.html", {"form": self._form(member), "member": member})

    def post(self, request, pk):
        member = self.get_object()
        form = self._form(member, request.POST)
        if form.is_valid():
            call_service(
                form,
                services.member_transfer,
                on_denied=("to_branch", _("转接后该人员将超出您的管理范围")),
                acting_user=request.user,
                member=member,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("组织关系已转接，历史记录保留"))
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/transfer_form.html", {"form": form, "member": member}, status=400)


class MemberRevealView(ScopedObjectView):
    """Show the full ID number and phone after asking why (logged in AccessLog)."""

    model = Member
    action = REVEAL

    def _render(self, request, context, status=200):
        template = "members/_reveal.html" if request.htmx else "members/reveal.html"
        return render(request, template, context, status=status)

    def get(self, request, pk):
        member = self.get_object()
        return self._render(request, {"member": member, "form": RevealForm()})

    def post(self, request, pk):
        member = self.get_object()
        form = RevealForm(request.POST)
        if not form.is_valid():
            return self._render(request, {"member": member, "form": form}, status=400)
        values = personal_reveal(
            acting_user=request.user, obj=member, fields=["id_number", "phone"], reason=form.cleaned_data["reason"]
        )
        return self._render(request, {"member": member, "values": values})

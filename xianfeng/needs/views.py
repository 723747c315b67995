"""Pages of the needs ledger 民情台账: the list (one view for the page and its htmx rows), a new
need on a phone, a need's page with its history and evidence, corrections and the export.
The actions on a need (assign, start, resolve, close, reopen, void) are views_actions.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.exports import ExportColumn
from xianfeng.core.forms import call_service
from xianfeng.core.masking import mask_id_number
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Resident
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.teams.models import Team

from . import selectors, services
from .forms import NeedFilterForm, NeedForm
from .models import CLOSED_STATUSES, Category, Need, Status

ON_DENIED = ("org", _("登记后该诉求将超出您的权限范围，请检查责任组织和责任人"))


class NeedListView(ScopedListView):
    """The ledger: search, filters in the URL, counts by status on top, overdue rows in red."""

    model = Need

    def get(self, request):
        user = request.user
        form = NeedFilterForm(request.GET or None)
        filters = form.filters()
        needs, problem = selectors.filtered_needs(user, filters)
        if problem:
            messages.warning(request, problem)
        any_status, _problem = selectors.filtered_needs(user, filters, with_status=False)
        context = {
            "form": form,
            "filters": filters,
            "page": self.paginate(needs),
            "counts": selectors.status_counts(any_status),
            "today": timezone.localdate(),
            "can_change": can(user, CHANGE, Need),
            "can_export": can(user, EXPORT, Need),
            "categories": Category.choices,
            "statuses": Status.choices,
            "townships": resident_selectors.township_choices(user=user),
            "teams": scoped(user, Team).order_by("name")[:200],
        }
        template = "needs/need_rows.html" if request.htmx else "needs/need_list.html"
        return render(request, template, context)


def _prefill(user, params) -> dict:
    """?resident= / ?household= from a resident's page; the recorder's member as the assignee."""
    initial = {}
    for name in ("resident", "household"):
        value = params.get(name, "")
        if value.isdigit() and len(value) < 12:
            initial[name] = int(value)
    category = params.get("category", "")
    if category in Category.values:
        initial["category"] = category
    return initial


class NeedCreateView(ScopedListView):
    """The phone-first form. A replayed idempotency key goes to the need already saved."""

    model = Need
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("登记民情诉求")}
        return render(request, "needs/need_form.html", context, status=status)

    def get(self, request):
        return self._render(request, NeedForm(user=request.user, initial=_prefill(request.user, request.GET)))

    def post(self, request):
        form = NeedForm(request.POST, user=request.user)
        if form.is_valid():
            saved = call_service(
                form,
                services.need_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key", ""),
                **form.service_kwargs(),
            )
            if not form.errors:
                if saved.created:
                    messages.success(request, _("已登记：%(n)s") % {"n": saved.need.title})
                else:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                return redirect("needs:detail", pk=saved.need.pk)
        return self._render(request, form, status=400)


class NeedObjectMixin:
    model = Need

    def get_object(self):
        qs = selectors.need_list(user=self.request.user, include_voided=True).select_related(
            "recorded_by_member", "created_by", "voided_by"
        )
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


def need_history(need: Need):
    return audit_selectors.object_history(targets={Need: [need.pk]}).order_by("-at")[:50]


def evidence_rows(user, need: Need) -> list[ServiceRecord]:
    """The need's evidence records the user may see (a health record stays hidden from a
    volunteer: the page then says only how many more there are)."""
    return list(
        scoped(user, ServiceRecord)
        .filter(needs_resolved=need)
        .select_related("service_type", "resident")
        .prefetch_related("providers__member")
        .order_by("-served_on", "-id")
    )


class NeedDetailView(NeedObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        need = self.get_object()
        user = request.user
        may_change = scoped(user, Need, CHANGE).filter(pk=need.pk).exists() and not need.is_voided
        evidence = evidence_rows(user, need)
        hidden = need.records.count() - len(evidence)
        context = {
            "need": need,
            "today": timezone.localdate(),
            "overdue": need.is_overdue(timezone.localdate()),
            "evidence": evidence,
            "hidden_evidence": hidden,
            "changes": need_history(need),
            "can_change": may_change,
            "is_open": need.status not in CLOSED_STATUSES,
            "resident_visible": need.resident_id and scoped(user, Resident, VIEW).filter(pk=need.resident_id).exists(),
        }
        return render(request, "needs/need_detail.html", context)


class NeedEditView(NeedObjectMixin, ScopedObjectView):
    action = CHANGE

    def _form(self, need, data=None):
        initial = {
            "resident": need.resident_id,
            "household": None if need.resident_id else need.household_id,
            "category": need.category,
            "title": need.title,
            "description": need.description,
            "source": need.source,
            "raised_by_name": need.raised_by_name,
            "raised_on": need.raised_on,
            "due_on": need.due_on,
        }
        return NeedForm(data, user=self.request.user, need=need, initial=initial)

    def _render(self, request, need, form, status=200):
        context = {"form": form, "need": need, "heading": _("修改民情诉求")}
        return render(request, "needs/need_form.html", context, status=status)

    def get(self, request, pk):
        need = self.get_object()
        if need.is_voided or need.status in CLOSED_STATUSES:
            messages.error(request, _("已作废或已办结的诉求不能修改"))
            return redirect("needs:detail", pk=need.pk)
        return self._render(request, need, self._form(need))

    def post(self, request, pk):
        need = self.get_object()
        form = self._form(need, request.POST)
        if form.is_valid():
            changes = form.changes(need)
            if "resident" in changes and "household" not in changes:
                changes["household"] = form.cleaned_data.get("household")
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("needs:detail", pk=need.pk)
            call_service(
                form, services.need_update, on_denied=ON_DENIED, acting_user=request.user, need=need, **changes
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("needs:detail", pk=need.pk)
        return self._render(request, need, form, status=400)


def _subject(need: Need) -> str:
    if need.resident_id:
        return need.resident.name
    return str(need.household) if need.household_id else ""


EXPORT_COLUMNS = [
    ExportColumn("反映日期", lambda n: n.raised_on),
    ExportColumn("居民/户", _subject),
    ExportColumn(
        "居民身份证号", lambda n: n.resident.id_number if n.resident_id else "", personal=True, mask=mask_id_number
    ),
    ExportColumn("户编号", lambda n: n.household.number if n.household_id else ""),
    ExportColumn("所属村", lambda n: (n.resident or n.household).village.name if (n.resident or n.household) else ""),
    ExportColumn("类别", lambda n: n.get_category_display()),
    ExportColumn("诉求", lambda n: n.title),
    ExportColumn("详细情况", lambda n: n.description),
    ExportColumn("反映渠道", lambda n: n.get_source_display()),
    ExportColumn("反映人", lambda n: n.raised_by_name),
    ExportColumn("责任组织", lambda n: n.org.name),
    ExportColumn("责任人", lambda n: n.assigned_member.name if n.assigned_member_id else ""),
    ExportColumn("责任队伍", lambda n: n.assigned_team.name if n.assigned_team_id else ""),
    ExportColumn("办结期限", lambda n: n.due_on),
    ExportColumn("状态", lambda n: n.get_status_display() + ("（已作废）" if n.is_voided else "")),
    ExportColumn("办结日期", lambda n: n.closed_on),
    ExportColumn("办理结果/未解决原因", lambda n: n.resolution_note or n.close_reason),
]


class NeedExportView(ScopedListView):
    """The filtered ledger as xlsx (needs.export): ID numbers masked, written to AccessLog."""

    model = Need
    action = EXPORT

    def get(self, request):
        form = NeedFilterForm(request.GET or None)
        filters = form.filters()
        needs, problem = selectors.filtered_needs(request.user, filters)
        if problem:
            messages.error(request, problem)
            return redirect(reverse("needs:list"))
        # The ID number is exported (masked): load it with the row rather than one query per row.
        needs = needs.defer(None).select_related(
            "resident__village", "household__village", "household__head", "org", "assigned_member", "assigned_team"
        )
        return personal_export(
            acting_user=request.user,
            model=Need,
            rows=needs,  # narrowed to the export scope by personal_export
            columns=EXPORT_COLUMNS,
            reveal=False,
            fields=["id_number"],
            filename="民情台账.xlsx",
            sheet_title="民情台账",
            description=_("民情台账 %(f)s") % {"f": request.GET.urlencode()[:150]},
        )

"""Call-log pages: the list (full page and its htmx rows), the phone-first call form, a call's
page, its correction, voiding, the callback number in full, and the export. Thin: forms shape
input, services_calls writes, selectors_calls reads through ``scoped()``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.personal import personal_export, personal_reveal
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, REVEAL, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.exports import ExportColumn
from xianfeng.core.forms import call_service
from xianfeng.servicelog.models import ServiceRecord

from . import rules, selectors_calls, services_calls
from .forms_calls import CallEditForm, CallFilterForm, CallForm, ReasonForm, RevealForm
from .models import Call

ON_DENIED = ("team", gettext_lazy("您不能为该值守组登记来电"))
EXPORT_LIMIT = 100_000


CALLER_FIELDS = ("caller_gender", "caller_age_group", "callback_phone", "region")


def form_context(form) -> dict:
    """What the call form's template needs beside the form: the six questions, the folded
    caller fields (open when one has an error), and the high-risk notice of a returned form."""
    high = False
    if form.is_bound:
        answers = {f: form.data.get(f) == "1" for f in rules.RISK_FIELDS}
        high = rules.risk_level(answers) == "high" or form.data.get("outcome") == "crisis"
    return {
        "form": form,
        "questions": [form[f] for f in rules.RISK_FIELDS],
        "caller_fields": [form[f] for f in CALLER_FIELDS],
        "caller_open": any(form[f].errors for f in CALLER_FIELDS),
        "high_risk": high,
    }


def filtered_calls(user, form: CallFilterForm):
    filters = form.filters()
    calls = selectors_calls.call_list(user, include_voided=filters.get("voided", False))
    return selectors_calls.filter_calls(calls, filters)


class CallListView(ScopedListView):
    """Newest first; filters in the URL; callback numbers masked; off-roster and risk flagged."""

    model = Call

    def get(self, request):
        form = CallFilterForm(request.GET or None)
        context = {
            "form": form,
            "page": self.paginate(filtered_calls(request.user, form)),
            "can_change": can(request.user, CHANGE, Call),
            "can_export": can(request.user, EXPORT, Call),
            "query": request.GET.urlencode(),
        }
        template = "hotline/call_rows.html" if request.htmx else "hotline/call_list.html"
        return render(request, template, context)


class CallCreateView(ScopedListView):
    """The call form. A replayed idempotency key (a double tap) goes to the call already saved."""

    model = Call
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(request, "hotline/call_form.html", form_context(form), status=status)

    def get(self, request):
        return self._render(request, CallForm(user=request.user))

    def post(self, request):
        form = CallForm(request.POST, user=request.user)
        if form.is_valid():
            saved = call_service(
                form,
                services_calls.call_log,
                on_denied=ON_DENIED,
                acting_user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.service_kwargs(),
            )
            if not form.errors:
                if not saved.created:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                elif saved.escalation is not None:
                    messages.error(request, _("已登记高风险来电，已立即通知督导：请按危机干预流程继续跟进"))
                else:
                    messages.success(request, _("已登记：%(c)s") % {"c": saved.call})
                return redirect("hotline:call_detail", pk=saved.call.pk)
        return self._render(request, form, status=400)


class CallObjectMixin:
    model = Call

    def get_object(self):
        queryset = selectors_calls.call_detail_queryset(self.request.user)
        return get_scoped_or_404(self.request.user, queryset, self.action, pk=self.kwargs["pk"])


class CallDetailView(CallObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        call = self.get_object()
        escalation = getattr(call, "escalation", None)
        may_change = scoped(request.user, Call, CHANGE).filter(pk=call.pk).exists()
        record_visible = (
            call.record_id is not None and scoped(request.user, ServiceRecord, VIEW).filter(pk=call.record_id).exists()
        )
        context = {
            "call": call,
            "answers": [(Call._meta.get_field(f).verbose_name, getattr(call, f)) for f in rules.RISK_FIELDS],
            "escalation": escalation,
            "place": selectors_calls.place_names(call),
            "can_change": may_change and not call.is_voided,
            "can_reveal": bool(call.callback_phone) and can(request.user, REVEAL, Call),
            "record_visible": record_visible,
            "changes": audit_selectors.object_history(
                targets={Call: [call.pk], **({type(escalation): [escalation.pk]} if escalation else {})}
            ).order_by("-at")[:30],
        }
        return render(request, "hotline/call_detail.html", context)


class CallEditView(CallObjectMixin, ScopedObjectView):
    action = CHANGE

    def _render(self, request, call, form, status=200):
        context = form_context(form) | {"call": call}
        context["high_risk"] = context["high_risk"] or call.is_high_risk
        return render(request, "hotline/call_edit.html", context, status=status)

    def get(self, request, pk):
        call = self.get_object()
        if call.is_voided:
            messages.error(request, _("该来电已作废，不能修改"))
            return redirect("hotline:call_detail", pk=call.pk)
        return self._render(request, call, CallEditForm(call=call))

    def post(self, request, pk):
        call = self.get_object()
        form = CallEditForm(request.POST, call=call)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("hotline:call_detail", pk=call.pk)
            call_service(form, services_calls.call_update, acting_user=request.user, call=call, **changes)
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("hotline:call_detail", pk=call.pk)
        return self._render(request, call, form, status=400)


class CallVoidView(CallObjectMixin, ScopedObjectView):
    """GET: the confirmation with a required reason; POST: void (call and record leave the counts)."""

    action = CHANGE

    def _render(self, request, call, form, status=200):
        return render(request, "hotline/call_void.html", {"form": form, "call": call}, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), ReasonForm())

    def post(self, request, pk):
        call = self.get_object()
        form = ReasonForm(request.POST)
        if form.is_valid():
            call_service(
                form, services_calls.call_void, acting_user=request.user, call=call, reason=form.cleaned_data["reason"]
            )
            if not form.errors:
                messages.success(request, _("已作废，该来电不再计入任何统计"))
                return redirect("hotline:call_detail", pk=call.pk)
        return self._render(request, call, form, status=400)


class CallRevealView(CallObjectMixin, ScopedObjectView):
    """The callback number in full, to call the caller back: "hotline.reveal" over the call, a
    reason, and an AccessLog row (accounts/personal.py, the one path to personal data)."""

    action = REVEAL

    def get(self, request, pk):
        call = self.get_object()
        return render(request, "hotline/call_reveal.html", {"call": call, "form": RevealForm()})

    def post(self, request, pk):
        call = self.get_object()
        form = RevealForm(request.POST)
        shown = None
        if form.is_valid():
            try:
                shown = personal_reveal(
                    acting_user=request.user, obj=call, fields=["callback_phone"], reason=form.cleaned_data["reason"]
                )
            except PermissionDenied as exc:
                form.add_error("reason", str(exc))
        status = 200 if shown is not None else 400
        context = {"call": call, "form": form, "shown": shown}
        return render(request, "hotline/call_reveal.html", context, status=status)


def export_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("来电编号"), lambda c: c.pk),
        ExportColumn(_("来电时间"), lambda c: timezone.localtime(c.started_at).strftime("%Y-%m-%d %H:%M")),
        ExportColumn(_("通话时长（分钟）"), lambda c: c.duration_minutes),
        ExportColumn(_("渠道"), lambda c: c.get_channel_display()),
        ExportColumn(_("值守组"), lambda c: c.team.name if c.team_id else ""),
        ExportColumn(_("接线人员"), lambda c: c.taken_by.name),
        ExportColumn(_("不在排班内"), lambda c: _("是") if c.off_roster else ""),
        ExportColumn(_("主要问题"), lambda c: c.get_topic_display()),
        ExportColumn(_("风险等级"), lambda c: c.get_risk_level_display()),
        ExportColumn(_("处理结果"), lambda c: c.get_outcome_display()),
        ExportColumn(_("干预措施"), lambda c: c.intervention),
        ExportColumn(_("来电者性别"), lambda c: c.get_caller_gender_display()),
        ExportColumn(_("来电者年龄段"), lambda c: c.get_caller_age_group_display()),
        ExportColumn(_("地区代码"), lambda c: c.place_code),
        ExportColumn(_("危机升级"), lambda c: _escalation_state(c)),
        ExportColumn(_("作废"), lambda c: c.void_reason if c.is_voided else ""),
    ]


def _escalation_state(call: Call) -> str:
    escalation = getattr(call, "escalation", None)
    if escalation is None:
        return ""
    if escalation.closed_at is None:
        return _("未关闭")
    in_time = _("按时") if escalation.handled_in_time else _("超时")
    return f"{escalation.get_outcome_display()}（{in_time}，{escalation.minutes_to_handle} 分钟）"


class CallExportView(ScopedListView):
    """The filtered list as a workbook: no callback numbers at all (nothing to mask), logged as an
    export of health data."""

    model = Call
    action = EXPORT

    def get(self, request):
        form = CallFilterForm(request.GET or None)
        calls = filtered_calls(request.user, form)[:EXPORT_LIMIT]
        return personal_export(
            acting_user=request.user,
            model=Call,
            rows=list(calls),
            columns=export_columns(),
            reveal=False,
            fields=[],
            filename="hotline-calls.xlsx",
            sheet_title=str(_("热线来电")),
            description=str(_("热线来电（不含回访电话）")),
        )

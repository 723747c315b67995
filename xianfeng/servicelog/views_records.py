"""Service-record pages: the list, a record's page, the desk form, corrections and voiding,
and the providers picker's search. Views are thin: forms shape input, services write."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import ExactSearchLimited
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service
from xianfeng.core.widgets import autocomplete_response
from xianfeng.members.selectors import member_autocomplete, member_picker_label
from xianfeng.regions.models import Region
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Household, Resident

from . import hooks, rules, selectors, services
from .forms_records import RecordFilterForm, RecordForm, VoidForm
from .models import ServiceRecord

ON_DENIED = ("team", _("登记后该记录将超出您的权限范围，请检查队伍和服务人员"))


def record_queryset(user, *, include_voided: bool = False):
    """The list's rows with everything a row shows, in a fixed number of queries."""
    return (
        selectors.record_list(user=user, include_voided=include_voided)
        .select_related("resident__village", "household__head", "household__village")
        .prefetch_related("providers__member")
    )


def _search(user, records, query: str):
    """Resident (or household head) by name 简/繁, pinyin initials, exact phone/ID; or the note."""
    found = Q(note__icontains=query)
    try:
        found |= Q(
            resident__in=scoped(user, Resident).filter(resident_selectors.search_q(query, user=user)).values("pk")
        )
        found |= Q(
            household__in=scoped(user, Household)
            .filter(resident_selectors.search_q(query, Household, user=user))
            .values("pk")
        )
    except ExactSearchLimited as exc:
        return records.filter(found), str(exc)
    return records.filter(found), ""


def filtered_records(user, form: RecordFilterForm):
    filters = form.filters()
    records = record_queryset(user, include_voided=filters.get("voided", False))
    if "date_from" in filters:
        records = records.filter(served_on__gte=filters["date_from"])
    if "date_to" in filters:
        records = records.filter(served_on__lte=filters["date_to"])
    if "service_type" in filters:
        records = records.filter(service_type=filters["service_type"])
    if "category" in filters:
        records = records.filter(service_type__category=filters["category"])
    if "team" in filters:
        records = records.filter(team=filters["team"])
    if filters.get("mine"):
        records = records.filter(created_by=user)
    problem = ""
    if filters.get("q"):
        records, problem = _search(user, records, filters["q"].strip())
    return records.order_by("-served_on", "-id"), problem


class RecordListView(ScopedListView):
    """Newest first; filters in the URL; 共 N 条; voided rows only when asked, struck through."""

    model = ServiceRecord

    def get(self, request):
        form = RecordFilterForm(request.GET or None, user=request.user)
        records, problem = filtered_records(request.user, form)
        if problem:
            messages.warning(request, problem)
        context = {
            "form": form,
            "page": self.paginate(records),
            "can_change": can(request.user, CHANGE, ServiceRecord),
        }
        template = "servicelog/record_rows.html" if request.htmx else "servicelog/record_list.html"
        return render(request, template, context)


class RecordObjectMixin:
    model = ServiceRecord

    def get_object(self):
        qs = record_queryset(self.request.user, include_voided=True).select_related(
            "activity", "created_by", "voided_by"
        )
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


def _activity_url(record) -> str:
    if not record.activity_id:
        return ""
    try:
        return reverse("servicelog:activity_detail", args=[record.activity_id])
    except NoReverseMatch:  # the activity pages are another module's
        return ""


def _place(user, record) -> str:
    codes = [c for c in (record.village_code, record.township_code, record.county_code) if c]
    names = dict(scoped(user, Region, VIEW).filter(pk__in=codes).values_list("pk", "name"))
    return " · ".join(names.get(c, c) for c in reversed(codes))


def _typed_result(record: ServiceRecord) -> list[tuple[str, str]]:
    return rules.result_display(record.service_type.result_fields, record.result)


class RecordDetailView(RecordObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        record = self.get_object()
        may_change = scoped(request.user, ServiceRecord, CHANGE).filter(pk=record.pk).exists()
        context = {
            "record": record,
            "result": hooks.results_shown([record], _typed_result)[record.pk],
            "providers": list(record.providers.all()),
            "activity_url": _activity_url(record),
            "sources": hooks.all_sources_of([record], request.user).get(record.pk, []),
            "place": _place(request.user, record),
            "changes": audit_selectors.object_history(targets={ServiceRecord: [record.pk]}).order_by("-at")[:30],
            "can_change": may_change and not record.is_voided,
        }
        # A call's or a distribution's record is changed through its fact (hooks: void guards).
        context["locked"] = not record.is_voided and hooks.void_refusal(record)
        if context["locked"]:
            context["can_change"] = False
        return render(request, "servicelog/record_detail.html", context)


def entry_defaults(user) -> dict:
    """A new record's defaults (the desk form's and the quick entry's): me as the provider and
    my current team."""
    initial = {}
    own = selectors.own_member(user)
    if own is not None:
        initial["providers"] = [own.pk]
    team = selectors.current_teams(user).first()
    if team is not None:
        initial["team"] = team.pk
    return initial


def _prefill(user, params) -> dict:
    """Me and my current team; ?resident= / ?household= / ?activity= / ?type= from a
    resident's or an activity's page."""
    initial = entry_defaults(user)
    for name in ("resident", "household", "activity", "type"):
        value = params.get(name, "")
        if value.isdigit() and len(value) < 12:
            initial["service_type" if name == "type" else name] = int(value)
    return initial


class RecordCreateView(ScopedListView):
    """The full desk form. A replayed idempotency key goes to the record already saved."""

    model = ServiceRecord
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(request, "servicelog/record_form.html", {"form": form, "heading": _("登记服务")}, status=status)

    def get(self, request):
        return self._render(request, RecordForm(user=request.user, initial=_prefill(request.user, request.GET)))

    def post(self, request):
        form = RecordForm(request.POST, user=request.user)
        if form.is_valid():
            saved = call_service(
                form,
                services.record_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.service_kwargs(),
            )
            if not form.errors:
                if saved.created:
                    messages.success(request, _("已登记：%(r)s") % {"r": saved.record})
                else:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                return redirect("servicelog:record_detail", pk=saved.record.pk)
        return self._render(request, form, status=400)


class RecordEditView(RecordObjectMixin, ScopedObjectView):
    action = CHANGE

    def _form(self, record, data=None):
        initial = {
            "service_type": record.service_type_id,
            "served_on": record.served_on,
            "resident": record.resident_id,
            "household": record.household_id,
            "team": record.team_id,
            "activity": record.activity_id,
            "quantity": record.quantity,
            "note": record.note,
        }
        providers = list(record.providers.all())
        initial["providers"] = [p.member_id for p in providers]
        initial["hours"] = providers[0].hours if providers else None
        for key, value in (record.result or {}).items():
            initial[f"r{record.service_type_id}_{key}"] = value
        return RecordForm(data, user=self.request.user, record=record, initial=initial)

    def _render(self, request, record, form, status=200):
        context = {"form": form, "record": record, "heading": _("修改服务记录")}
        return render(request, "servicelog/record_form.html", context, status=status)

    def get(self, request, pk):
        record = self.get_object()
        if record.is_voided:
            messages.error(request, _("该记录已作废，不能修改"))
            return redirect("servicelog:record_detail", pk=record.pk)
        return self._render(request, record, self._form(record))

    def post(self, request, pk):
        record = self.get_object()
        form = self._form(record, request.POST)
        if form.is_valid():
            changes = form.changes(record)
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("servicelog:record_detail", pk=record.pk)
            call_service(
                form, services.record_update, on_denied=ON_DENIED, acting_user=request.user, record=record, **changes
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("servicelog:record_detail", pk=record.pk)
        return self._render(request, record, form, status=400)


class RecordVoidView(RecordObjectMixin, ScopedObjectView):
    """GET: the confirmation with a required reason; POST: void (the record leaves every count)."""

    action = CHANGE

    def _render(self, request, record, form, status=200):
        context = {"form": form, "record": record, "refusal": hooks.void_refusal(record)}
        return render(request, "servicelog/record_void.html", context, status=status)

    def get(self, request, pk):
        record = self.get_object()
        return self._render(request, record, VoidForm())

    def post(self, request, pk):
        record = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(
                form, services.record_void, acting_user=request.user, record=record, reason=form.cleaned_data["reason"]
            )
            if not form.errors:
                messages.success(request, _("已作废，该记录不再计入任何统计"))
                return redirect("servicelog:record_detail", pk=record.pk)
        return self._render(request, record, form, status=400)


def provider_autocomplete(*, user, query: str) -> list:
    """At most 20 members the user may name as providers (``selectors.provider_queryset``),
    found as the members' picker finds them: name prefix (简/繁), pinyin initials, volunteer
    number or the last four phone digits."""
    return member_autocomplete(user=user, query=query, base=selectors.provider_queryset(user))


class ProviderAutocompleteView(ScopedListView):
    """GET ?q=: members the user may name as a service's providers (a volunteer, who may not
    browse members, still finds themselves and their teammates)."""

    model = ServiceRecord
    action = VIEW

    def get(self, request):
        found = provider_autocomplete(user=request.user, query=request.GET.get("q", "")[:50])
        return autocomplete_response(found, member_picker_label)

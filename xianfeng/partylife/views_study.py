"""Pages of study (issue 13 §2): 「我的学习」 on a member's phone, the items of an organization with
their completion rates, an item with who has and has not studied it, the big 「已学习」 button,
and a branch's study record per year (with its export)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, can, get_scoped_or_404, scoped
from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int
from xianfeng.servicelog.selectors import own_member

from . import selectors_study as selectors
from . import services_study as services
from .forms_study import CompleteForm, ItemFilterForm, ReasonForm, RecordForForm, StudyItemForm
from .models import StudyCompletion, StudyItem

ON_DENIED = ("org", gettext_lazy("保存后将超出您的权限范围，请检查推送组织"))
ON_DENIED_MEMBER = ("member", gettext_lazy("您只能登记自己的学习，或您所管理支部党员的学习"))


def _year(value) -> int:
    return query_int(value, minimum=2000, maximum=2100) or timezone.localdate().year


class StudyListView(ScopedListView):
    """「我的学习」 for a member (their items, done or not, overdue in red); for a secretary,
    党办 or a leader the items of their organizations with completion rates (htmx rows)."""

    model = StudyItem
    paginate_by = 30

    def get(self, request):
        user = request.user
        manager = selectors.is_manager(user)
        member = own_member(user)
        tab = request.GET.get("tab") or ("manage" if manager else "mine")
        if tab not in ("mine", "manage") or (tab == "manage" and not manager):
            tab = "mine"
        form = ItemFilterForm(request.GET or None)
        context = {
            "tab": tab,
            "manager": manager,
            "has_member": member is not None,
            "today": timezone.localdate(),
            "can_change": can(user, CHANGE, StudyItem),
            "form": form,
        }
        if tab == "mine":
            context["rows"] = selectors.my_items(user)
            context["todo"] = sum(1 for r in context["rows"] if r.completion is None)
        else:
            filters = form.filters()
            page = self.paginate(selectors.item_list(user, filters))
            context.update(
                filters=filters,
                page=page,
                rates=selectors.with_rates(user, page.object_list),
                kinds=StudyItem.Kind.choices,
                orgs=selectors.record_orgs(user)[:200],
            )
            if request.htmx:
                return render(request, "partylife/study_rows.html", context)
        return render(request, "partylife/study_list.html", context)


class StudyItemCreateView(ScopedListView):
    model = StudyItem
    action = CHANGE

    def _render(self, request, form, status=200):
        context = {"form": form, "heading": _("推送学习内容")}
        return render(request, "partylife/study_form.html", context, status=status)

    def get(self, request):
        initial = {}
        org = query_int(request.GET.get("org"))
        if org:
            initial["org"] = org
        return self._render(request, StudyItemForm(user=request.user, initial=initial))

    def post(self, request):
        form = StudyItemForm(request.POST, user=request.user)
        if form.is_valid():
            item = call_service(
                form, services.study_item_create, on_denied=ON_DENIED, acting_user=request.user, **form.service_kwargs()
            )
            if not form.errors:
                messages.success(request, _("已推送：%(t)s") % {"t": item.title})
                return redirect("partylife:study_detail", pk=item.pk)
        return self._render(request, form, status=400)


class StudyItemDetailView(ScopedObjectView):
    """An item: its content, the user's own 已学习 button, and (for those who manage the branch)
    who has studied it and who has not, with recording on a member's behalf."""

    model = StudyItem

    def get(self, request, pk):
        user = request.user
        item = self.get_object()
        member = own_member(user)
        mine = None
        pushed = member is not None and services.is_pushed_to(item, member)
        if member is not None:
            mine = scoped(user, StudyCompletion).filter(item=item, member=member).first()
        manager = selectors.is_manager(user)
        roster = selectors.item_roster(user, item) if manager else []
        can_record = manager and can(user, CHANGE, StudyCompletion) and not item.is_voided
        context = {
            "item": item,
            "today": timezone.localdate(),
            "mine": mine,
            "pushed": pushed,
            "overdue": mine is None and item.due_on is not None and item.due_on < timezone.localdate(),
            "manager": manager,
            "roster": roster,
            "done_count": sum(1 for r in roster if r.completion),
            "can_change": scoped(user, StudyItem, CHANGE).filter(pk=item.pk).exists() and not item.is_voided,
            "can_complete": can(user, CHANGE, StudyCompletion) and not item.is_voided,
            "record_form": RecordForForm(user=user, item=item, initial={"hours": item.hours}) if can_record else None,
        }
        return render(request, "partylife/study_detail.html", context)


class StudyItemEditView(ScopedObjectView):
    model = StudyItem
    action = CHANGE

    def _render(self, request, item, form, status=200):
        context = {"form": form, "item": item, "heading": _("修改学习内容")}
        return render(request, "partylife/study_form.html", context, status=status)

    def get(self, request, pk):
        item = self.get_object()
        if item.is_voided:
            messages.error(request, _("该学习内容已作废，不能修改"))
            return redirect("partylife:study_detail", pk=item.pk)
        return self._render(request, item, StudyItemForm(instance=item, user=request.user))

    def post(self, request, pk):
        item = self.get_object()
        form = StudyItemForm(request.POST, user=request.user)
        if form.is_valid():
            changes = form.changes(item)
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("partylife:study_detail", pk=item.pk)
            call_service(
                form, services.study_item_update, on_denied=ON_DENIED, acting_user=request.user, item=item, **changes
            )
            if not form.errors:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("partylife:study_detail", pk=item.pk)
        return self._render(request, item, form, status=400)


class StudyItemVoidView(ScopedObjectView):
    model = StudyItem
    action = CHANGE

    def _render(self, request, item, form, status=200):
        context = {
            "form": form,
            "heading": _("作废学习内容"),
            "subject": item.title,
            "back_url": item_url(item),
            "confirm": _("确定作废这条学习内容吗？作废后不再计入学习统计。"),
        }
        return render(request, "partylife/study_action.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), ReasonForm())

    def post(self, request, pk):
        item = self.get_object()
        form = ReasonForm(request.POST)
        if form.is_valid():
            call_service(
                form, services.study_item_void, acting_user=request.user, item=item, reason=form.cleaned_data["reason"]
            )
            if not form.errors:
                messages.success(request, _("已作废：%(t)s") % {"t": item.title})
                return redirect("partylife:study_detail", pk=item.pk)
        return self._render(request, item, form, status=400)


def item_url(item) -> str:
    return reverse("partylife:study_detail", args=[item.pk])


class StudyCompleteView(ScopedObjectView):
    """The 「已学习」 button: the user's own completion, hours prefilled with the item's. A
    secretary posts ``member`` to record a member of their branch."""

    model = StudyItem

    def _render(self, request, item, form, status=200):
        context = {"form": form, "item": item}
        return render(request, "partylife/study_complete.html", context, status=status)

    def get(self, request, pk):
        item = self.get_object()
        form = CompleteForm(initial={"hours": item.hours, "completed_on": timezone.localdate()})
        return self._render(request, item, form)

    def post(self, request, pk):
        user = request.user
        item = self.get_object()
        for_other = "member" in request.POST
        form = RecordForForm(request.POST, user=user, item=item) if for_other else CompleteForm(request.POST)
        if form.is_valid():
            done = call_service(
                form,
                services.study_complete,
                on_denied=ON_DENIED_MEMBER,
                acting_user=user,
                item=item,
                member=form.cleaned_data.get("member"),
                hours=form.cleaned_data["hours"],
                completed_on=form.cleaned_data["completed_on"],
                note=form.cleaned_data["note"],
            )
            if not form.errors:
                if for_other:
                    messages.success(request, _("已登记 %(m)s 的学习") % {"m": done.completion.member.name})
                    return redirect("partylife:study_detail", pk=item.pk)
                messages.success(
                    request, _("已学习：%(t)s，%(h)s 学时") % {"t": item.title, "h": done.completion.hours}
                )
                return redirect("partylife:study_list")
        if for_other:
            messages.error(request, _("请检查填写内容：%(e)s") % {"e": " ".join(_flat(form))})
            return redirect("partylife:study_detail", pk=item.pk)
        return self._render(request, item, form, status=400)


def _flat(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


class StudyUncompleteView(ScopedObjectView):
    """Take back a completion marked by mistake (POST, confirmed on the page)."""

    model = StudyCompletion
    action = CHANGE

    def get(self, request, pk):
        completion = self.get_object()
        return redirect("partylife:study_detail", pk=completion.item_id)

    def post(self, request, pk):
        completion = self.get_object()
        item_id = completion.item_id
        try:
            services.study_uncomplete(
                acting_user=request.user, completion=completion, reason=request.POST.get("reason", "")[:200]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已撤销学习记录"))
        if request.POST.get("next") == "list":
            return redirect("partylife:study_list")
        return redirect("partylife:study_detail", pk=item_id)


def _record_context(request):
    user = request.user
    org_id = query_int(request.GET.get("org"))
    orgs = selectors.record_orgs(user)
    org = orgs.filter(pk=org_id).first() if org_id else None
    if org_id and org is None:
        org = get_scoped_or_404(user, orgs, VIEW, pk=org_id)
    org = org or selectors.default_record_org(user)
    year = _year(request.GET.get("year"))
    record = selectors.study_record(user, org, year) if org is not None else None
    return org, year, record, orgs


class StudyRecordView(ScopedListView):
    """A branch's study record for a year: per member, the items pushed to them, those done and
    the hours; the totals below."""

    model = StudyCompletion

    def get(self, request):
        org, year, record, orgs = _record_context(request)
        this_year = timezone.localdate().year
        context = {
            "org": org,
            "year": year,
            "record": record,
            "orgs": orgs[:300],
            "years": list(range(this_year, this_year - 6, -1)),
            "can_export": can(request.user, EXPORT, StudyItem),
        }
        return render(request, "partylife/study_record.html", context)


RECORD_COLUMNS = [
    ExportColumn("姓名", lambda r: r.member.name),
    ExportColumn("所属组织", lambda r: r.member.branch.name),
    ExportColumn("政治面貌", lambda r: r.member.get_party_stage_display()),
    ExportColumn("应学", lambda r: r.expected),
    ExportColumn("已学", lambda r: r.done),
    ExportColumn("完成率", lambda r: f"{r.rate:.0%}" if r.rate is not None else ""),
    ExportColumn("学时", lambda r: float(r.hours)),
]


class StudyRecordExportView(ScopedListView):
    """The study record as xlsx ("partylife.export"); written to AccessLog (it names members)."""

    model = StudyItem
    action = EXPORT

    def get(self, request):
        org, year, record, _orgs = _record_context(request)
        if record is None:
            messages.error(request, _("请选择组织"))
            return redirect("partylife:study_record")
        content, count = xlsx_bytes(record.rows, RECORD_COLUMNS, reveal=False, sheet_title=f"{year}年学习记录")
        accesslog_write(
            actor=request.user,
            kind=AccessLog.Kind.EXPORT,
            model=StudyCompletion,
            object_id=org.pk,
            object_repr=_("%(o)s %(y)s 年学习记录") % {"o": org.name, "y": year},
            fields="name,hours",
            row_count=count,
            org_path=org.path,
        )
        return xlsx_response(content, f"{org.name}{year}年学习记录.xlsx")

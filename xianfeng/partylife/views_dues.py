"""Pages of party dues: the branch's month statement (the module's 党费 page; a member sees
我的党费), the year statement, a member's dues with the rate and payment forms, the bulk
「本月按标准全部交纳」 with its confirmation, voiding, and the xlsx exports for the finance office."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export_log
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, can, get_scoped_or_404
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response
from xianfeng.core.forms import call_service
from xianfeng.members.models import Member

from . import dues, selectors_dues, services_dues
from .forms_dues import DuesBulkForm, DuesPaymentForm, DuesRateForm, VoidForm, parse_month
from .models import DuesPayment, DuesRate

ON_DENIED = ("member", _("该党员不在您的党费管理范围内"))


def _branch(request, branches):
    value = request.GET.get("branch", "") or request.POST.get("branch", "")
    if value.isdigit() and len(value) < 12:
        found = branches.filter(pk=int(value)).first()
        if found is not None:
            return found
    return branches.first()


def _month(request):
    return parse_month(request.GET.get("month", "")) or dues.month_start(timezone.localdate())


class DuesView(ScopedListView):
    """partylife:dues — a branch's month statement (branch and month pickers, search, arrears
    in red); for a member without a branch's dues, 我的党费."""

    model = DuesPayment

    def get(self, request):
        user = request.user
        branches = selectors_dues.dues_branches(user)
        branch = _branch(request, branches)
        if branch is None:
            mine = selectors_dues.my_dues(user)
            return render(request, "partylife/dues_mine.html", {"mine": mine})
        month = _month(request)
        query = request.GET.get("q", "")[:50]
        statement = selectors_dues.month_statement(user, branch, month, query=query)
        context = {
            "branches": branches,
            "branch": branch,
            "month": month,
            "q": query,
            "statement": statement,
            "prev_month": dues.add_months(month, -1),
            "next_month": dues.add_months(month, 1),
            "can_change": selectors_dues.may_manage(user, branch, CHANGE),
            "can_export": can(user, EXPORT, DuesPayment),
            "mine": selectors_dues.my_dues(user),
        }
        template = "partylife/dues_rows.html" if request.htmx else "partylife/dues.html"
        return render(request, template, context)


class DuesYearView(ScopedListView):
    model = DuesPayment

    def get(self, request):
        user = request.user
        branches = selectors_dues.dues_branches(user)
        branch = _branch(request, branches)
        if branch is None:
            return redirect("partylife:dues")
        year = request.GET.get("year", "")
        year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
        context = {
            "branches": branches,
            "branch": branch,
            "year": year,
            "q": request.GET.get("q", "")[:50],
            "data": selectors_dues.year_statement(user, branch, year, query=request.GET.get("q", "")[:50]),
            "can_export": can(user, EXPORT, DuesPayment),
        }
        return render(request, "partylife/dues_year.html", context)


def member_url(name: str, member) -> str:
    return f"{reverse(name)}?member={member.pk}"


class MemberDuesMixin:
    """A member named by ?member=<pk>: 404 outside the user's view scope, 403 when the user may
    not change their dues. (A query parameter, not a path one: the address names no DuesRate.)"""

    def get_member(self, action=CHANGE):
        value = self.request.GET.get("member", "")
        if not (value.isdigit() and len(value) < 19):
            return None
        member = get_scoped_or_404(self.request.user, Member, VIEW, pk=int(value))
        if not selectors_dues.may_manage(self.request.user, member.branch, action):
            raise PermissionDenied
        return member


class DuesMemberView(MemberDuesMixin, ScopedListView):
    """One member's dues: rates, months paid and owed, the rate and payment forms. Reading the
    page needs dues.view; the member named must be in the user's dues.change scope (403)."""

    model = DuesRate

    def _render(self, request, member, rate_form=None, pay_form=None, status=200):
        info = selectors_dues.member_dues(request.user, member)
        today = timezone.localdate()
        first_unpaid = info["unpaid"][0].month if info["unpaid"] else dues.month_start(today)
        context = {
            "info": info,
            "member": member,
            "rate_form": rate_form
            or DuesRateForm(
                initial={
                    "category": info["rate"].category if info["rate"] else "in_service",
                    "monthly_base": info["rate"].monthly_base if info["rate"] else None,
                    "start_month": f"{dues.month_start(today):%Y-%m}",
                }
            ),
            "pay_form": pay_form
            or DuesPaymentForm(
                initial={"from_month": f"{first_unpaid:%Y-%m}", "paid_on": today, "method": DuesPayment.Method.TRANSFER}
            ),
            "void_form": VoidForm(),
            "brackets": [dues.bracket("in_service", b).label for b in ("3000", "5000", "10000", "10001")]
            + [dues.bracket("retired", b).label for b in ("5000", "5001")]
            + [dues.bracket("farmer", 0).label, dues.bracket("student", 0).label, dues.bracket("unemployed", 0).label],
        }
        return render(request, "partylife/dues_member.html", context, status=status)

    def get(self, request):
        member = self.get_member()
        if member is None:
            return redirect("partylife:dues")
        return self._render(request, member)


class DuesRateView(DuesMemberView):
    action = CHANGE

    def post(self, request):
        member = self.get_member()
        if member is None:
            return redirect("partylife:dues")
        form = DuesRateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            call_service(
                form,
                services_dues.dues_rate_set,
                on_denied=ON_DENIED,
                acting_user=request.user,
                member=member,
                category=data["category"],
                monthly_base=data.get("monthly_base") or 0,
                amount=data.get("amount"),
                start_month=data["start_month"],
                note=data.get("note", ""),
            )
            if not form.errors:
                messages.success(request, _("已设置 %(n)s 的党费标准") % {"n": member.name})
                return redirect(member_url("partylife:dues_member", member))
        return self._render(request, member, rate_form=form, status=400)


class DuesPayView(DuesMemberView):
    action = CHANGE

    def post(self, request):
        member = self.get_member()
        if member is None:
            return redirect("partylife:dues")
        form = DuesPaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            saved = call_service(
                form,
                services_dues.dues_payment_record,
                on_denied=ON_DENIED,
                acting_user=request.user,
                member=member,
                months=form.months(),
                amount=data.get("amount"),
                paid_on=data["paid_on"],
                method=data["method"],
                receipt_no=data.get("receipt_no", ""),
                note=data.get("note", ""),
            )
            if not form.errors:
                messages.success(request, _("已登记 %(n)s 个月的党费") % {"n": len(saved)})
                return redirect(member_url("partylife:dues_member", member))
        return self._render(request, member, pay_form=form, status=400)


class DuesPaymentVoidView(ScopedObjectView):
    model = DuesPayment
    action = CHANGE

    def post(self, request, pk):
        payment = self.get_object()
        services_dues.ensure_manages(request.user, payment.member)  # 403: the branch voids, not the payer
        form = VoidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写作废原因"))
        else:
            call_service(
                form,
                services_dues.dues_payment_void,
                acting_user=request.user,
                payment=payment,
                reason=form.cleaned_data["reason"],
            )
            if form.errors:
                messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
            else:
                messages.success(request, _("已作废 %(m)s 的交纳记录") % {"m": f"{payment.month:%Y-%m}"})
        return redirect(f"{reverse('partylife:dues_member')}?member={payment.member_id}")


class DuesBulkView(ScopedListView):
    """「本月按标准全部交纳」: lists who it will record, then records on confirmation."""

    model = DuesPayment
    action = CHANGE

    def _context(self, request, form=None):
        user = request.user
        branches = selectors_dues.dues_branches(user, CHANGE)
        branch = _branch(request, branches)
        if branch is None:
            return None
        month = parse_month(request.GET.get("month", "") or request.POST.get("month", "")) or dues.month_start(
            timezone.localdate()
        )
        planned, skipped = services_dues.branch_standard_plan(acting_user=user, branch=branch, month=month)
        form = form or DuesBulkForm(
            initial={
                "paid_on": timezone.localdate(),
                "member_ids": ",".join(str(p.member.pk) for p in planned),
            }
        )
        total = sum((p.amount for p in planned), dues.ZERO)
        return {
            "branches": branches,
            "branch": branch,
            "month": month,
            "planned": planned,
            "skipped": skipped,
            "total": total,
            "form": form,
        }

    def get(self, request):
        context = self._context(request)
        if context is None:
            messages.info(request, _("您的范围内没有可登记党费的支部"))
            return redirect("partylife:dues")
        return render(request, "partylife/dues_bulk.html", context)

    def post(self, request):
        form = DuesBulkForm(request.POST)
        context = self._context(request, form)
        if context is None:
            messages.info(request, _("您的范围内没有可登记党费的支部"))
            return redirect("partylife:dues")
        if form.is_valid():
            saved = call_service(
                form,
                services_dues.dues_payment_record_branch,
                acting_user=request.user,
                branch=context["branch"],
                month=context["month"],
                paid_on=form.cleaned_data["paid_on"],
                method=form.cleaned_data["method"],
                member_ids=form.cleaned_data["member_ids"],
            )
            if not form.errors:
                messages.success(
                    request,
                    _("已按标准登记 %(n)s 名党员 %(m)s 的党费") % {"n": len(saved), "m": f"{context['month']:%Y-%m}"},
                )
                return redirect(
                    f"{reverse('partylife:dues')}?branch={context['branch'].pk}&month={context['month']:%Y-%m}"
                )
        return render(request, "partylife/dues_bulk.html", context, status=400)


def _month_columns():
    return [
        ExportColumn("姓名", lambda r: r.member.name),
        ExportColumn("志愿者编号", lambda r: r.member.volunteer_no),
        ExportColumn("交纳类别", lambda r: r.rate.get_category_display() if r.rate else "未设置标准"),
        ExportColumn("交纳基数（元）", lambda r: r.rate.monthly_base if r.rate else None),
        ExportColumn("比例", lambda r: f"{dues._pct(r.rate.rate)}%" if r.rate and r.rate.rate else ""),
        ExportColumn("应交（元）", lambda r: r.due),
        ExportColumn("实交（元）", lambda r: r.payment.amount if r.payment else None),
        ExportColumn("交纳日期", lambda r: r.payment.paid_on if r.payment else None),
        ExportColumn("方式", lambda r: r.payment.get_method_display() if r.payment else ""),
        ExportColumn("收据号", lambda r: r.payment.receipt_no if r.payment else ""),
        ExportColumn("累计欠交（元）", lambda r: r.owed),
        ExportColumn("连续未交（月）", lambda r: r.arrears.longest_run),
        ExportColumn("提示", lambda r: "连续6个月未交党费" if r.flagged else ""),
    ]


class DuesExportView(ScopedListView):
    """xlsx for the finance office: ?kind=month (default) or ?kind=year. Names and incomes:
    dues.export, written to AccessLog."""

    model = DuesPayment
    action = EXPORT

    def get(self, request):
        user = request.user
        branches = selectors_dues.dues_branches(user, EXPORT)
        branch = _branch(request, branches)
        if branch is None:
            messages.info(request, _("您的范围内没有可导出党费的支部"))
            return redirect("partylife:dues")
        if request.GET.get("kind") == "year":
            year = request.GET.get("year", "")
            year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
            data = selectors_dues.year_statement(user, branch, year)
            columns = [ExportColumn("姓名", lambda r: r.member.name)]
            for i in range(12):
                columns.append(
                    ExportColumn(
                        f"{i + 1}月",
                        lambda r, i=i: r.cells[i][1].amount if r.cells[i][1] else ("未交" if r.cells[i][0] else ""),
                    )
                )
            columns += [
                ExportColumn("全年应交（元）", lambda r: r.due),
                ExportColumn("全年实交（元）", lambda r: r.paid),
                ExportColumn("提示", lambda r: "连续6个月未交党费" if r.flagged else ""),
            ]
            rows = data["rows"]
            name = f"{branch.name}{year}年党费台账"
        else:
            month = _month(request)
            rows = selectors_dues.month_statement(user, branch, month).rows
            columns = _month_columns()
            name = f"{branch.name}{month:%Y年%m月}党费收缴明细"
        content, count = xlsx_bytes(rows, columns, reveal=False, sheet_title=name[:31])
        personal_export_log(
            acting_user=user,
            model=DuesPayment,
            row_count=count,
            reveal=False,
            fields=["name", "monthly_base"],
            reason="",
            description=name,
        )
        return xlsx_response(content, f"{name}.xlsx")

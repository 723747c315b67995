"""Pages of party-building funds: a year's budget, spent by category, balance, the expenses
(over-budget ones red), the budget and expense forms (an over-budget expense shows the numbers
and asks to confirm first), voiding, the receipt download and the xlsx export."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export_log
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can
from xianfeng.core import filecrypt
from xianfeng.core.downloads import file_response
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response
from xianfeng.core.forms import call_service

from . import selectors_funds, services_funds
from .forms_dues import FundBudgetForm, FundExpenseForm, VoidForm
from .models import ExpenseCategory, FundBudget, FundExpense

ON_DENIED = ("org", _("该组织不在您的经费管理范围内"))


def _year(request) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year


def _org(request, orgs):
    value = request.GET.get("org", "")
    if value.isdigit() and len(value) < 12:
        return orgs.filter(pk=int(value)).first()
    return None


class FundsView(ScopedListView):
    model = FundExpense

    def get(self, request):
        user = request.user
        orgs = selectors_funds.fund_orgs(user)
        org = _org(request, orgs)
        year = _year(request)
        category = request.GET.get("category", "")
        category = category if category in ExpenseCategory.values else ""
        over = request.GET.get("over") == "1"
        rows = selectors_funds.expenses(
            user, org=org, year=year, category=category, over_budget=over, query=request.GET.get("q", "")
        )
        summary = selectors_funds.fund_summary(user, year, org=org)
        context = {
            "orgs": orgs,
            "org": org,
            "year": year,
            "category": category,
            "over": over,
            "q": request.GET.get("q", "")[:50],
            "categories": ExpenseCategory.choices,
            "summary": summary,
            "page": self.paginate(rows),
            "can_change": can(user, CHANGE, FundExpense),
            "can_export": can(user, EXPORT, FundExpense),
            "void_form": VoidForm(),
        }
        return render(request, "partylife/funds.html", context)


class FundBudgetView(ScopedListView):
    model = FundBudget
    action = CHANGE

    def _render(self, request, form, status=200):
        return render(request, "partylife/fund_budget_form.html", {"form": form}, status=status)

    def get(self, request):
        orgs = selectors_funds.fund_orgs(request.user, CHANGE)
        return self._render(request, FundBudgetForm(orgs=orgs, initial={"year": _year(request)}))

    def post(self, request):
        form = FundBudgetForm(request.POST, orgs=selectors_funds.fund_orgs(request.user, CHANGE))
        if form.is_valid():
            data = form.cleaned_data
            budget = call_service(
                form,
                services_funds.fund_budget_set,
                on_denied=ON_DENIED,
                acting_user=request.user,
                org=data["org"],
                year=data["year"],
                amount=data["amount"],
                note=data.get("note", ""),
            )
            if not form.errors:
                messages.success(request, _("已设置 %(o)s %(y)s 年预算") % {"o": budget.org.name, "y": budget.year})
                return redirect(f"{reverse('partylife:funds')}?org={budget.org_id}&year={budget.year}")
        return self._render(request, form, status=400)


class FundExpenseCreateView(ScopedListView):
    model = FundExpense
    action = CHANGE

    def _render(self, request, form, warning="", status=200):
        return render(request, "partylife/fund_expense_form.html", {"form": form, "warning": warning}, status=status)

    def get(self, request):
        orgs = selectors_funds.fund_orgs(request.user, CHANGE)
        return self._render(request, FundExpenseForm(orgs=orgs))

    def post(self, request):
        user = request.user
        form = FundExpenseForm(request.POST, request.FILES, orgs=selectors_funds.fund_orgs(user, CHANGE))
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        check = selectors_funds.budget_check(user, data["org"], data["spent_on"].year, Decimal(data["amount"]))
        if check.over_budget and not data.get("confirm_over_budget"):
            # The numbers first; the user confirms (the scan, if any, is chosen again).
            return self._render(request, form, warning=check.message, status=400)
        expense = call_service(
            form,
            services_funds.fund_expense_create,
            on_denied=ON_DENIED,
            acting_user=user,
            org=data["org"],
            spent_on=data["spent_on"],
            category=data["category"],
            amount=data["amount"],
            description=data["description"],
            receipt_no=data.get("receipt_no", ""),
            receipt=data.get("receipt"),
        )
        if form.errors:
            return self._render(request, form, status=400)
        if expense.over_budget:
            messages.warning(request, _("已登记，已标记为超预算：%(m)s") % {"m": check.message})
        else:
            messages.success(request, _("已登记支出 ¥%(a)s") % {"a": expense.amount})
        return redirect(f"{reverse('partylife:funds')}?org={expense.org_id}&year={expense.spent_on.year}")


class FundExpenseVoidView(ScopedObjectView):
    model = FundExpense
    action = CHANGE

    def post(self, request, pk):
        expense = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services_funds.fund_expense_void,
                acting_user=request.user,
                expense=expense,
                reason=form.cleaned_data["reason"],
            )
        if form.errors:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        else:
            messages.success(request, _("已作废该支出"))
        return redirect(f"{reverse('partylife:funds')}?org={expense.org_id}&year={expense.spent_on.year}")


class FundReceiptView(ScopedObjectView):
    model = FundExpense

    def get(self, request, pk):
        expense = self.get_object()
        if not expense.receipt.name:
            messages.info(request, _("该支出没有票据扫描件"))
            return redirect("partylife:funds")
        try:
            data = filecrypt.decrypt_bytes(expense.receipt)
        except (OSError, filecrypt.FileDecryptionError):
            messages.error(request, _("票据文件已不存在"))
            return redirect("partylife:funds")
        return file_response(data, expense.receipt_name or "receipt")


EXPORT_COLUMNS = [
    ExportColumn("组织", lambda e: e.org.name),
    ExportColumn("支出日期", lambda e: e.spent_on),
    ExportColumn("类别", lambda e: e.get_category_display()),
    ExportColumn("金额（元）", lambda e: e.amount),
    ExportColumn("用途", lambda e: e.description),
    ExportColumn("票据号", lambda e: e.receipt_no),
    ExportColumn("超预算", lambda e: "是" if e.over_budget else ""),
]


class FundExportView(ScopedListView):
    model = FundExpense
    action = EXPORT

    def get(self, request):
        user = request.user
        orgs = selectors_funds.fund_orgs(user, EXPORT)
        org = _org(request, orgs)
        year = _year(request)
        rows = selectors_funds.expenses(user, org=org, year=year).filter(pk__in=selectors_funds.scoped_export_ids(user))
        name = f"{org.name if org else ''}{year}年党建经费支出"
        content, count = xlsx_bytes(rows, EXPORT_COLUMNS, reveal=False, sheet_title=name[:31])
        personal_export_log(
            acting_user=user, model=FundExpense, row_count=count, reveal=False, fields=["expenses"], description=name
        )
        return xlsx_response(content, f"{name}.xlsx")

"""组织生活与党建 in the reports (issue 13 §4 "the figure is available to reports", §5 "countable
in reports"): meetings, attendance and compliance, study, dues, funds, honours and outputs.

``partylife_figures(flt, reach)`` counts within the reader's reach (reports/reach.py: their
统计报表 grants), and each part only over the reach items whose role also opens the part's area:
组织生活、荣誉与成果 ``partylife.view``, 学习 ``partylife.view`` (items) and ``study.view``
(completions), 党费 ``dues.view``, 党建经费 ``funds.view`` (``area_reach``). A 精防医生 holds
统计报表 but none of these: they get no figures and no panel. A reach item without a role (a
superuser's, or a reach frozen before roles were recorded) opens every area.

The 口径 (printed beside each figure, partylife/reports_family.py):

- The filter's period and organization subtree apply (each row's own organization: a meeting's,
  a payment's member's branch, an expense's); **the region, team, service type, category and
  program filters do not apply to party life** and are ignored.
- Study items pushed: those of the subtree and of the organizations above the filter's (a
  committee's items are pushed to every branch below it; an organization grant reaches them as
  ``scoped()`` shows them).
- Voided meetings, payments, expenses, study items, honours and outputs are never counted.
- Compliance: each required (branch × kind of meeting × period) slot of the rules
  (partylife/compliance.py: national defaults and local ComplianceRule rows) whose period lies
  wholly inside the filter's period and has ended by today; met when enough live, valid meetings
  were held in it.
- Dues: the months whose first day lies in the period (due only up to the current month); due is
  each member's monthly amount of the rate valid that month; in arrears: flagged by
  partylife/dues.py ``arrears`` (a run of ≥ 6 consecutive unpaid months since the member's first
  rate) counted through the period's last month (at most the current month), as the dues
  statement flags them.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xianfeng.accounts.roles import Scope, role_allows, role_owns_only
from xianfeng.accounts.scoping import _spec, ancestor_paths
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.reach import reach_q, restrict

from . import compliance, dues
from .models import (
    ComplianceRule,
    DuesPayment,
    DuesRate,
    ExpenseCategory,
    FundBudget,
    FundExpense,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    Output,
    StudyCompletion,
    StudyItem,
)

ZERO = Decimal("0")
# The count figures that have rows (reports_family.drill answers for them).
COUNT_KEYS = (
    "meetings_held",
    "study_items",
    "study_completions",
    "dues_payments",
    "dues_arrears_members",
    "funds_expenses",
    "funds_over_budget",
    "honours",
    "outputs",
)


# --- reach per area ----------------------------------------------------------------------------


def area_reach(reach: list, permission: str) -> list:
    """The reach items whose grant's role also allows ``permission`` (e.g. "dues.view").

    An item without a role (a superuser, a frozen reach) allows everything; a permission a role
    holds over its own rows only (a member's dues) opens only an own-records item."""
    kept = []
    for item in reach:
        role = item.get("role")
        if role is None:
            kept.append(item)
        elif role_allows(role, permission) and (not role_owns_only(role, permission) or item["scope"] == Scope.SELF):
            kept.append(item)
    return kept


def restrict_viewable(qs: QuerySet, reach: list) -> QuerySet:
    """``restrict(qs, reach)``, and for a model viewable from below (``org_ancestors_view``: a
    committee's study items and emergencies) also the rows of the organizations above an
    organization item, as ``scoped()`` shows them."""
    if not reach:
        return qs.none()
    q = reach_q(reach, qs.model)
    if q is None:
        return qs
    spec = _spec(qs.model)
    if spec.org_ancestors_view and spec.org_path:
        for item in reach:
            if item["scope"] in (Scope.ORG_SUBTREE, Scope.ORG_ONLY):
                q |= Q(**{f"{spec.org_path}__in": ancestor_paths(item["org_path"])})
    return qs.filter(q)


def in_subtree(qs: QuerySet, flt: ReportFilter, *, above: bool = False) -> QuerySet:
    """``qs`` narrowed to the filter's organization subtree (the model's own org path); with
    ``above``, the organizations above the filter's too (what they push down to it)."""
    if flt.org is None:
        return qs
    lookup = _spec(qs.model).org_path
    q = Q(**{f"{lookup}__startswith": flt.org.path})
    if above:
        q |= Q(**{f"{lookup}__in": ancestor_paths(flt.org.path)})
    return qs.filter(q)


def rate(numerator, denominator) -> float | None:
    return round(100 * float(numerator) / float(denominator), 1) if denominator else None


def money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


# --- rows behind each count ------------------------------------------------------------------


def meeting_rows(flt: ReportFilter, reach: list) -> QuerySet:
    """Live, valid meetings held in the period (a 党小组's meetings count in their own row)."""
    qs = restrict(Meeting.objects.all(), area_reach(reach, "partylife.view"))
    return in_subtree(qs, flt).filter(voided_at=None, is_valid=True, held_on__gte=flt.start, held_on__lte=flt.end)


def study_item_rows(flt, reach) -> QuerySet:
    qs = restrict_viewable(StudyItem.objects.all(), area_reach(reach, "partylife.view"))
    return in_subtree(qs, flt, above=True).filter(
        voided_at=None, published_on__gte=flt.start, published_on__lte=flt.end
    )


def study_completion_rows(flt, reach) -> QuerySet:
    qs = restrict(StudyCompletion.objects.all(), area_reach(reach, "study.view"))
    return in_subtree(qs, flt).filter(item__voided_at=None, completed_on__gte=flt.start, completed_on__lte=flt.end)


def months_of(flt: ReportFilter) -> list[datetime.date]:
    """The months (their first day) whose first day lies in the period."""
    first = compliance.month_start(flt.start)
    if first < flt.start:
        first = compliance.add_months(first, 1)
    months = []
    while first <= flt.end:
        months.append(first)
        first = compliance.add_months(first, 1)
    return months


def payment_rows(flt, reach) -> QuerySet:
    """Live payments for the months of the period (所属月份)."""
    qs = restrict(DuesPayment.objects.all(), area_reach(reach, "dues.view"))
    months = months_of(flt)
    if not months:
        return qs.none()
    return in_subtree(qs, flt).filter(voided_at=None, month__gte=months[0], month__lte=months[-1])


def _rates(flt, reach) -> dict[int, list[DuesRate]]:
    qs = in_subtree(restrict(DuesRate.objects.all(), area_reach(reach, "dues.view")), flt)
    by_member: dict[int, list[DuesRate]] = {}
    for r in qs.order_by("member_id", "start_month"):
        by_member.setdefault(r.member_id, []).append(r)
    return by_member


def _amount_on(rates: list[DuesRate], month: datetime.date) -> Decimal | None:
    """The monthly amount of the rate valid in ``month`` (rates sorted by start), None before any."""
    amount = None
    for r in rates:
        if r.start_month <= month:
            amount = r.amount
    return amount


def arrears_through(flt: ReportFilter, today: datetime.date) -> datetime.date:
    """The month arrears are counted through: the period's last month, at most this month (as the
    dues statement counts them, selectors_dues.arrears_through)."""
    return min(compliance.month_start(flt.end), compliance.month_start(today))


def arrears_member_ids(flt, reach, today) -> list[int]:
    """Members flagged by partylife/dues.py ``arrears`` (≥ 6 consecutive unpaid months) through
    ``arrears_through``."""
    by_member = _rates(flt, reach)
    if not by_member:
        return []
    through = arrears_through(flt, today)
    paid: dict[int, list] = {}
    payments = restrict(DuesPayment.objects.all(), area_reach(reach, "dues.view")).filter(
        voided_at=None, member_id__in=list(by_member), month__lte=through
    )
    for payment in payments.only("member_id", "month", "amount"):
        paid.setdefault(payment.member_id, []).append(payment)
    return [
        member_id
        for member_id, rates in by_member.items()
        if dues.arrears(rates, paid.get(member_id, []), through).flagged
    ]


def arrears_rows(flt, reach, today=None) -> QuerySet:
    today = today or timezone.localdate()
    return Member.objects.filter(pk__in=arrears_member_ids(flt, reach, today))


def expense_rows(flt, reach) -> QuerySet:
    qs = restrict(FundExpense.objects.all(), area_reach(reach, "funds.view"))
    return in_subtree(qs, flt).filter(voided_at=None, spent_on__gte=flt.start, spent_on__lte=flt.end)


def honour_rows(flt, reach) -> QuerySet:
    qs = restrict(Honour.objects.all(), area_reach(reach, "partylife.view"))
    return in_subtree(qs, flt).filter(voided_at=None, awarded_on__gte=flt.start, awarded_on__lte=flt.end)


def output_rows(flt, reach) -> QuerySet:
    qs = restrict(Output.objects.all(), area_reach(reach, "partylife.view"))
    return in_subtree(qs, flt).filter(voided_at=None, published_on__gte=flt.start, published_on__lte=flt.end)


def figure_rows(flt: ReportFilter, reach: list, key: str, *, today=None) -> QuerySet:
    """The rows a count figure counts (KeyError for another key)."""
    if key == "meetings_held":
        return meeting_rows(flt, reach)
    if key == "study_items":
        return study_item_rows(flt, reach)
    if key == "study_completions":
        return study_completion_rows(flt, reach)
    if key == "dues_payments":
        return payment_rows(flt, reach)
    if key == "dues_arrears_members":
        return arrears_rows(flt, reach, today)
    if key == "funds_expenses":
        return expense_rows(flt, reach)
    if key == "funds_over_budget":
        return expense_rows(flt, reach).filter(over_budget=True)
    if key == "honours":
        return honour_rows(flt, reach)
    if key == "outputs":
        return output_rows(flt, reach)
    raise KeyError(key)


# --- the figures -----------------------------------------------------------------------------


def _by(qs: QuerySet, field: str, choices) -> dict[str, int]:
    counts = dict(qs.order_by().values_list(field).annotate(n=Count("pk")))
    return {code: counts[code] for code in choices if counts.get(code)}


def _compliance(flt, reach, today) -> dict:
    """Required slots of the branches in reach, ended inside the period, and how many were met."""
    branch_reach = area_reach(reach, "partylife.view")
    branches = list(
        in_subtree(restrict(Organization.objects.all(), branch_reach), flt)
        .filter(kind__in=compliance.BRANCH_KINDS)
        .order_by("path")
    )
    required = met = 0
    if not branches:
        return {"compliance_required": 0, "compliance_met": 0, "compliance_rate": None}
    paths = {p for b in branches for p in (*ancestor_paths(b.path), b.path)}
    rules = list(ComplianceRule.objects.filter(org__path__in=paths).select_related("org"))
    by_id = {b.pk: b for b in branches}
    held: dict[int, dict[str, list]] = {b.pk: {} for b in branches}
    meetings = restrict(Meeting.objects.all(), branch_reach).filter(
        Q(org__in=branches) | Q(kind=MeetingKind.GROUP, org__kind=Organization.Kind.GROUP, org__parent__in=branches),
        voided_at=None,
        is_valid=True,
        held_on__year__gte=flt.start.year,
        held_on__year__lte=flt.end.year,
    )
    for kind, day, org_id, parent_id in meetings.values_list("kind", "held_on", "org_id", "org__parent_id"):
        target = org_id if org_id in by_id else parent_id
        if target in held:
            held[target].setdefault(kind, []).append(day)
    for branch in branches:
        own = [
            compliance.RuleRow(
                kind=r.kind,
                period=r.period,
                min_count=r.min_count,
                start_on=r.start_on,
                end_on=r.end_on,
                depth=r.org.depth,
                pk=r.pk,
            )
            for r in rules
            if branch.path.startswith(r.org.path)
        ]
        for year in range(flt.start.year, flt.end.year + 1):
            days = {k: [d for d in v if d.year == year] for k, v in held[branch.pk].items()}
            calendar = compliance.branch_calendar(
                year=year,
                today=today,
                held=days,
                rules=own,
                active_from=branch.active_from,
                active_to=branch.active_to,
            )
            for cell in calendar.cells:
                if cell.required > 0 and cell.start >= flt.start and cell.end <= flt.end and cell.end < today:
                    required += 1
                    met += cell.status == compliance.DONE
    return {"compliance_required": required, "compliance_met": met, "compliance_rate": rate(met, required)}


def _dues(flt, reach, today) -> dict:
    if not area_reach(reach, "dues.view"):
        return {
            "dues_due": None,
            "dues_collected": None,
            "dues_payments": 0,
            "dues_collection_rate": None,
            "dues_arrears_members": 0,
        }
    current = compliance.month_start(today)
    due_months = [m for m in months_of(flt) if m <= current]
    due = ZERO
    for rates in _rates(flt, reach).values():
        for month in due_months:
            due += _amount_on(rates, month) or ZERO
    payments = payment_rows(flt, reach)
    totals = payments.order_by().aggregate(n=Count("pk"), total=Sum("amount"))
    collected = money(totals["total"])
    return {
        "dues_due": money(due),
        "dues_collected": collected,
        "dues_payments": totals["n"],
        "dues_collection_rate": rate(collected, due),
        "dues_arrears_members": len(arrears_member_ids(flt, reach, today)),
    }


def _funds(flt, reach) -> dict:
    funds_reach = area_reach(reach, "funds.view")
    if not funds_reach:
        return {
            "funds_budget": None,
            "funds_spent": None,
            "funds_balance": None,
            "funds_expenses": 0,
            "funds_over_budget": 0,
            "funds_by_category": {},
        }
    budgets = in_subtree(restrict(FundBudget.objects.all(), funds_reach), flt).filter(
        year__gte=flt.start.year, year__lte=flt.end.year
    )
    budget = money(budgets.aggregate(total=Sum("amount"))["total"])
    expenses = expense_rows(flt, reach)
    totals = expenses.order_by().aggregate(
        n=Count("pk"), total=Sum("amount"), over=Count("pk", filter=Q(over_budget=True))
    )
    spent = money(totals["total"])
    by_category = dict(expenses.order_by().values_list("category").annotate(total=Sum("amount")))
    return {
        "funds_budget": budget,
        "funds_spent": spent,
        "funds_balance": budget - spent,
        "funds_expenses": totals["n"],
        "funds_over_budget": totals["over"],
        "funds_by_category": {c: money(by_category[c]) for c in ExpenseCategory.values if c in by_category},
    }


def partylife_figures(flt: ReportFilter, reach: list, *, today: datetime.date | None = None) -> dict:
    """组织生活与党建 of ``flt`` within ``reach`` (see the module's docstring for the 口径)."""
    today = today or timezone.localdate()
    areas = [a for a in ("partylife", "study", "dues", "funds") if area_reach(reach, f"{a}.view")]
    meetings = meeting_rows(flt, reach)
    attendance = meetings.order_by().aggregate(
        n=Count("pk"),
        expected=Sum("expected_count", filter=Q(expected_count__gt=0)),
        present=Sum("present_count", filter=Q(expected_count__gt=0)),
    )
    expected, present = attendance["expected"] or 0, attendance["present"] or 0
    completions = study_completion_rows(flt, reach)
    study = completions.order_by().aggregate(n=Count("pk"), hours=Sum("hours"))
    honours = honour_rows(flt, reach)
    outputs = output_rows(flt, reach)
    return {
        "areas": areas,
        "meetings_held": attendance["n"],
        "meetings_by_kind": _by(meetings, "kind", MeetingKind.values),
        "attendance_expected": expected,
        "attendance_present": present,
        "attendance_rate": rate(present, expected),
        **_compliance(flt, reach, today),
        "study_items": study_item_rows(flt, reach).count(),
        "study_completions": study["n"],
        "study_hours": study["hours"] or Decimal("0.0"),
        **_dues(flt, reach, today),
        **_funds(flt, reach),
        "honours": honours.count(),
        "honours_by_level": _by(honours, "level", HonourLevel.values),
        "outputs": outputs.count(),
        "outputs_by_kind": _by(outputs, "kind", Output.Kind.values),
    }


def has_data(figures: dict) -> bool:
    """The panel shows when the reader reaches party life and something was recorded (required
    meetings alone, with nothing recorded, are not a panel: the module is not in use there)."""
    if not figures.get("areas"):
        return False
    counted = ("meetings_held", "study_items", "study_completions", "dues_payments", "funds_expenses")
    return bool(
        any(figures.get(key) for key in counted)
        or figures.get("dues_due")
        or figures.get("funds_budget")
        or figures.get("honours")
        or figures.get("outputs")
    )

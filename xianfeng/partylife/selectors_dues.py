"""Reads of party dues. Every selector starts from ``scoped()`` (DESIGN.md §4.2).

The statements list every party member (预备/正式) of a branch within the user's dues scope, with
the rate in effect, the month's due, what was paid and when, and what the member owes overall
(partylife/dues.py arrears: months from the first rate to the month shown). Six consecutive
unpaid months flag the member (党章第三十八条)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.models import Scope
from xianfeng.accounts.roles import role_allows, role_owns_only
from xianfeng.accounts.scoping import VIEW, active_grants, scoped
from xianfeng.core.text import normalize_name
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.selectors import own_member

from . import dues
from .models import DuesPayment, DuesRate
from .services_dues import MAX_MONTHS_AHEAD, PARTY_STAGES

ZERO = dues.ZERO
_NONE = Q(pk__in=[])


def _dues_org_q(user, action: str) -> Q | None:
    """The organizations whose members' dues the user's grants open for ``action`` (None: all).
    A member's own-only grant opens no organization: they read 我的党费."""
    return _grant_org_q(user, f"dues.{action}")


def _grant_org_q(user, permission: str) -> Q | None:
    """Organizations the user's grants holding ``permission`` open, not own-only (None: all)."""
    if user.is_superuser:
        return None
    combined = _NONE
    for grant in active_grants(user):
        if not role_allows(grant.role, permission) or role_owns_only(grant.role, permission):
            continue
        if grant.scope == Scope.ALL:
            return None
        if grant.scope == Scope.ORG_SUBTREE and grant.org_id:
            combined |= Q(path__startswith=grant.org.path)
        elif grant.scope == Scope.ORG_ONLY and grant.org_id:
            combined |= Q(pk=grant.org_id)
    return combined


def dues_branches(user, action: str = VIEW) -> QuerySet:
    """Organizations with party members whose dues the user may ``action``, by path."""
    org_q = _dues_org_q(user, action)
    orgs = scoped(user, Organization, VIEW)
    if org_q is not None:
        orgs = orgs.filter(org_q)
    members = scoped(user, Member, VIEW).filter(party_stage__in=PARTY_STAGES)
    return orgs.filter(pk__in=members.values("branch_id")).order_by("path")


def may_manage(user, branch, action: str = VIEW) -> bool:
    return branch is not None and dues_branches(user, action).filter(pk=branch.pk).exists()


def branch_party_members(user, branch, *, action: str = VIEW, query: str = "") -> QuerySet:
    """The party members of ``branch`` whose dues the user may ``action`` (none when the branch
    is outside the user's dues scope)."""
    members = scoped(user, Member, VIEW).filter(branch=branch, party_stage__in=PARTY_STAGES)
    if not may_manage(user, branch, action):
        return members.none()
    query = (query or "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL in text
    if query:
        norm = normalize_name(query)
        members = members.filter(
            Q(name_norm__contains=norm) | Q(name_initials__startswith=query.lower()) | Q(volunteer_no=query)
        )
    return (
        members.select_related("branch")
        .only("pk", "name", "volunteer_no", "branch__name", "branch__path", "party_stage", "user_id", "name_initials")
        .order_by("name_initials", "id")
    )


@dataclass
class StatementRow:
    member: Member
    rate: DuesRate | None
    due: Decimal | None
    payment: DuesPayment | None
    arrears: dues.Arrears

    @property
    def owed(self) -> Decimal:
        return self.arrears.owed

    @property
    def flagged(self) -> bool:
        return self.arrears.flagged

    @property
    def rate_pct(self) -> str:
        return f"{dues._pct(self.rate.rate)}%" if self.rate and self.rate.rate else ""


@dataclass
class Statement:
    branch: Organization
    month: datetime.date
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return sum((r.due or ZERO for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.payment.amount for r in self.rows if r.payment), ZERO)

    @property
    def paid_count(self) -> int:
        return sum(1 for r in self.rows if r.payment)

    @property
    def unpaid(self) -> list[StatementRow]:
        return [r for r in self.rows if r.payment is None and r.due is not None]

    @property
    def no_rate(self) -> list[StatementRow]:
        return [r for r in self.rows if r.rate is None]

    @property
    def flagged(self) -> list[StatementRow]:
        return [r for r in self.rows if r.flagged]

    @property
    def owed(self) -> Decimal:
        return sum((r.owed for r in self.rows), ZERO)


def _rates_and_payments(user, members: list[Member], through: datetime.date):
    rates: dict[int, list[DuesRate]] = {}
    payments: dict[int, list[DuesPayment]] = {}
    ids = [m.pk for m in members]
    for rate in scoped(user, DuesRate).filter(member_id__in=ids):
        rates.setdefault(rate.member_id, []).append(rate)
    for payment in scoped(user, DuesPayment).filter(
        member_id__in=ids, voided_at__isnull=True, month__lte=dues.add_months(through, MAX_MONTHS_AHEAD)
    ):
        payments.setdefault(payment.member_id, []).append(payment)
    return rates, payments


def arrears_through(today: datetime.date | None = None) -> datetime.date:
    """Dues are counted through the current month."""
    return dues.month_start(today or timezone.localdate())


def month_statement(user, branch, month: datetime.date, *, query: str = "") -> Statement:
    """The branch's statement for ``month``: every party member with base, rate, due, payment,
    and what they owe through the later of this month and ``month``."""
    month = dues.month_start(month)
    through = max(month, arrears_through())
    members = list(branch_party_members(user, branch, query=query))
    rates, payments = _rates_and_payments(user, members, through)
    statement = Statement(branch=branch, month=month)
    for member in members:
        mine = rates.get(member.pk, [])
        paid = payments.get(member.pk, [])
        rate = dues.rate_for(mine, month)
        payment = next((p for p in paid if p.month == month), None)
        statement.rows.append(
            StatementRow(
                member=member,
                rate=rate,
                due=rate.amount if rate else None,
                payment=payment,
                arrears=dues.arrears(mine, [p for p in paid if p.month <= through], arrears_through()),
            )
        )
    return statement


@dataclass
class YearRow:
    member: Member
    cells: list  # 12 × (due or None, payment or None)
    due: Decimal
    paid: Decimal
    flagged: bool


def year_statement(user, branch, year: int, *, query: str = "") -> dict:
    """12 months × the branch's party members: each month's due and payment, totals per member,
    per month and for the year."""
    first = datetime.date(year, 1, 1)
    months = dues.months_between(first, datetime.date(year, 12, 1))
    through = max(months[-1], arrears_through())
    members = list(branch_party_members(user, branch, query=query))
    rates, payments = _rates_and_payments(user, members, through)
    rows = []
    month_due = [ZERO] * 12
    month_paid = [ZERO] * 12
    for member in members:
        mine = rates.get(member.pk, [])
        paid = {p.month: p for p in payments.get(member.pk, [])}
        cells, due_total, paid_total = [], ZERO, ZERO
        for i, month in enumerate(months):
            rate = dues.rate_for(mine, month)
            payment = paid.get(month)
            due = rate.amount if rate else None
            cells.append((due, payment))
            if due is not None:
                due_total += due
                month_due[i] += due
            if payment is not None:
                paid_total += payment.amount
                month_paid[i] += payment.amount
        flagged = dues.arrears(mine, [p for p in paid.values() if p.month <= through], arrears_through()).flagged
        rows.append(YearRow(member, cells, due_total, paid_total, flagged))
    return {
        "branch": branch,
        "year": year,
        "months": months,
        "rows": rows,
        "month_due": month_due,
        "month_paid": month_paid,
        "due": sum(month_due, ZERO),
        "paid": sum(month_paid, ZERO),
    }


def members_in_arrears(user, action: str = VIEW) -> list[tuple[Member, dues.Arrears]]:
    """Every party member in the user's dues scope with six or more consecutive unpaid months
    (through this month), the longest run first."""
    org_q = _dues_org_q(user, action)
    members = scoped(user, Member, VIEW).filter(party_stage__in=PARTY_STAGES)
    if org_q is not None:
        members = members.filter(branch__in=scoped(user, Organization, VIEW).filter(org_q).values("pk"))
    members = list(
        members.filter(pk__in=scoped(user, DuesRate).values("member_id"))
        .select_related("branch")
        .only("pk", "name", "branch__name", "branch__path", "user_id", "party_stage")
    )
    through = arrears_through()
    rates, payments = _rates_and_payments(user, members, through)
    flagged = []
    for member in members:
        result = dues.arrears(
            rates.get(member.pk, []), [p for p in payments.get(member.pk, []) if p.month <= through], through
        )
        if result.flagged:
            flagged.append((member, result))
    flagged.sort(key=lambda pair: (-pair[1].longest_run, pair[0].name))
    return flagged


def my_dues(user) -> dict | None:
    """我的党费: the signed-in member's rate, the months paid and owed (None when not a member)."""
    member = own_member(user)
    if member is None:
        return None
    rates = list(scoped(user, DuesRate).filter(member=member).order_by("-start_month"))
    payments = list(scoped(user, DuesPayment).filter(member=member, voided_at__isnull=True).order_by("-month"))
    through = arrears_through()
    result = dues.arrears(rates, [p for p in payments if p.month <= through], through)
    return {
        "member": member,
        "rate": dues.rate_for(rates, through),
        "rates": rates,
        "payments": payments[:36],
        "arrears": result,
        "unpaid": [m for m in reversed(result.months) if not m.is_paid],
    }


def member_dues(user, member: Member) -> dict:
    """One member's rates, payments (voided ones too) and arrears, for the payment and rate forms."""
    rates = list(scoped(user, DuesRate).filter(member=member).order_by("-start_month"))
    payments = list(
        scoped(user, DuesPayment).filter(member=member).select_related("voided_by", "created_by").order_by("-month")
    )
    through = arrears_through()
    live = [p for p in payments if not p.is_voided and p.month <= through]
    result = dues.arrears(rates, live, through)
    return {
        "member": member,
        "rate": dues.rate_for(rates, through),
        "rates": rates,
        "payments": payments[:60],
        "arrears": result,
        "unpaid": [m for m in result.months if not m.is_paid],
    }


def payments_list(user, *, branch=None, member=None, month=None, include_voided=False) -> QuerySet:
    payments = scoped(user, DuesPayment).select_related("member", "member__branch")
    if branch is not None:
        payments = payments.filter(member__branch=branch)
    if member is not None:
        payments = payments.filter(member=member)
    if month is not None:
        payments = payments.filter(month=dues.month_start(month))
    if not include_voided:
        payments = payments.filter(voided_at__isnull=True)
    return payments.defer("member__id_number", "member__phone").order_by("-month", "member_id")


def rates_list(user, *, branch=None, member=None) -> QuerySet:
    rates = scoped(user, DuesRate).select_related("member", "member__branch")
    if branch is not None:
        rates = rates.filter(member__branch=branch)
    if member is not None:
        rates = rates.filter(member=member)
    return rates.defer("member__id_number", "member__phone").order_by("member_id", "-start_month")

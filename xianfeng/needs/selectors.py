"""Reads of the needs ledger. Every selector starts from ``scoped()`` (DESIGN.md §4.2)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.personal import ExactSearchLimited
from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.text import normalize_name
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.selectors import current_teams, own_member

from .models import OPEN_STATUSES, Category, Need, Status

# "status" filter values beyond the model's: every need still to be worked on.
STATUS_OPEN_ANY = "active"
EVIDENCE_LIMIT = 30
# Encrypted columns decrypt on load: the ledger shows names only.
_DEFERRED = ("resident__id_number", "resident__phone", "household__phone")


def need_list(*, user, include_voided: bool = False) -> QuerySet:
    needs = scoped(user, Need).select_related(
        "resident__village", "household__head", "household__village", "assigned_member", "assigned_team", "org"
    )
    if not include_voided:
        needs = needs.filter(voided_at__isnull=True)
    return needs.defer(*_DEFERRED, "household__head__id_number", "household__head__phone")


def overdue_q(today: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_on__lt=today, voided_at__isnull=True)


@dataclass
class NeedFilters:
    """The list's and the API's filters, already parsed (the forms and schemas bound them)."""

    q: str = ""
    category: str = ""
    status: str = ""
    township: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue: bool = False
    mine: bool = False
    team: int | None = None
    resident: int | None = None
    household: int | None = None
    voided: bool = False
    problems: list = field(default_factory=list)


def _search(user, needs: QuerySet, query: str) -> tuple[QuerySet, str]:
    """The title, the raiser's name, or the resident / household head by name (简/繁), pinyin
    initials or an exact phone / ID number (logged by the personal-data module)."""
    found = Q(title__icontains=query) | Q(raised_by_name__icontains=query)
    name = normalize_name(query)
    if name and name != query:
        found |= Q(title__icontains=name)
    try:
        residents = scoped(user, Resident).filter(resident_selectors.search_q(query, user=user)).values("pk")
        households = (
            scoped(user, Household).filter(resident_selectors.search_q(query, Household, user=user)).values("pk")
        )
    except ExactSearchLimited as exc:
        return needs.filter(found), str(exc)
    # A household matches its own needs (those of no one member): a search for the head's name
    # should not list what the rest of the family asked for.
    by_household = Q(resident__isnull=True, household__in=households)
    return needs.filter(found | Q(resident__in=residents) | by_household), ""


def filtered_needs(user, filters: NeedFilters, *, with_status: bool = True) -> tuple[QuerySet, str]:
    """The ledger's rows for ``filters`` (newest first), and a problem to show (a refused search).
    ``with_status=False`` leaves the status filter out (the counts by status above the list)."""
    needs = need_list(user=user, include_voided=filters.voided)
    today = timezone.localdate()
    if filters.category:
        needs = needs.filter(category=filters.category)
    if with_status and filters.status == STATUS_OPEN_ANY:
        needs = needs.filter(status__in=OPEN_STATUSES)
    elif with_status and filters.status:
        needs = needs.filter(status=filters.status)
    if filters.township:
        column = {6: "county_code", 9: "township_code", 12: "village_code"}.get(len(filters.township))
        needs = needs.filter(**{column: filters.township}) if column else needs.none()
    if filters.date_from:
        needs = needs.filter(raised_on__gte=filters.date_from)
    if filters.date_to:
        needs = needs.filter(raised_on__lte=filters.date_to)
    if filters.overdue:
        needs = needs.filter(overdue_q(today))
    if filters.mine:
        needs = needs.filter(mine_q(user))
    if filters.team:
        needs = needs.filter(assigned_team_id=filters.team)
    if filters.resident:
        needs = needs.filter(resident_id=filters.resident)
    if filters.household:
        needs = needs.filter(household_id=filters.household)
    problem = ""
    if filters.q:
        needs, problem = _search(user, needs, filters.q.strip())
    return needs.order_by("-raised_on", "-id"), problem


def mine_q(user) -> Q:
    """Needs assigned to the user's member, or to a team they serve in now."""
    member = own_member(user)
    if member is None:
        return Q(pk__in=[])
    return Q(assigned_member=member) | Q(assigned_team__in=current_teams(user).values("pk"))


def status_counts(needs: QuerySet) -> dict[str, int]:
    """{status: n} plus "overdue", in one query."""
    today = timezone.localdate()
    aggregates = {value: Count("pk", filter=Q(status=value)) for value in Status.values}
    aggregates["overdue"] = Count("pk", filter=overdue_q(today))
    return needs.order_by().aggregate(**aggregates)


def evidence_candidates(user, need: Need) -> QuerySet:
    """Live records the user may see, for the need's resident or household (or one of its
    members), served since the need was raised: what may prove it resolved."""
    subject = Q(pk__in=[])
    if need.resident_id:
        subject |= Q(resident_id=need.resident_id)
    if need.household_id:
        members = scoped(user, Resident, VIEW).filter(household_id=need.household_id).values("pk")
        subject |= Q(household_id=need.household_id) | Q(resident__in=members)
    return (
        scoped(user, ServiceRecord)
        .filter(subject, voided_at__isnull=True, served_on__gte=need.raised_on)
        .select_related("service_type", "resident")
        .prefetch_related("providers__member")
        .order_by("-served_on", "-id")[:EVIDENCE_LIMIT]
    )


def category_label(value: str) -> str:
    return dict(Category.choices).get(value, value)

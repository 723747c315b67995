"""Reads of honours and outputs (issue 13 §5). Every selector starts from ``scoped()``."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from xianfeng.accounts.scoping import scoped
from xianfeng.orgs.models import Organization

from .models import Honour, Output


@dataclass
class HonourFilters:
    q: str = ""
    level: str = ""
    kind: str = ""  # outputs
    year: int | None = None
    org: int | None = None
    voided: bool = False


def _subtree(user, qs: QuerySet, org_id: int | None) -> QuerySet:
    """Rows of the organization ``org_id`` (one the user may see) and those below it."""
    if not org_id:
        return qs
    path = scoped(user, Organization).filter(pk=org_id).values_list("path", flat=True).first()
    return qs.filter(org__path__startswith=path) if path else qs.none()


def honour_list(user, filters: HonourFilters) -> QuerySet:
    honours = scoped(user, Honour).select_related("org", "member")
    if not filters.voided:
        honours = honours.filter(voided_at__isnull=True)
    if filters.q:
        honours = honours.filter(
            Q(title__icontains=filters.q) | Q(issuer__icontains=filters.q) | Q(member__name__icontains=filters.q)
        )
    if filters.level:
        honours = honours.filter(level=filters.level)
    if filters.year:
        honours = honours.filter(awarded_on__year=filters.year)
    return _subtree(user, honours, filters.org).order_by("-awarded_on", "-id")


def output_list(user, filters: HonourFilters) -> QuerySet:
    outputs = scoped(user, Output).select_related("org")
    if not filters.voided:
        outputs = outputs.filter(voided_at__isnull=True)
    if filters.q:
        outputs = outputs.filter(Q(title__icontains=filters.q) | Q(issue_no__icontains=filters.q))
    if filters.kind:
        outputs = outputs.filter(kind=filters.kind)
    if filters.year:
        outputs = outputs.filter(published_on__year=filters.year)
    return _subtree(user, outputs, filters.org).order_by("-published_on", "-id")


def counts_by(qs: QuerySet, column: str, choices) -> list[tuple[str, str, int]]:
    """[(value, label, n)] of live rows by ``column``, in the choices' order (one query)."""
    found = dict(qs.order_by().values_list(column).annotate(n=Count("pk")))
    return [(value, label, found[value]) for value, label in choices if found.get(value)]


@dataclass
class OrgHonours:
    honours: list
    honour_count: int
    outputs: list
    output_counts: list


def org_honours(user, org, *, last: int = 5) -> OrgHonours:
    """The org page's panel: the honours of the organization and below (its own and its
    members'), and its outputs counted by kind, the last few of each. Four queries."""
    honours = scoped(user, Honour).filter(voided_at__isnull=True, org__path__startswith=org.path)
    outputs = scoped(user, Output).filter(voided_at__isnull=True, org__path__startswith=org.path)
    return OrgHonours(
        honours=list(honours.select_related("org", "member").order_by("-awarded_on", "-id")[:last]),
        honour_count=honours.count(),
        outputs=list(outputs.order_by("-published_on", "-id")[:last]),
        output_counts=counts_by(outputs, "kind", Output.Kind.choices),
    )

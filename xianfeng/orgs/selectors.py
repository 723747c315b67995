from django.db.models import Q, QuerySet

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.core.text import looks_like_initials, normalize_name

from . import rules
from .models import Organization


def org_list(*, user, query: str = "", kind: str = "", include_dissolved: bool = False) -> QuerySet:
    qs = scoped(user, Organization, VIEW).select_related("parent")
    if not include_dissolved:
        qs = qs.filter(active_to__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(name_matches(query))
    return qs.order_by("path")


def name_matches(query: str, prefix: str = "") -> Q:
    """Match on the normalized name (Traditional or Simplified) or on pinyin initials."""
    q = Q(**{f"{prefix}name_norm__contains": normalize_name(query)})
    if looks_like_initials(query):
        q |= Q(**{f"{prefix}name_initials__startswith": query.strip().lower()})
    return q


def org_parent_choices(*, user, exclude: Organization | None = None, kind: str = "") -> QuerySet:
    """Orgs the user may hang a new or moved org under: in change scope, active, no cycle, and
    (given the kind of the org to place) of a kind it may sit under (orgs.rules)."""
    qs = scoped(user, Organization, CHANGE).filter(active_to__isnull=True)
    if exclude is not None:
        qs = qs.exclude(path__startswith=exclude.path)
    if kind:
        qs = qs.filter(kind__in=rules.allowed_parent_kinds(kind))
    return qs.order_by("path")

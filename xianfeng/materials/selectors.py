"""Reads of materials: every selector starts from ``scoped()`` (DESIGN.md §4.2)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.members.selectors import orgs_for

from .models import Distribution, Item, Receipt, Stock

# Encrypted columns decrypt on load: the materials pages show names only.
PERSONAL_COLUMNS = (
    "resident__id_number",
    "resident__phone",
    "household__phone",
    "household__head__id_number",
    "household__head__phone",
)
LOW_STOCK = 10  # pieces, copies…: below this a holder is told to restock (money is never "low")


def holding_orgs(user, action: str = CHANGE) -> QuerySet:
    """Organizations that may hold stock for ``user``: where they hold materials.<action>,
    not dissolved (the choices of "接收组织" / "发放组织")."""
    today = timezone.localdate()
    return (
        orgs_for(user, f"materials.{action}")
        .filter(Q(active_to__isnull=True) | Q(active_to__gt=today))
        .order_by("path")
    )


def items_for(user, *, include_inactive: bool = False) -> QuerySet:
    items = scoped(user, Item).select_related("service_type")
    return items if include_inactive else items.filter(active=True)


def stock_list(user, *, action: str = VIEW) -> QuerySet:
    return scoped(user, Stock, action).select_related("org", "item").order_by("org__path", "item__sort_order")


def receipt_list(user, *, include_voided: bool = False) -> QuerySet:
    rows = scoped(user, Receipt).select_related("org", "item", "activity")
    return rows if include_voided else rows.filter(voided_at__isnull=True)


def distribution_list(user, *, include_voided: bool = False) -> QuerySet:
    rows = (
        scoped(user, Distribution)
        .select_related("org", "item", "resident", "household__head", "activity", "recipient_org")
        .defer(*PERSONAL_COLUMNS)
    )
    return rows if include_voided else rows.filter(voided_at__isnull=True)


def stock_of(user, org, item) -> Stock | None:
    """The stock row the user may see for ``org`` × ``item`` (None: nothing held yet)."""
    if org is None or item is None:
        return None
    return scoped(user, Stock).filter(org=org, item=item).select_related("item", "org").first()

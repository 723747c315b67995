"""捐赠公示: the donation ledger a branch posts on its noticeboard (issue 12 §3).

Who gave what (a donor's name only where they agreed to it being shown, else 爱心人士), how
much came in, and where it went **in aggregate**: by kind of recipient and township, and to
organizations by name. Never a resident's or a household's name, ID, phone or village, and no
count small enough to single someone out: a township where fewer than ``SMALL`` residents or
households received an item shows "<5" instead of the number.

Read through ``scoped()`` like every selector; the page, its xlsx and the API share ``ledger()``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.regions.models import Region

from .models import Distribution, Receipt

SMALL = 5
Kind = Distribution.RecipientKind
PERSON_KINDS = (Kind.RESIDENT, Kind.HOUSEHOLD)


@dataclass
class LedgerRow:
    label: str  # a donor as shown, or where it went
    kind: str  # 捐赠方类型 / 发放对象 as shown
    item: str
    unit: str
    quantity: Decimal
    value_yuan: Decimal | None = None
    recipients: str = ""  # "12", "<5" or "" (not a count of people)


@dataclass
class Ledger:
    date_from: datetime.date | None
    date_to: datetime.date | None
    org_name: str
    received: list[LedgerRow] = field(default_factory=list)
    given: list[LedgerRow] = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)  # per item: received, given


def donor_label(kind: str, donor_kind: str, donor_name: str, donor_public: bool, org_name: str) -> str:
    if kind == Receipt.Kind.PRODUCED:
        return _("自制（%(o)s）") % {"o": org_name}
    if kind == Receipt.Kind.PURCHASED:
        return _("采购（%(o)s）") % {"o": org_name}
    if donor_kind == Receipt.DonorKind.ANONYMOUS or not donor_public or not donor_name:
        return _("爱心人士")
    return donor_name


def small_count(n: int) -> str:
    return f"<{SMALL}" if 0 < n < SMALL else str(n)


def _period(qs, column: str, date_from, date_to, org):
    if date_from:
        qs = qs.filter(**{f"{column}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{column}__lte": date_to})
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    return qs.filter(voided_at__isnull=True)


def _received(user, date_from, date_to, org) -> list[LedgerRow]:
    rows = (
        _period(scoped(user, Receipt, VIEW), "received_on", date_from, date_to, org)
        .values(
            "kind",
            "donor_kind",
            "donor_name",
            "donor_public",
            "org__name",
            "item__name",
            "item__unit",
            "item__sort_order",
        )
        .annotate(q=Sum("quantity"), v=Sum("value_yuan"))
    )
    merged: dict[tuple, LedgerRow] = {}
    kinds = dict(Receipt.DonorKind.choices) | dict(Receipt.Kind.choices)
    for r in rows:
        label = donor_label(r["kind"], r["donor_kind"], r["donor_name"], r["donor_public"], r["org__name"])
        shown_kind = kinds.get(r["donor_kind"] or r["kind"], "")
        if label == _("爱心人士"):
            shown_kind = kinds[Receipt.DonorKind.ANONYMOUS] if r["donor_kind"] == "anonymous" else _("不公示")
        key = (label, str(shown_kind), r["item__name"])
        row = merged.get(key)
        if row is None:
            row = merged[key] = LedgerRow(label, str(shown_kind), r["item__name"], r["item__unit"], Decimal("0"))
            row.sort = (r["item__sort_order"], label)
        row.quantity += r["q"]
        if r["v"] is not None:
            row.value_yuan = (row.value_yuan or Decimal("0")) + r["v"]
    return sorted(merged.values(), key=lambda row: row.sort)


def _given(user, date_from, date_to, org) -> list[LedgerRow]:
    base = _period(scoped(user, Distribution, VIEW), "served_on", date_from, date_to, org)
    item_cols = ("item__name", "item__unit", "item__sort_order")
    out: list[LedgerRow] = []
    kinds = dict(Kind.choices)
    # Residents and households: by township, with the number of distinct recipients.
    people = (
        base.filter(recipient_kind__in=PERSON_KINDS)
        .values("recipient_kind", "township_code", *item_cols)
        .annotate(
            q=Sum("quantity"),
            residents=Count("resident", distinct=True),
            households=Count("household", distinct=True),
        )
    )
    towns = dict(
        Region.objects.filter(code__in={r["township_code"] for r in people if r["township_code"]}).values_list(
            "code", "name"
        )
    )
    for r in people:
        n = r["residents"] if r["recipient_kind"] == Kind.RESIDENT else r["households"]
        where = towns.get(r["township_code"], _("未注明乡镇"))
        out.append(_row(where, kinds[r["recipient_kind"]], r, small_count(n)))
    # Activities: by the activity's township (a public event), with no count of people.
    events = base.filter(recipient_kind=Kind.ACTIVITY).values("township_code", *item_cols).annotate(q=Sum("quantity"))
    event_towns = dict(
        Region.objects.filter(code__in={r["township_code"] for r in events if r["township_code"]}).values_list(
            "code", "name"
        )
    )
    for r in events:
        out.append(_row(event_towns.get(r["township_code"], _("未注明乡镇")), kinds[Kind.ACTIVITY], r))
    # Organizations: by name, ours or outside.
    orgs = (
        base.filter(recipient_kind=Kind.ORGANIZATION)
        .values("recipient_org__name", "recipient_name", *item_cols)
        .annotate(q=Sum("quantity"))
    )
    for r in orgs:
        out.append(_row(r["recipient_org__name"] or r["recipient_name"], kinds[Kind.ORGANIZATION], r))
    # The families of outbound staff: how many households, never who.
    families = (
        base.filter(recipient_kind=Kind.OUTBOUND_FAMILIES)
        .values(*item_cols)
        .annotate(q=Sum("quantity"), h=Sum("households_count"))
    )
    for r in families:
        out.append(_row(_("一线人员家属"), kinds[Kind.OUTBOUND_FAMILIES], r, small_count(r["h"] or 0) + _("户")))
    return sorted(out, key=lambda row: row.sort)


def _row(label: str, kind, r: dict, recipients: str = "") -> LedgerRow:
    row = LedgerRow(label, str(kind), r["item__name"], r["item__unit"], r["q"], recipients=recipients)
    row.sort = (r["item__sort_order"], str(kind), label)
    return row


def ledger(user, *, date_from=None, date_to=None, org=None) -> Ledger:
    """The ledger of what ``user`` may see, for a period and an organization's subtree."""
    result = Ledger(date_from, date_to, org.name if org is not None else "")
    result.received = _received(user, date_from, date_to, org)
    result.given = _given(user, date_from, date_to, org)
    totals: dict[str, dict] = defaultdict(lambda: {"received": Decimal("0"), "given": Decimal("0")})
    order: dict[str, tuple] = {}
    for row in result.received:
        totals[row.item]["received"] += row.quantity
        totals[row.item]["unit"] = row.unit
        order[row.item] = row.sort
    for row in result.given:
        totals[row.item]["given"] += row.quantity
        totals[row.item]["unit"] = row.unit
        order.setdefault(row.item, row.sort)
    result.totals = [{"item": name, **values} for name, values in sorted(totals.items(), key=lambda t: order[t[0]])]
    return result

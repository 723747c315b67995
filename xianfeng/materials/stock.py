"""Stock rows: the one place that reads and moves what a holding organization has.

Every movement locks the (org, item) row with ``select_for_update`` inside the caller's
transaction, so two distributions racing for the last ten masks are serialised: the second
reads the stock the first left and is refused. The CHECK constraint (stock_never_negative) is
the database's last word if a bug ever let a movement through.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from .models import Distribution, Item, Receipt, Stock

ZERO = Decimal("0")


def amount(value: Decimal, item: Item) -> str:
    """3000.00 件 -> "3000件"; 1234.50 元 -> "1234.5元"."""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return f"{text}{item.unit}"


def locked_stock(org, item: Item) -> Stock:
    """The stock row of ``org`` × ``item``, created at zero if missing, locked until the
    transaction ends (call inside one)."""
    Stock.objects.get_or_create(org=org, item=item)
    return Stock.objects.select_for_update(of=("self",)).select_related("item", "org").get(org=org, item=item)


def stock_add(stock: Stock, quantity: Decimal) -> Stock:
    stock.quantity += quantity
    stock.save(update_fields=["quantity", "updated_at"])
    return stock


def stock_take(stock: Stock, quantity: Decimal, *, field: str = "quantity", message: str = "") -> Stock:
    """Take ``quantity`` out of a locked stock row, or refuse with the stock shown."""
    if quantity > stock.quantity:
        text = message or _("库存不足：%(org)s 现有%(item)s %(s)s，不能发放 %(q)s")
        raise ValidationError(
            {
                field: text
                % {
                    "org": stock.org.name,
                    "item": stock.item.name,
                    "s": amount(stock.quantity, stock.item),
                    "q": amount(quantity, stock.item),
                }
            }
        )
    stock.quantity -= quantity
    stock.save(update_fields=["quantity", "updated_at"])
    return stock


def expected_stock(org=None) -> dict[tuple[int, int], Decimal]:
    """{(org id, item id): live receipts − live distributions}, from the facts alone."""
    receipts = Receipt.objects.filter(voided_at__isnull=True)
    distributions = Distribution.objects.filter(voided_at__isnull=True)
    if org is not None:
        receipts = receipts.filter(org=org)
        distributions = distributions.filter(org=org)
    totals: dict[tuple[int, int], Decimal] = {}
    for row in receipts.values("org_id", "item_id").annotate(q=Sum("quantity")):
        totals[(row["org_id"], row["item_id"])] = row["q"]
    for row in distributions.values("org_id", "item_id").annotate(q=Sum("quantity")):
        key = (row["org_id"], row["item_id"])
        totals[key] = totals.get(key, ZERO) - row["q"]
    return totals


def stock_recount(*, org=None, fix: bool = False, acting_user=None) -> list[dict]:
    """Compare every stock row with what the receipts and distributions say it should be.

    Returns the differences as dicts (org, item, stored, expected). With ``fix`` the stored
    rows are set to the expected values (each logged); a negative expectation is never written
    (it means a fact is wrong, which a person must sort out) and stays in the answer."""
    expected = expected_stock(org)
    rows = Stock.objects.select_related("org", "item")
    if org is not None:
        rows = rows.filter(org=org)
    stored = {(s.org_id, s.item_id): s for s in rows}
    differences = []
    for key in sorted(set(expected) | set(stored)):
        want = expected.get(key, ZERO)
        stock = stored.get(key)
        have = stock.quantity if stock is not None else ZERO
        if want == have:
            continue
        differences.append({"org_id": key[0], "item_id": key[1], "stored": have, "expected": want, "stock": stock})
        if fix and want >= 0:
            if stock is None:
                stock = Stock.objects.create(org_id=key[0], item_id=key[1], quantity=want)
            else:
                stock.quantity = want
                stock.save(update_fields=["quantity", "updated_at"])
            changelog_write(
                actor=acting_user,
                action=ChangeLog.Action.UPDATE,
                obj=stock,
                before={"quantity": str(have)},
                after={"quantity": str(want)},
                note=_("按入库与发放重新核算库存"),
            )
    return differences

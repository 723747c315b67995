"""Objects of the materials areas for the generated access matrix (xianfeng/core/tests/access.py).

* Item (``materialitems``, 表七): catalogue data in no organization or place, one per relation,
  none owned (read by all, edited by administrators over 全部, like the service types).
* Receipt and Stock (``materials``) belong to the holding organization of the relation, not to a
  place: none in IN_REGION. OWN receipt: one the user under test entered (``created_by``), held
  by an organization nobody is granted; stock has no owner (none in OWN).
* Distribution (``materials``): a counted fact of the relation's holding organization, in the
  relation's village (the recipient's); OWN: one the user entered, placed elsewhere.

A stock row shows only its organization, its item and its quantity; the item catalogue is public
(its names appear in every item filter), so each row is of an item of its own, retired from the
catalogue, and is marked by a quantity no other object has (one per relation).

Written directly with the models, without services (no stock arithmetic, no derived service
record: ``record`` stays None): the matrix needs objects where no user may put them.
"""

import itertools
from decimal import Decimal

from django.utils import timezone

from xianfeng.core.tests.access import ELSEWHERE, IN_CHILD, IN_ORG, IN_REGION, IN_SIBLING, LABELS, OWN, object_maker
from xianfeng.materials.models import Distribution, Item, ItemCategory, Receipt, Stock
from xianfeng.servicelog.models import Unit
from xianfeng.servicelog.tests.factories import service_type

_numbers = itertools.count(1)


def _item(code: str, name: str, *, active: bool = True) -> Item:
    row, _created = Item.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "category": ItemCategory.OTHER,
            "unit": Unit.PIECE,
            "service_type": service_type("donation_goods"),
            "active": active,
        },
    )
    return row


def _common_item() -> Item:
    # Shared by every receipt and distribution: a catalogue name everybody may read.
    return _item("matrix-goods", "矩阵测试物资")


@object_maker(Item, marker=lambda item: item.name)
def item(world, relation, user):
    if relation == OWN:
        return None
    return _item(f"matrix-{relation.replace('_', '-')}", f"{LABELS[relation]}物资品类")


@object_maker(Receipt, marker=lambda receipt: receipt.donor_name)
def receipt(world, relation, user):
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    n = next(_numbers)
    return Receipt.objects.create(
        org=world.orgs[relation],
        item=_common_item(),
        quantity=Decimal("100"),
        value_yuan=Decimal("250"),
        received_on=timezone.localdate(),
        kind=Receipt.Kind.DONATED,
        donor_kind=Receipt.DonorKind.COMPANY,
        donor_name=f"{LABELS[relation]}捐赠人{n}",
        receipt_number=f"MATRIX-{n}",
        created_by=user if relation == OWN else None,
    )


@object_maker(Distribution, marker=lambda distribution: distribution.recipient_name)
def distribution(world, relation, user):
    if relation == OWN and user is None:
        return None
    row = Distribution(
        org=world.orgs[relation],
        served_on=timezone.localdate(),
        item=_common_item(),
        quantity=Decimal("10"),
        recipient_kind=Distribution.RecipientKind.ORGANIZATION,
        recipient_name=f"{LABELS[relation]}敬老院{next(_numbers)}",
        created_by=user if relation == OWN else None,
    )
    row.set_place(world.villages[relation])
    row.save()
    return row


# Quantities no page shows by chance: the marker of each relation's stock.
STOCK_QUANTITIES = {IN_ORG: "1613.71", IN_CHILD: "2623.72", IN_SIBLING: "3633.73", ELSEWHERE: "5653.75"}


@object_maker(Stock, marker=lambda stock: f"{stock.quantity:f}")
def stock(world, relation, user):
    if relation not in STOCK_QUANTITIES:  # stock belongs to an organization: no place, no owner
        return None
    n = next(_numbers)
    held = _item(f"matrix-stock-{n}", f"矩阵库存物资{n}", active=False)
    return Stock.objects.create(org=world.orgs[relation], item=held, quantity=Decimal(STOCK_QUANTITIES[relation]))

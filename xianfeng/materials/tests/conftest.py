"""The materials world: the shared world (owner = 党办 clerk over 内科党支部's subtree, outsider =
clerk over 外科党支部), a county with residents, and helpers to receive and give out stock."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.materials.models import Item
from xianfeng.materials.services import receipt_create
from xianfeng.materials.services_distributions import distribution_create
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def mw(world):
    county_regions()
    world.branch_a.regions.add(TOWN_A)
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="volunteer")
    clerk_member = MemberFactory(name="王党办", branch=world.branch_a, user=world.owner)
    resident = ResidentFactory(name="冯大爷", village_id=VILLAGE_A)
    return SimpleNamespace(
        world=world,
        owner=world.owner,
        outsider=world.outsider,
        volunteer=volunteer,
        member=clerk_member,
        resident=resident,
        masks=Item.objects.get(code="masks"),
        wheelchair=Item.objects.get(code="wheelchair"),
        money=Item.objects.get(code="money"),
        food=Item.objects.get(code="food"),
    )


def receive(user, org, item, quantity, **fields):
    fields.setdefault("kind", "produced")
    fields.setdefault("received_on", YESTERDAY)
    return receipt_create(acting_user=user, org=org, item=item, quantity=Decimal(str(quantity)), **fields).receipt


def give(user, org, item, quantity, **fields):
    fields.setdefault("recipient_kind", "organization")
    if fields["recipient_kind"] == "organization":
        fields.setdefault("recipient_name", "孤山镇敬老院")
    fields.setdefault("served_on", TODAY)
    return distribution_create(
        acting_user=user, org=org, item=item, quantity=Decimal(str(quantity)), **fields
    ).distribution

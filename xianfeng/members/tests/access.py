"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

import itertools

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.members.models import Member

from .factories import MemberFactory, make_id_number

_serials = itertools.cycle(range(400, 1000))


@object_maker(Member, marker=lambda member: member.name)
def member(world, relation, user):
    if relation == IN_REGION:  # a party member belongs to a branch, not to a place
        return None
    return MemberFactory(
        name=f"{LABELS[relation]}党员",
        branch=world.orgs[relation],
        user=user if relation == OWN else None,
        id_number=make_id_number(serial=next(_serials)),
        phone="13812345678",
    )

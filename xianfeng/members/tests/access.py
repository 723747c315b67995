"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.core.tests.access import object_maker
from xianfeng.members.models import Member

from .factories import MemberFactory, make_id_number


@object_maker(Member)
def member(world, inside: bool):
    branch = world.group_a if inside else world.branch_b
    return MemberFactory(branch=branch, id_number=make_id_number(serial=11 if inside else 12), phone="13812345678")

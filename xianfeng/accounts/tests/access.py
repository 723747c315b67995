from xianfeng.accounts.models import Grant, User
from xianfeng.accounts.roles import Role
from xianfeng.core.tests.access import object_maker
from xianfeng.core.tests.factories import GrantFactory, UserFactory


@object_maker(User)
def user(world, inside: bool):
    return UserFactory(
        org=world.group_a if inside else world.branch_b, display_name="范围内用户" if inside else "范围外用户"
    )


@object_maker(Grant)
def grant(world, inside: bool):
    org = world.group_a if inside else world.branch_b
    return GrantFactory(user=UserFactory(org=org), role=Role.MEMBER, org=org)

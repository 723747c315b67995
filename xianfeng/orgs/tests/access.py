from xianfeng.core.tests.access import object_maker
from xianfeng.orgs.models import Organization


@object_maker(Organization)
def organization(world, inside: bool):
    return world.group_a if inside else world.branch_b

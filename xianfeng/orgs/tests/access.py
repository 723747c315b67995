"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.core.tests.access import OWN, object_maker
from xianfeng.orgs.models import Organization


@object_maker(Organization, marker=lambda org: org.name)
def organization(world, relation, user):
    # The world's own orgs: the grant's branch, its group, the sibling branch, the org serving
    # the granted region, the parent committee. An organization has no owner.
    if relation == OWN:
        return None
    return world.orgs[relation]

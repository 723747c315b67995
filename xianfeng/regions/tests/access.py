"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.core.tests.access import OWN, object_maker
from xianfeng.regions.models import Region


@object_maker(Region, marker=lambda region: region.name)
def region(world, relation, user):
    # Regions are public reference data (every signed-in user may read them); changing one
    # needs a grant that reaches it. The township of each relation; nobody owns a region.
    if relation == OWN:
        return None
    return Region.objects.get(code=world.towns[relation])

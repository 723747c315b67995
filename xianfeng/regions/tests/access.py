from xianfeng.core.tests.access import object_maker
from xianfeng.regions.models import Region


@object_maker(Region)
def region(world, inside: bool):
    # Regions are reference data every signed-in user may read; changes need a region grant.
    return Region.objects.get(code="210681" if inside else "110101")

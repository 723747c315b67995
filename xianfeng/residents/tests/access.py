"""Objects for the generated access matrix: inside = in a village served by branch_a."""

from xianfeng.core.tests.access import object_maker
from xianfeng.residents.models import Household, Resident, ResidentMerge

from .factories import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, HouseholdFactory, ResidentFactory, county_regions


def _place(world, inside: bool) -> str:
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    return VILLAGE_A if inside else VILLAGE_B


@object_maker(Resident)
def resident(world, inside: bool):
    return ResidentFactory(village_id=_place(world, inside), phone="13812345678")


@object_maker(Household)
def household(world, inside: bool):
    return HouseholdFactory(village_id=_place(world, inside))


@object_maker(ResidentMerge)
def merge(world, inside: bool):
    village = _place(world, inside)
    keeper = ResidentFactory(village_id=village)
    merged = ResidentFactory(village_id=village, name=keeper.name, merged_into=keeper)
    return ResidentMerge.objects.create(keeper=keeper, merged=merged)

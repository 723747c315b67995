from types import SimpleNamespace

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant

from .factories import TOWN_A, TOWN_B, county_regions


@pytest.fixture
def county(world):
    """The county's regions; branch_a serves 孤山镇, branch_b serves 前阳镇."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    return regions


@pytest.fixture
def doctors(world, county):
    """精防医生 scoped (by region) to one township each."""
    return SimpleNamespace(
        a=user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doctor_a"),
        b=user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_B, username="doctor_b"),
    )

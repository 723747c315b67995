"""Fixtures of the programs tests: a registered test program, and a doctor and a volunteer
inside branch A's world (core/tests/fixtures.py)."""

import datetime
from types import SimpleNamespace

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs import registry
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions

from .factories import CheckInProgram


@pytest.fixture
def checkin_program():
    registry.register(CheckInProgram)
    yield registry.get_program(CheckInProgram.code)
    registry.unregister(CheckInProgram.code)


@pytest.fixture
def people(world):
    """A doctor (精防医生 over branch A's subtree), a volunteer (org_only branch A) with their
    member, a resident in a village branch A serves, and one in a village nobody serves."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="doctor")
    doctor_member = MemberFactory(name="刘医生", branch=world.branch_a, user=doctor)
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=volunteer)
    resident = ResidentFactory(name="李大爷", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    return SimpleNamespace(
        world=world,
        regions=regions,
        doctor=doctor,
        doctor_member=doctor_member,
        volunteer=volunteer,
        member=member,
        resident=resident,
    )

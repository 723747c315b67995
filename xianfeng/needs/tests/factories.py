"""A small world for the needs ledger's tests: 内科党支部 (branch_a) serves 孤山镇, where 李大爷
lives in a household with his wife; a volunteer of branch_a with their member; a secretary of
branch_a; the outsider (a clerk of branch_b) from the shared world."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, HouseholdFactory, ResidentFactory, county_regions
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def needs_world(world) -> SimpleNamespace:
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=volunteer)
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    sec_member = MemberFactory(name="李书记", branch=world.branch_a, user=secretary)
    household = HouseholdFactory(village_id=VILLAGE_A)
    resident = ResidentFactory(
        name="李大爷", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1), household=household
    )
    wife = ResidentFactory(
        name="王大娘", village_id=VILLAGE_A, birth_date=datetime.date(1952, 1, 1), household=household
    )
    household.head = resident
    household.save(update_fields=["head"])
    return SimpleNamespace(
        **vars(world),
        volunteer=volunteer,
        member=member,
        secretary=secretary,
        sec_member=sec_member,
        household=household,
        resident=resident,
        wife=wife,
    )


def delivery(w, *, resident=None, household=None, served_on=None, code="medicine_delivery", org=None):
    """A service record written directly (the evidence a need is resolved with)."""
    return ServiceRecordFactory(
        service_type=service_type(code),
        org=org or w.branch_a,
        resident=resident,
        household=household,
        served_on=served_on or TODAY,
        provider=w.member,
    )

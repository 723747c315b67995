"""Records that another app's fact puts into the figures (servicelog/derived.py): counted like any
record, logged, voided with their fact, and linked back to it from the record's page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, county_regions
from xianfeng.servicelog import hooks
from xianfeng.servicelog.derived import derived_record_create, derived_record_void
from xianfeng.servicelog.models import RecordProvider

from .factories import service_type

TODAY = timezone.localdate()


@pytest.fixture
def setup(world):
    county_regions()
    world.branch_a.regions.add(TOWN_A)
    duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, world.branch_a, username="duty")
    member = MemberFactory(name="周值守", branch=world.branch_a, user=duty)
    leader = user_with_grant(Role.LEADER, Scope.ALL, username="leader")
    return world, duty, member, leader


def _figures(user):
    return metrics_for(user, parse_filter(user, {"from": TODAY.replace(day=1).isoformat(), "to": TODAY.isoformat()}))


def test_a_derived_record_counts_one_person_time_and_its_hours(setup):
    world, duty, member, leader = setup
    before = _figures(leader)
    record = derived_record_create(
        acting_user=duty,
        service_type=service_type("hotline_call"),
        org=world.branch_a,
        served_on=TODAY,
        providers=[(member, Decimal("0.5"))],
        result={"minutes": 30},
    )
    assert record.health  # a hotline call is health data
    assert record.place_code == ""  # an anonymous call adds no township
    assert RecordProvider.objects.get(record=record).hours == Decimal("0.5")
    assert ChangeLog.objects.filter(model="servicelog.ServiceRecord", object_id=str(record.pk)).exists()
    after = _figures(leader)
    assert after["person_times"] == before["person_times"] + 1
    assert after["townships_covered"] == before["townships_covered"]


def test_a_derived_record_takes_its_place_and_quantity(setup):
    world, duty, member, leader = setup
    record = derived_record_create(
        acting_user=duty,
        service_type=service_type("mask_distribution"),
        org=world.branch_a,
        served_on=TODAY,
        place_code=VILLAGE_A,
        quantity=Decimal("3000"),
    )
    assert (record.village_code, record.township_code) == (VILLAGE_A, TOWN_A)
    assert _figures(leader)["quantity"]["件"] == Decimal("3000")


def test_voiding_takes_it_out_of_the_figures(setup):
    world, duty, member, leader = setup
    record = derived_record_create(
        acting_user=duty, service_type=service_type("hotline_call"), org=world.branch_a, served_on=TODAY
    )
    counted = _figures(leader)["person_times"]
    derived_record_void(acting_user=duty, record=record, reason="登记错误")
    record.refresh_from_db()
    assert record.is_voided and record.void_reason == "登记错误"
    assert _figures(leader)["person_times"] == counted - 1


def test_a_future_day_or_a_missing_subject_is_refused(setup):
    world, duty, member, _leader = setup
    with pytest.raises(ValidationError):
        derived_record_create(
            acting_user=duty,
            service_type=service_type("hotline_call"),
            org=world.branch_a,
            served_on=TODAY + datetime.timedelta(days=2),
        )
    with pytest.raises(ValidationError):  # 辅助器具发放 needs a resident or a household
        derived_record_create(
            acting_user=duty, service_type=service_type("assistive_device"), org=world.branch_a, served_on=TODAY
        )


def test_the_record_page_links_back_to_every_fact_behind_it(setup, client):
    world, duty, member, _leader = setup
    record = derived_record_create(
        acting_user=duty, service_type=service_type("mask_distribution"), org=world.branch_a, served_on=TODAY
    )

    def reader(records, user):
        return {r.pk: ("物资发放 #7", "/materials/distributions/7/") for r in records if r.pk == record.pk}

    def second(records, user):
        return {r.pk: ("解决民情：口罩", "/needs/3/") for r in records if r.pk == record.pk}

    hooks.register_source_reader(reader)
    hooks.register_source_reader(second)
    try:
        assert hooks.sources_of([record]) == {record.pk: ("物资发放 #7", "/materials/distributions/7/")}
        clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="clerk")
        client.force_login(clerk)
        page = client.get(reverse("servicelog:record_detail", args=[record.pk])).content.decode()
        assert 'href="/materials/distributions/7/"' in page and "解决民情：口罩" in page
    finally:
        hooks._source_readers.remove(reader)
        hooks._source_readers.remove(second)

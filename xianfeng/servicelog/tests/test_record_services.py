"""Service records through their services: rules, scope, idempotency, voiding."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoping import scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog import services
from xianfeng.servicelog.models import RecordProvider, ServiceRecord

from .factories import service_type

TODAY = timezone.localdate()


@pytest.fixture
def setup(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=volunteer)
    resident = ResidentFactory(name="李大爷", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    return world, volunteer, member, resident


def test_a_volunteer_records_a_medicine_delivery_for_themselves(setup):
    world, volunteer, member, resident = setup
    saved = services.record_create(
        acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident
    )
    record = saved.record
    assert saved.created
    assert record.served_on == TODAY
    assert record.org == world.branch_a
    assert (record.village_code, record.township_code, record.county_code) == (VILLAGE_A, TOWN_A, "210681")
    provider = RecordProvider.objects.get(record=record)
    assert provider.member == member and provider.hours == Decimal("1.0") and provider.township_code == TOWN_A
    logged = ChangeLog.objects.filter(model="servicelog.ServiceRecord", object_id=str(record.pk), action="create")
    assert logged.exists()


def test_the_same_idempotency_key_makes_one_record(setup):
    _world, volunteer, _member, resident = setup
    kwargs = dict(acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident)
    first = services.record_create(idempotency_key="abc-1", **kwargs)
    second = services.record_create(idempotency_key="abc-1", **kwargs)
    assert second.record.pk == first.record.pk and not second.created
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("served_on", {"served_on": TODAY + datetime.timedelta(days=1)}),
        ("served_on", {"served_on": datetime.date(1949, 12, 31)}),
        ("quantity", {"unit": "元"}),
        ("quantity", {"quantity": "0"}),
        ("quantity", {"quantity": "1e12"}),
        ("hours", {"hours": "25"}),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(setup, field, kwargs):
    _world, volunteer, _member, resident = setup
    with pytest.raises(ValidationError) as exc:
        services.record_create(
            acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident, **kwargs
        )
    assert field in exc.value.message_dict
    assert ServiceRecord.objects.count() == 0 and RecordProvider.objects.count() == 0


def test_a_resident_bound_type_needs_a_resident(setup):
    _world, volunteer, _member, _resident = setup
    with pytest.raises(ValidationError) as exc:
        services.record_create(acting_user=volunteer, service_type=service_type("medicine_delivery"))
    assert "resident" in exc.value.message_dict


def test_a_resident_out_of_scope_is_refused(setup):
    _world, volunteer, _member, _resident = setup
    stranger = ResidentFactory(name="外村人", village_id=VILLAGE_B)
    with pytest.raises(ValidationError) as exc:
        services.record_create(acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=stranger)
    assert "resident" in exc.value.message_dict


def test_a_provider_outside_the_users_scope_is_refused(setup):
    world, volunteer, _member, resident = setup
    other = MemberFactory(name="外科某人", branch=world.branch_b)
    with pytest.raises(ValidationError) as exc:
        services.record_create(
            acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident, providers=[other]
        )
    assert "外科某人" in exc.value.message_dict["providers"][0]


def test_health_types_need_the_health_level(setup):
    _world, volunteer, _member, resident = setup
    with pytest.raises(ValidationError) as exc:
        services.record_create(acting_user=volunteer, service_type=service_type("followup_home"), resident=resident)
    assert "service_type" in exc.value.message_dict


def test_health_records_are_hidden_from_roles_without_the_health_level(setup):
    world, volunteer, member, resident = setup
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc")
    MemberFactory(name="张医生", branch=world.branch_a, user=doctor)
    followup = services.record_create(
        acting_user=doctor,
        service_type=service_type("followup_home"),
        resident=resident,
        result={"stability": "稳定"},
    ).record
    delivery = services.record_create(
        acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident
    ).record
    assert followup.result == {"stability": "stable"}
    assert set(scoped(doctor, ServiceRecord)) == {followup, delivery}
    assert set(scoped(volunteer, ServiceRecord)) == {delivery}
    assert set(scoped(world.owner, ServiceRecord)) == {delivery}  # 党办干事 over the branch: no health level


def test_a_region_grant_is_an_equality_on_the_township_column(setup):
    _world, volunteer, _member, resident = setup
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc2")
    sql = str(scoped(doctor, ServiceRecord).query)
    assert f'"township_code" = {TOWN_A}' in sql or f"\"township_code\" = '{TOWN_A}'" in sql


def test_void_takes_the_record_out_and_keeps_it(setup):
    _world, volunteer, _member, resident = setup
    record = services.record_create(
        acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident
    ).record
    with pytest.raises(ValidationError):
        services.record_void(acting_user=volunteer, record=record, reason=" ")
    services.record_void(acting_user=volunteer, record=record, reason="重复登记")
    record.refresh_from_db()
    assert record.is_voided and record.void_reason == "重复登记"
    assert ServiceRecord.objects.live().count() == 0 and ServiceRecord.objects.count() == 1
    assert not RecordProvider.objects.get(record=record).counted
    with pytest.raises(ValidationError):
        services.record_update(acting_user=volunteer, record=record, note="x")


def test_an_outsider_cannot_void(setup):
    world, volunteer, _member, resident = setup
    record = services.record_create(
        acting_user=volunteer, service_type=service_type("medicine_delivery"), resident=resident
    ).record
    with pytest.raises(PermissionDenied):
        services.record_void(acting_user=world.outsider, record=record, reason="x")


def test_bulk_is_all_or_nothing_with_errors_by_position(setup):
    _world, volunteer, _member, resident = setup
    good = {"service_type": service_type("medicine_delivery"), "resident": resident}
    bad = {"service_type": service_type("medicine_delivery")}
    with pytest.raises(ValidationError) as exc:
        services.records_create_bulk(acting_user=volunteer, items=[good, good, bad])
    assert list(exc.value.message_dict) == ["2.resident"]
    assert ServiceRecord.objects.count() == 0
    saved = services.records_create_bulk(acting_user=volunteer, items=[good, good])
    assert len(saved) == 2 and ServiceRecord.objects.count() == 2

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from xianfeng.accounts.scoping import get_scoped_or_404
from xianfeng.audit.models import ChangeLog
from xianfeng.residents import selectors, services
from xianfeng.residents.models import Relation, Resident, ResidentTagKind

from .factories import VILLAGE_A, VILLAGE_B, make_id_number

BIRTH = datetime.date(1965, 3, 2)


@pytest.fixture
def village_a(county):
    return county[VILLAGE_A]


def test_create_derives_birth_and_gender_from_id_and_encrypts(doctors, village_a):
    number = make_id_number(BIRTH, female=True)
    resident = services.resident_create(acting_user=doctors.a, name="陳大文", village=village_a, id_number=number)
    assert resident.birth_date == BIRTH and resident.gender == "F"
    raw = Resident.objects.filter(pk=resident.pk).values_list("id_number", flat=True)
    stored = Resident.objects.raw("SELECT id, id_number FROM residents_resident WHERE id = %s", [resident.pk])[0]
    assert list(raw) == [number]  # decrypted for Python code
    assert number not in stored.__dict__.get("id_number", "") or True
    assert resident.name_norm == "陈大文" and resident.name_initials == "cdw"
    assert ChangeLog.objects.filter(model="residents.Resident", object_id=str(resident.pk), action="create").exists()
    log = ChangeLog.objects.get(model="residents.Resident", object_id=str(resident.pk))
    assert number not in str(log.after)


def test_ciphertext_at_rest(doctors, village_a):
    from django.db import connection

    number = make_id_number(BIRTH)
    services.resident_create(
        acting_user=doctors.a, name="张三", village=village_a, id_number=number, phone="13812345678"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM residents_resident")
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id.startswith("v1:") and number not in stored_id
    assert "13812345678" not in stored_phone


def test_fifteen_digit_number_is_converted(doctors, village_a):
    eighteen = make_id_number(datetime.date(1965, 3, 2), serial=7)
    fifteen = eighteen[:6] + eighteen[8:17]
    resident = services.resident_create(acting_user=doctors.a, name="李四", village=village_a, id_number=fifteen)
    assert resident.id_number == eighteen


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id_number": "210681196503021230"}, "id_number"),  # wrong checksum
        ({"id_number": make_id_number(BIRTH), "birth_date": datetime.date(1966, 3, 2)}, "birth_date"),
        ({"id_number": make_id_number(BIRTH), "gender": "F"}, "gender"),
        ({"phone": "12ab"}, "phone"),
    ],
)
def test_bad_identity_is_rejected(doctors, village_a, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.resident_create(acting_user=doctors.a, name="王五", village=village_a, **changes)
    assert field in exc.value.message_dict


def test_one_person_per_id_number(doctors, village_a):
    number = make_id_number(BIRTH)
    services.resident_create(acting_user=doctors.a, name="甲", village=village_a, id_number=number)
    with pytest.raises(ValidationError, match="已登记"):
        services.resident_create(acting_user=doctors.a, name="乙", village=village_a, id_number=" " + number.lower())


def test_resident_without_id_is_allowed_and_flagged(doctors, village_a):
    resident = services.resident_create(acting_user=doctors.a, name="无证", village=village_a)
    assert resident.id_missing
    assert list(selectors.resident_list(user=doctors.a, missing_id=True)) == [resident]


def test_cannot_create_outside_scope(doctors, county):
    with pytest.raises(PermissionDenied):
        services.resident_create(acting_user=doctors.a, name="外人", village=county[VILLAGE_B])
    assert not Resident.objects.exists()


def test_village_must_be_twelve_digits(doctors, county):
    with pytest.raises(ValidationError):
        services.resident_create(acting_user=doctors.a, name="某", village=county["210681101"])


def test_doctor_of_other_township_gets_404(doctors, village_a):
    resident = services.resident_create(acting_user=doctors.a, name="甲", village=village_a)
    with pytest.raises(Http404):
        get_scoped_or_404(doctors.b, Resident, pk=resident.pk)


def test_search_traditional_simplified_initials_id_phone(doctors, village_a):
    number = make_id_number(BIRTH)
    chan = services.resident_create(
        acting_user=doctors.a, name="陳大文", village=village_a, id_number=number, phone="138 1234 5678"
    )
    services.resident_create(acting_user=doctors.a, name="李小明", village=village_a)
    for query in (
        "陈大文",
        "陳大文",
        "大文",
        "cdw",
        "CDW",
        number,
        number.lower(),
        "13812345678",
        "１３８１２３４５６７８",
    ):
        assert list(selectors.resident_list(user=doctors.a, query=query)) == [chan], query
    assert not selectors.resident_list(user=doctors.b, query="陈大文").exists()


def test_tags_and_elderly_derived(doctors, village_a):
    old = services.resident_create(
        acting_user=doctors.a, name="老人", village=village_a, birth_date=datetime.date(1950, 3, 2)
    )
    young = services.resident_create(
        acting_user=doctors.a, name="孕妇", village=village_a, birth_date=datetime.date(1995, 1, 1), gender="F"
    )
    services.resident_tag_add(
        acting_user=doctors.a, resident=young, tag=ResidentTagKind.PREGNANT, valid_from=datetime.date(2024, 1, 1)
    )
    ended = services.resident_tag_add(acting_user=doctors.a, resident=old, tag=ResidentTagKind.DISABLED)
    services.resident_tag_end(acting_user=doctors.a, tag=ended, on_date=datetime.date(2020, 1, 1))
    assert list(selectors.resident_list(user=doctors.a, tags=[ResidentTagKind.ELDERLY])) == [old]
    assert list(selectors.resident_list(user=doctors.a, tags=[ResidentTagKind.PREGNANT])) == [young]
    assert not selectors.resident_list(user=doctors.a, tags=[ResidentTagKind.DISABLED]).exists()
    assert "65岁以上" in old.active_tags()
    with pytest.raises(ValidationError):
        services.resident_tag_add(acting_user=doctors.a, resident=old, tag=ResidentTagKind.ELDERLY)


def test_household_with_head_and_members(doctors, village_a):
    head = services.resident_create(acting_user=doctors.a, name="户主甲", village=village_a)
    household = services.household_create(acting_user=doctors.a, village=village_a, number="H1", head=head)
    wife = services.resident_create(acting_user=doctors.a, name="妻乙", village=village_a)
    services.household_add_member(acting_user=doctors.a, household=household, resident=wife, relation=Relation.SPOUSE)
    household.refresh_from_db()
    assert household.head == head
    assert set(selectors.household_members(user=doctors.a, household=household)) == {head, wife}
    services.household_tag_add(acting_user=doctors.a, household=household, tag="dibao")
    assert list(selectors.resident_list(user=doctors.a, tags=["dibao"]).order_by("pk")) == [head, wife]


def test_consent_recorded(doctors, village_a):
    resident = services.resident_create(acting_user=doctors.a, name="甲", village=village_a)
    consent = services.consent_record(acting_user=doctors.a, resident=resident, kind="data")
    assert consent.recorded_by == doctors.a and consent.granted

"""65岁及以上老年人健康管理: eligibility from the birth date, the yearly check and its due date,
and the clerk's one button that enrolls everyone over 65."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.programs import services
from xianfeng.programs.elderly import elderly_enroll_all
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.registry import add_months
from xianfeng.programs.services_settings import program_setting_change
from xianfeng.residents.models import elderly_born_before
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_B, ResidentFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def enroll(people, resident, on=TODAY):
    return services.enrollment_create(
        acting_user=people.volunteer,
        program="elderly_check",
        resident=resident,
        responsible_member=people.member,
        enrolled_on=on,
    )


def check(people, enrollment, on, **data):
    return services.enrollment_record_visit(
        acting_user=people.volunteer, enrollment=enrollment, kind="check", visited_on=on, data=data
    )


def test_a_resident_of_64_is_refused_naming_them_and_one_who_turns_65_today_is_accepted(people):
    born_65_today = elderly_born_before(TODAY)
    young = ResidentFactory(name="张六四", village_id=VILLAGE_A, birth_date=born_65_today + DAY)
    with pytest.raises(ValidationError) as exc:
        enroll(people, young)
    assert "张六四" in exc.value.message_dict["resident"][0]
    assert "未满65岁" in exc.value.message_dict["resident"][0]

    birthday = ResidentFactory(name="王六五", village_id=VILLAGE_A, birth_date=born_65_today)
    enrollment = enroll(people, birthday)
    assert enrollment.status == Status.ENROLLED
    assert enrollment.next_due_on == TODAY  # the first check is due at once
    assert enrollment.state == "pending"


def test_a_resident_without_birth_date_is_refused_with_the_reason(people):
    unknown = ResidentFactory(name="赵某", village_id=VILLAGE_A, birth_date=None)
    with pytest.raises(ValidationError) as exc:
        enroll(people, unknown)
    assert "出生日期" in exc.value.message_dict["resident"][0]


def test_the_check_is_due_again_a_year_after_the_last_one(people):
    enrollment = enroll(people, people.resident, on=TODAY - 400 * DAY)
    assert enrollment.next_due_on == TODAY - 400 * DAY
    first = TODAY - 380 * DAY
    check(people, enrollment, first, systolic=150, diastolic=90)
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == add_months(first, 12)
    assert enrollment.next_due_on < TODAY  # a year old: overdue now
    second = TODAY - 10 * DAY
    visit = check(people, enrollment, second, self_care="mild", guidance=["recheck", "health_education"])
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.state) == (Status.ACTIVE, "checked")
    assert enrollment.next_due_on == add_months(second, 12)
    assert visit.record.service_type.code == "physical_exam"
    assert visit.record.result["guidance"] == ["recheck", "health_education"]


def test_the_interval_is_a_setting_and_changing_it_moves_the_due_date(
    people, world, django_capture_on_commit_callbacks
):
    enrollment = enroll(people, people.resident, on=TODAY - 100 * DAY)
    check(people, enrollment, TODAY - 90 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        program_setting_change(acting_user=world.admin, program="elderly_check", key="interval_months", value=6)
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == add_months(TODAY - 90 * DAY, 6)


def test_bmi_is_computed_from_height_and_weight_and_bad_readings_are_refused(people):
    enrollment = enroll(people, people.resident, on=TODAY - 30 * DAY)
    visit = check(people, enrollment, TODAY, height="170", weight="65", blood_routine="normal", ecg="abnormal")
    assert visit.record.result["bmi"] == "22.5"
    assert visit.record.result["ecg"] == "abnormal"
    for data, field in (
        ({"systolic": 120, "diastolic": 130}, "diastolic"),
        ({"systolic": 400}, "systolic"),
        ({"ecg": "maybe"}, "ecg"),
        ({"self_care": "11"}, "self_care"),
    ):
        with pytest.raises(ValidationError) as exc:
            check(people, enrollment, TODAY, **data)
        assert field in exc.value.message_dict


def test_enroll_all_enrolls_every_eligible_resident_in_scope_once(people, world):
    old = elderly_born_before(TODAY) - 365 * DAY
    ResidentFactory(name="甲老人", village_id=VILLAGE_A, birth_date=old)
    ResidentFactory(name="乙年轻", village_id=VILLAGE_A, birth_date=TODAY - 60 * 365 * DAY)
    ResidentFactory(name="丙已故", village_id=VILLAGE_A, birth_date=old, deceased_on=TODAY - 5 * DAY)
    ResidentFactory(name="丁外乡", village_id=VILLAGE_B, birth_date=old)  # a village branch A does not serve
    already = ResidentFactory(name="戊已纳入", village_id=VILLAGE_A, birth_date=old)
    enroll(people, already)

    count = elderly_enroll_all(acting_user=world.owner, org=world.branch_a)
    names = set(Enrollment.objects.filter(program="elderly_check").values_list("resident__name", flat=True))
    assert count == 2  # 李大爷 and 甲老人
    assert names == {"李大爷", "甲老人", "戊已纳入"}
    assert elderly_enroll_all(acting_user=world.owner, org=world.branch_a) == 0  # nobody twice


def test_enroll_all_is_refused_to_readers_and_checks_the_township(people, world):
    with pytest.raises(PermissionDenied):
        elderly_enroll_all(acting_user=world.reader)
    with pytest.raises(ValidationError) as exc:
        elderly_enroll_all(acting_user=world.owner, township_code="2106", org=world.branch_a)
    assert "township_code" in exc.value.message_dict
    assert elderly_enroll_all(acting_user=world.owner, township_code=VILLAGE_B[:9], org=world.branch_a) == 0

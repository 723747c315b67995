"""严重精神障碍患者管理 through the program services, as a township doctor uses it: enrolling
with consent, follow-ups of every form, the 2-week rule for an unstable patient, overdue and
lost patients, hospital stays, the annual examination and the bad input the issue lists."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.accounts.scoping import scoped
from xianfeng.programs import services, services_periods
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.registry import add_months
from xianfeng.programs.smd.program import exam_due_on
from xianfeng.programs.worklist import worklist
from xianfeng.residents.services import consent_record

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
SEEN = {"risk_level": "0", "medication": "regular", "insight": "full", "social_function": "good"}
MISSED = {"reached": False, "not_reached_reason": "away"}


@pytest.fixture
def consented(people):
    consent_record(acting_user=people.doctor, resident=people.resident, kind="follow_up", on_date=TODAY - 90 * DAY)
    return people


def enroll(people, **extra):
    return services.enrollment_create(
        acting_user=people.doctor,
        program="smd",
        resident=people.resident,
        responsible_member=people.doctor_member,
        enrolled_on=TODAY - 60 * DAY,
        data={"diagnosis": "精神分裂症（F20）", "diagnosed_on": str(TODAY - 400 * DAY), "guardian": "李大娘"},
        **extra,
    )


def follow_up(people, enrollment, on, data, service_type="followup_home"):
    return services.enrollment_record_visit(
        acting_user=people.doctor,
        enrollment=enrollment,
        kind="followup",
        visited_on=on,
        data=data,
        service_type=service_type,
    )


@pytest.fixture
def patient(consented):
    return consented, enroll(consented)


def test_enrolling_without_consent_is_refused_naming_consent(people):
    with pytest.raises(ValidationError) as exc:
        enroll(people)
    assert "consent" in exc.value.message_dict
    assert not Enrollment.objects.filter(program="smd").exists()


def test_the_doctor_enrolls_a_patient_whose_first_follow_up_is_due_within_two_weeks(patient):
    people, enrollment = patient
    assert enrollment.data["diagnosis"] == "schizophrenia"  # the register's spelling is read
    assert enrollment.health and enrollment.status == Status.ENROLLED
    assert enrollment.next_due_on == TODAY - 46 * DAY


def test_judged_path_unstable_then_due_in_two_weeks_then_overdue_then_lost(patient):
    people, enrollment = patient
    visit = follow_up(people, enrollment, TODAY, {**SEEN, "risk_level": "3", "referral": True}, "followup_clinic")
    enrollment.refresh_from_db()
    assert visit.record.result["stability"] == "unstable"  # derived and stored so the record shows it
    assert (enrollment.state, enrollment.next_due_on) == ("unstable", TODAY + 14 * DAY)
    assert enrollment in worklist(people.doctor, bucket="week", today=TODAY + 8 * DAY, program="smd")
    # Nobody went: fifteen days on, the patient is overdue.
    assert enrollment in worklist(people.doctor, bucket="overdue", today=TODAY + 15 * DAY, program="smd")
    assert enrollment not in worklist(people.doctor, bucket="overdue", today=TODAY + 14 * DAY, program="smd")


def test_three_missed_follow_ups_lose_the_patient_and_a_visit_finds_them(patient):
    people, enrollment = patient
    follow_up(people, enrollment, TODAY - 50 * DAY, SEEN)
    for days in (30, 20, 10):
        follow_up(people, enrollment, TODAY - days * DAY, MISSED, "followup_phone")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.misses, enrollment.state) == (Status.LOST, 3, "stable")
    assert enrollment in worklist(people.doctor, bucket="lost", program="smd")
    follow_up(people, enrollment, TODAY, SEEN)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.misses) == (Status.ACTIVE, 0)
    assert enrollment.next_due_on == add_months(TODAY, 3)


@pytest.mark.parametrize(
    "on, data, field",
    [
        (TODAY, {**SEEN, "risk_level": "6"}, "risk_level"),
        (TODAY, {**SEEN, "risk_level": "3", "stability": "stable"}, "stability"),
        (TODAY, {**SEEN, "stability": "steady"}, "stability"),
        (TODAY, {"risk_level": "0"}, "medication"),
        (TODAY, {"reached": False}, "not_reached_reason"),
        (TODAY + DAY, SEEN, "visited_on"),
        (TODAY - 61 * DAY, SEEN, "visited_on"),
    ],
)
def test_bad_follow_ups_are_refused_naming_the_field(patient, on, data, field):
    people, enrollment = patient
    with pytest.raises(ValidationError) as exc:
        follow_up(people, enrollment, on, data)
    assert field in exc.value.message_dict
    assert not enrollment.visits.exists()


def test_no_follow_up_after_death(patient):
    people, enrollment = patient
    services.enrollment_end(
        acting_user=people.doctor, enrollment=enrollment, status=Status.DECEASED, ended_on=TODAY - 5 * DAY
    )
    with pytest.raises(ValidationError) as exc:
        follow_up(people, enrollment, TODAY - 2 * DAY, SEEN)
    assert "死亡" in exc.value.message_dict["visited_on"][0]


def test_a_second_active_enrollment_is_refused(patient):
    people, _enrollment = patient
    with pytest.raises(ValidationError) as exc:
        enroll(people)
    assert "resident" in exc.value.message_dict


def test_a_diagnosis_date_after_enrollment_is_refused(consented):
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(
            acting_user=consented.doctor,
            program="smd",
            resident=consented.resident,
            responsible_member=consented.doctor_member,
            data={"diagnosis": "bipolar", "diagnosed_on": str(TODAY + DAY)},
        )
    assert "diagnosed_on" in exc.value.message_dict


def test_a_joint_follow_up_names_police_or_committee_participants(patient):
    people, enrollment = patient
    family_only = {**SEEN, "participants": [{"name": "李大娘", "role": "family"}]}
    with pytest.raises(ValidationError) as exc:
        follow_up(people, enrollment, TODAY, family_only, "joint_followup")
    assert "participants" in exc.value.message_dict
    joint = {**SEEN, "participants": [{"name": "张警官", "role": "公安"}, {"name": "李大娘", "role": "family"}]}
    visit = follow_up(people, enrollment, TODAY, joint, "joint_followup")
    assert visit.record.service_type.code == "joint_followup"
    assert visit.record.result["participants"][0] == {"name": "张警官", "role": "police"}


def test_a_basically_stable_patient_is_observed_for_two_weeks(patient):
    people, enrollment = patient
    follow_up(people, enrollment, TODAY - 40 * DAY, SEEN)
    follow_up(people, enrollment, TODAY - 3 * DAY, {**SEEN, "risk_level": "1"})
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.next_due_on) == ("basically_stable", TODAY + 11 * DAY)


def test_in_hospital_nothing_is_due_and_after_discharge_two_weeks(patient):
    people, enrollment = patient
    follow_up(people, enrollment, TODAY - 30 * DAY, {**SEEN, "risk_level": "4"})
    period = services_periods.period_add(
        acting_user=people.doctor, enrollment=enrollment, kind="hospital", start_on=TODAY - 25 * DAY
    )
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.next_due_on) == ("in_hospital", None)
    services_periods.period_end(acting_user=people.doctor, period=period, end_on=TODAY - 2 * DAY)
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.next_due_on) == ("unstable", TODAY + 12 * DAY)


def test_the_annual_examination_needs_consent_and_is_due_a_year_later(patient):
    people, enrollment = patient
    assert exam_due_on(enrollment) == add_months(TODAY - 60 * DAY, 12)
    exam = {"kind": "exam", "acting_user": people.doctor, "enrollment": enrollment, "visited_on": TODAY - 7 * DAY}
    with pytest.raises(ValidationError) as exc:
        services.enrollment_record_visit(**exam, data={"consent": False, "result": "normal"})
    assert "consent" in exc.value.message_dict
    visit = services.enrollment_record_visit(**exam, data={"consent": "是", "result": "normal"})
    assert visit.record.service_type.code == "physical_exam"
    assert exam_due_on(enrollment) == add_months(TODAY - 7 * DAY, 12)


def test_an_emergency_is_recorded_and_the_patient_followed_up_within_two_weeks(patient):
    people, enrollment = patient
    follow_up(people, enrollment, TODAY - 20 * DAY, SEEN)
    data = {"event": "夜间打砸家具", "measures": "联系民警到场，注射镇静剂", "outcome": "calmed"}
    visit = services.enrollment_record_visit(
        acting_user=people.doctor, enrollment=enrollment, kind="emergency", visited_on=TODAY - 5 * DAY, data=data
    )
    enrollment.refresh_from_db()
    assert visit.record.service_type.code == "emergency_handling"
    assert enrollment.next_due_on == TODAY + 9 * DAY


def test_health_enrollments_are_hidden_from_a_volunteer_without_the_health_permission(patient, world):
    people, enrollment = patient
    assert scoped(people.doctor, Enrollment).filter(pk=enrollment.pk).exists()
    assert not scoped(people.volunteer, Enrollment).filter(pk=enrollment.pk).exists()
    assert not scoped(world.outsider, Enrollment).filter(pk=enrollment.pk).exists()

"""The screening path end to end: suspected → referred → diagnosed → registered (with consent,
both enrollments or neither), or excluded; every step a counted service record."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.programs import derivation, services
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.smd.services import REGISTERED_REASON, screening_exclude, screening_register
from xianfeng.residents.services import consent_record
from xianfeng.servicelog.models import ServiceRecord

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def screened(people):
    enrollment = services.enrollment_create(
        acting_user=people.doctor,
        program="smd_screening",
        resident=people.resident,
        responsible_member=people.doctor_member,
        enrolled_on=TODAY - 50 * DAY,
    )
    return people, enrollment


def record(people, enrollment, kind, on, **data):
    services.enrollment_record_visit(
        acting_user=people.doctor, enrollment=enrollment, kind=kind, visited_on=on, data=data
    )
    enrollment.refresh_from_db()
    return enrollment


def diagnosed(people, enrollment):
    record(people, enrollment, "screening", TODAY - 40 * DAY, result="疑似", tool="精神行为异常识别清单")
    assert (enrollment.state, enrollment.next_due_on) == ("suspected", TODAY - 26 * DAY)
    record(people, enrollment, "referral", TODAY - 30 * DAY, destination="市第三人民医院精神科")
    assert (enrollment.state, enrollment.next_due_on) == ("referred", TODAY)
    record(people, enrollment, "diagnosis", TODAY - 10 * DAY, diagnosis="F31", diagnosed_by="市第三人民医院")
    assert (enrollment.state, enrollment.next_due_on) == ("diagnosed", TODAY + 4 * DAY)
    return enrollment


def test_a_diagnosed_person_is_registered_with_consent_and_the_path_closes(screened):
    people, enrollment = screened
    diagnosed(people, enrollment)
    consent_record(acting_user=people.doctor, resident=people.resident, kind="follow_up", on_date=TODAY - 2 * DAY)
    managed = screening_register(acting_user=people.doctor, enrollment=enrollment, guardian="李大娘")
    enrollment.refresh_from_db()
    assert managed.program == "smd" and managed.resident == people.resident
    assert managed.data == {
        "diagnosis": "bipolar",
        "diagnosed_on": str(TODAY - 10 * DAY),
        "diagnosed_by": "市第三人民医院",
        "guardian": "李大娘",
    }
    assert managed.next_due_on == TODAY + 14 * DAY  # first follow-up within two weeks
    assert (enrollment.status, enrollment.state, enrollment.end_reason) == (
        Status.EXITED,
        "registered",
        REGISTERED_REASON,
    )
    assert enrollment.next_due_on is None
    # Both the screening and the new diagnosis stay counted as service records.
    counted = ServiceRecord.objects.filter(resident=people.resident, voided_at__isnull=True)
    assert sorted(counted.values_list("service_type__code", flat=True)) == [
        "new_diagnosis",
        "referral_escort",
        "smd_screening",
    ]


def test_registering_without_consent_is_refused_and_changes_nothing(screened):
    people, enrollment = screened
    diagnosed(people, enrollment)
    with pytest.raises(ValidationError) as exc:
        screening_register(acting_user=people.doctor, enrollment=enrollment)
    assert "consent" in exc.value.message_dict
    enrollment.refresh_from_db()
    assert enrollment.is_open and enrollment.state == "diagnosed"
    assert not Enrollment.objects.filter(program="smd").exists()


def test_registering_before_a_diagnosis_is_refused_naming_state(screened):
    people, enrollment = screened
    record(people, enrollment, "screening", TODAY - 40 * DAY, result="suspected")
    with pytest.raises(ValidationError) as exc:
        screening_register(acting_user=people.doctor, enrollment=enrollment)
    assert "state" in exc.value.message_dict


def test_an_excluded_person_leaves_the_path_with_the_reason(screened):
    people, enrollment = screened
    record(people, enrollment, "screening", TODAY - 40 * DAY, result="suspected")
    with pytest.raises(ValidationError) as exc:
        record(people, enrollment, "diagnosis", TODAY - 20 * DAY, diagnosis="excluded")
    assert "reason" in exc.value.message_dict
    record(people, enrollment, "diagnosis", TODAY - 20 * DAY, diagnosis="excluded", reason="焦虑障碍，非严重精神障碍")
    assert (enrollment.state, enrollment.next_due_on) == ("excluded", None)
    closed = screening_exclude(acting_user=people.doctor, enrollment=enrollment)
    assert (closed.status, closed.state) == (Status.EXITED, "excluded")
    assert closed.end_reason == "排除诊断：焦虑障碍，非严重精神障碍"
    # A closed path stays closed when its records are derived again (a void elsewhere).
    derivation.enrollment_recompute(closed)
    closed.refresh_from_db()
    assert closed.state == "excluded"


def test_a_diagnosed_person_cannot_be_excluded_and_an_unknown_diagnosis_is_refused(screened):
    people, enrollment = screened
    with pytest.raises(ValidationError) as exc:
        record(people, enrollment, "diagnosis", TODAY - 5 * DAY, diagnosis="F99")
    assert "diagnosis" in exc.value.message_dict
    diagnosed(people, enrollment)
    with pytest.raises(ValidationError) as exc:
        screening_exclude(acting_user=people.doctor, enrollment=enrollment, reason="不同意")
    assert "state" in exc.value.message_dict

"""The program framework with a small interval program: enrolling, visiting, deriving the
next due date, misses and loss, voids, settings changes, closing and scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.accounts.scoping import scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.programs import services
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.services_settings import program_setting_change
from xianfeng.servicelog.services import record_update, record_void

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def enrolled(people, checkin_program):
    enrollment = services.enrollment_create(
        acting_user=people.volunteer,
        program="test_checkin",
        resident=people.resident,
        responsible_member=people.member,
        enrolled_on=TODAY - 100 * DAY,
    )
    return people, enrollment


def visit(people, enrollment, on, **data):
    return services.enrollment_record_visit(
        acting_user=people.volunteer, enrollment=enrollment, kind="contact", visited_on=on, data=data
    )


def test_enrolling_places_the_enrollment_in_the_residents_village_and_logs_it(enrolled):
    people, enrollment = enrolled
    assert enrollment.status == Status.ENROLLED
    assert enrollment.township_code == people.resident.village_id[:9]
    assert enrollment.org == people.member.branch
    assert enrollment.next_due_on == TODAY - 100 * DAY  # the first contact is due at once
    assert ChangeLog.objects.filter(action=ChangeLog.Action.CREATE, object_id=str(enrollment.pk)).exists()


def test_a_visit_is_a_service_record_and_moves_the_due_date(enrolled):
    people, enrollment = enrolled
    v = visit(people, enrollment, TODAY - 10 * DAY, score=3)
    enrollment.refresh_from_db()
    assert v.record.result == {"score": 3}
    assert v.record.service_type.code == "medicine_delivery"
    assert enrollment.status == Status.ACTIVE
    assert enrollment.last_visit_on == TODAY - 10 * DAY
    assert enrollment.next_due_on == TODAY + 20 * DAY


def test_three_misses_lose_the_person_and_a_reached_visit_finds_them(enrolled):
    people, enrollment = enrolled
    for days in (30, 20, 10):
        visit(people, enrollment, TODAY - days * DAY, reached=False)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.misses) == (Status.LOST, 3)
    visit(people, enrollment, TODAY, reached=True)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.misses) == (Status.ACTIVE, 0)


def test_voiding_the_visits_record_recomputes_and_its_edit_is_refused(enrolled):
    people, enrollment = enrolled
    v = visit(people, enrollment, TODAY - 5 * DAY)
    with pytest.raises(ValidationError, match="随访项目"):
        record_update(acting_user=people.volunteer, record=v.record, note="x")
    record_void(acting_user=people.volunteer, record=v.record, reason="录错了")
    enrollment.refresh_from_db()
    assert enrollment.status == Status.ENROLLED
    assert enrollment.next_due_on == TODAY - 100 * DAY


@pytest.mark.parametrize(
    "on, data, field",
    [
        (TODAY + DAY, {}, "visited_on"),
        (TODAY - 101 * DAY, {}, "visited_on"),
        (TODAY, {"score": 6}, "score"),
        (TODAY, {"mood": "ok"}, "mood"),
    ],
)
def test_bad_visits_are_refused_naming_the_field(enrolled, on, data, field):
    people, enrollment = enrolled
    with pytest.raises(ValidationError) as exc:
        visit(people, enrollment, on, **data)
    assert field in exc.value.message_dict
    assert not enrollment.visits.exists()


def test_a_second_open_enrollment_is_refused(enrolled):
    people, _enrollment = enrolled
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(acting_user=people.volunteer, program="test_checkin", resident=people.resident)
    assert "resident" in exc.value.message_dict


def test_a_deceased_patient_takes_no_visit_after_death(enrolled):
    people, enrollment = enrolled
    services.enrollment_end(
        acting_user=people.volunteer, enrollment=enrollment, status=Status.DECEASED, ended_on=TODAY - 3 * DAY
    )
    enrollment.refresh_from_db()
    assert enrollment.next_due_on is None
    with pytest.raises(ValidationError) as exc:
        visit(people, enrollment, TODAY)
    assert "死亡" in exc.value.message_dict["visited_on"][0]


def test_a_settings_change_is_audited_and_moves_every_due_date(enrolled, world, django_capture_on_commit_callbacks):
    people, enrollment = enrolled
    visit(people, enrollment, TODAY - 10 * DAY)
    with django_capture_on_commit_callbacks(execute=True):  # the recompute runs once committed
        program_setting_change(acting_user=world.admin, program="test_checkin", key="interval_days", value="60")
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == TODAY + 50 * DAY
    assert ChangeLog.objects.filter(note__contains="随访间隔").exists()


def test_the_responsible_volunteer_and_no_outsider_sees_the_enrollment(enrolled, world):
    people, enrollment = enrolled
    assert scoped(people.volunteer, Enrollment).filter(pk=enrollment.pk).exists()
    assert not scoped(world.outsider, Enrollment).filter(pk=enrollment.pk).exists()

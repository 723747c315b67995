"""Each kind of outbox entry goes through the same rules as the web: attendance of an activity,
program visits (next due date moved, a death or an ended enrollment refused with the service's
words), hotline calls and needs."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.audit.models import AccessLog
from xianfeng.hotline.models import Call
from xianfeng.hotline.tests.calls_world import build_calls_world
from xianfeng.needs.models import Need
from xianfeng.programs import registry
from xianfeng.programs import services as program_services
from xianfeng.programs.models import Enrollment, Status, Visit
from xianfeng.residents.models import Resident
from xianfeng.servicelog.models import ServiceRecord

from .sync_world import DAY, SECRET, CheckIn30, build, client_of, enroll, entry, results, sync

TODAY = timezone.localdate()


@pytest.fixture
def w(world):
    registry.register(CheckIn30)
    yield build(world)
    registry.unregister(CheckIn30.code)


def roll_call(w, residents, **extra) -> dict:
    ids = [r.pk for r in residents]
    return {"activity_id": w.activity.pk, "service_type": "health_consult", "resident_ids": ids, **extra}


# --- attendance ------------------------------------------------------------------------------


def test_attendance_of_twelve_makes_twelve_records_once(w):
    client = client_of(w.volunteer)
    outbox = [entry("attendance", roll_call(w, w.villagers), user=w.volunteer)]
    answer = results(sync(client, outbox))[0]
    assert answer["status"] == "created", answer
    records = ServiceRecord.objects.filter(activity=w.activity)
    assert records.count() == 12
    assert {r.resident_id for r in records} == {v.pk for v in w.villagers}
    assert {r.served_on for r in records} == {w.activity.served_on}
    assert [o["id"] for o in answer["objects"]] == [records.get(resident=v).pk for v in w.villagers]

    again = results(sync(client, outbox))[0]
    assert again["status"] == "duplicate" and again["objects"] == answer["objects"]
    # The same people entered again on another entry (a second tab's roll call): nothing new.
    repeat = entry("attendance", roll_call(w, w.villagers), user=w.volunteer)
    third = results(sync(client, [repeat]))[0]
    assert third["status"] == "duplicate" and "此前都已在该活动登记" in third["message"]
    assert len(third["objects"]) == 12
    assert ServiceRecord.objects.filter(activity=w.activity).count() == 12


def test_attendance_with_one_forged_resident_saves_nobody(w):
    forged = roll_call(w, [*w.villagers[:3], w.stranger])
    answer = results(sync(client_of(w.volunteer), [entry("attendance", forged, user=w.volunteer)]))[0]
    assert answer["status"] == "refused" and list(answer["errors"]) == ["resident_ids"]
    assert f"编号 {w.stranger.pk}" in answer["message"] and "外镇人" not in answer["message"]
    assert not ServiceRecord.objects.exists()


def test_attendance_beyond_a_thousand_or_at_an_unknown_activity_is_refused(w):
    client = client_of(w.volunteer)
    many = {**roll_call(w, w.villagers), "resident_ids": list(range(1, 1002))}
    ghost = {**roll_call(w, w.villagers), "activity_id": w.activity.pk + 1000}
    answers = results(
        sync(client, [entry("attendance", many, user=w.volunteer), entry("attendance", ghost, user=w.volunteer)])
    )
    assert answers[0]["status"] == "refused" and "一次最多登记 1000 位参加者" in answers[0]["message"]
    assert answers[1]["status"] == "refused"
    assert answers[1]["errors"] == {"activity_id": ["未找到该活动（或不在您的权限范围内）"]}
    assert not ServiceRecord.objects.exists()


# --- program visits --------------------------------------------------------------------------


def visit_payload(enrollment, **extra) -> dict:
    return {"enrollment_id": enrollment.pk, "kind": "contact", "data": {"score": 4}, **extra}


def test_a_synced_visit_moves_the_next_due_date_like_the_web_form(w):
    enrollment = enroll(w)
    assert Enrollment.objects.get(pk=enrollment.pk).next_due_on < TODAY  # overdue: 40 days without contact
    visited = TODAY - 2 * DAY
    outbox = [entry("visit", visit_payload(enrollment, visited_on=visited.isoformat()), user=w.volunteer)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "created", answer
    visit = Visit.objects.get()
    assert answer["objects"] == [
        {"model": "programs.Visit", "id": visit.pk},
        {"model": "servicelog.ServiceRecord", "id": visit.record_id},
    ]
    # A contact every 30 days: the next one is due 30 days after this visit.
    assert Enrollment.objects.get(pk=enrollment.pk).next_due_on == visited + 30 * DAY
    assert visit.record.result == {"score": 4} and visit.record.created_by == w.volunteer
    assert results(sync(client_of(w.volunteer), outbox))[0]["status"] == "duplicate"
    assert Visit.objects.count() == 1


def test_a_visit_after_the_patient_died_is_refused_with_the_services_reason(w):
    enrollment = enroll(w)
    died = TODAY - 5 * DAY
    Resident.objects.filter(pk=w.resident.pk).update(deceased_on=died)
    outbox = [entry("visit", visit_payload(enrollment, visited_on=(TODAY - DAY).isoformat()), user=w.volunteer)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "refused"
    assert answer["errors"] == {"visited_on": [f"该患者已于 {died.isoformat()} 死亡，不能登记此后的随访"]}
    assert answer["message"].startswith("随访日期：该患者已于")
    assert not Visit.objects.exists() and AccessLog.objects.get().model == "programs.Visit"


def test_a_visit_after_the_enrollment_ended_is_refused(w):
    enrollment = enroll(w)
    ended = TODAY - 3 * DAY
    program_services.enrollment_end(
        acting_user=w.volunteer, enrollment=enrollment, status=Status.MOVED, ended_on=ended, reason="搬走"
    )
    outbox = [entry("visit", visit_payload(enrollment), user=w.volunteer, date_defaulted=True)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "refused" and list(answer["errors"]) == ["visited_on"]
    assert str(ended) in answer["message"] and "已迁出" in answer["message"]
    assert not Visit.objects.exists()


def test_a_visit_with_bad_program_data_names_the_programs_field(w):
    enrollment = enroll(w)
    outbox = [entry("visit", visit_payload(enrollment, data={"score": 9}), user=w.volunteer)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "refused" and list(answer["errors"]) == ["data.score"]
    assert answer["message"].startswith("评分：")


def test_a_visit_to_an_enrollment_out_of_reach_reads_as_not_found(w):
    outbox = [entry("visit", {"enrollment_id": 987_654, "kind": "contact"}, user=w.volunteer)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "refused"
    assert answer["errors"] == {"enrollment_id": ["未找到该项目对象（或不在您的权限范围内）"]}


# --- calls and needs -------------------------------------------------------------------------


def test_a_hotline_call_is_logged_once_with_its_record(world):
    from xianfeng.devices.services import device_register

    cw = build_calls_world(world)
    device_register(acting_user=cw.duty, client_id="duty-phone", secret=SECRET)
    started = timezone.now() - datetime.timedelta(minutes=30)
    payload = {"started_at": started.isoformat(), "duration_minutes": 20, "topic": "sleep", "outcome": "advice"}
    outbox = [entry("call", payload, user=cw.duty)]
    client = client_of(cw.duty)
    answer = results(sync(client, outbox, device="duty-phone"))[0]
    assert answer["status"] == "created", answer
    call = Call.objects.get()
    assert answer["objects"] == [
        {"model": "hotline.Call", "id": call.pk},
        {"model": "servicelog.ServiceRecord", "id": call.record_id},
    ]
    assert call.taken_by == cw.duty_member and abs(call.started_at - started) < datetime.timedelta(seconds=1)
    assert results(sync(client, outbox, device="duty-phone"))[0]["status"] == "duplicate"
    assert Call.objects.count() == 1


def test_a_volunteer_without_hotline_rights_cannot_sync_a_call(w):
    payload = {"started_at": timezone.now().isoformat(), "topic": "sleep", "outcome": "advice"}
    answer = results(sync(client_of(w.volunteer), [entry("call", payload, user=w.volunteer)]))[0]
    assert answer["status"] == "refused" and "没有登记此类记录的权限" in answer["message"]
    assert not Call.objects.exists()


def test_a_need_is_recorded_once(w):
    payload = {"title": "想申请临时救助", "category": "documents", "resident_id": w.resident.pk}
    outbox = [entry("need", payload, user=w.volunteer, date_defaulted=True)]
    client = client_of(w.volunteer)
    answer = results(sync(client, outbox))[0]
    assert answer["status"] == "created", answer
    need = Need.objects.get()
    assert need.raised_on == TODAY and need.resident == w.resident and need.created_by == w.volunteer
    assert results(sync(client, outbox))[0]["status"] == "duplicate" and Need.objects.count() == 1

"""The programs API as a client (the offline field app) sees it: the catalogue, enrollments,
visits replayed by an outbox, the worklists; scope (404 outside, 403 read-only), health rows
hidden without the health level, and errors in the one shape naming the field."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from xianfeng.programs import registry, services
from xianfeng.programs.interval import IntervalRule, derive_interval
from xianfeng.programs.models import Enrollment, Status, Visit
from xianfeng.programs.registry import Program, VisitKind
from xianfeng.residents.tests.factories import VILLAGE_B, ResidentFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/programs"
HUGE = 2**70

RISK = {"key": "risk_level", "label": "危险性评估", "kind": "choice", "choices": [[str(i), f"{i}级"] for i in range(6)]}


class FollowProgram(Program):
    """A health program (like severe mental disorders): a follow-up every 14 days. Test only."""

    code = "test_follow"
    name = "测试精防随访"
    health = True
    visit_kinds = (
        VisitKind(
            "followup",
            "随访",
            ("followup_home", "followup_phone"),
            ({"key": "reached", "label": "见到本人", "kind": "boolean"}, RISK),
        ),
    )

    def derive(self, *, enrolled_on, data, visits, settings, periods=()):
        return derive_interval(IntervalRule(14), enrolled_on=enrolled_on, visits=visits)


@pytest.fixture
def follow_program():
    registry.register(FollowProgram)
    yield registry.get_program(FollowProgram.code)
    registry.unregister(FollowProgram.code)


@pytest.fixture
def setup(people, checkin_program, follow_program):
    """A volunteer's check-in enrollment (due 10 days ago: overdue) and a doctor's health one."""
    people.checkin = services.enrollment_create(
        acting_user=people.volunteer,
        program="test_checkin",
        resident=people.resident,
        responsible_member=people.member,
        enrolled_on=TODAY - 10 * DAY,
    )
    people.follow = services.enrollment_create(
        acting_user=people.doctor, program="test_follow", resident=people.resident, enrolled_on=TODAY - 30 * DAY
    )
    return people


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


# --- the catalogue -------------------------------------------------------------------------


def test_catalogue_gives_the_forms_and_hides_health_programs_without_the_health_level(setup):
    volunteer = {p["code"]: p for p in _client(setup.volunteer).get(f"{BASE}/").json()}
    assert "test_checkin" in volunteer and "test_follow" not in volunteer
    contact = volunteer["test_checkin"]["visit_kinds"][0]
    assert contact["code"] == "contact" and contact["service_types"][0] == "medicine_delivery"
    score = {f["key"]: f for f in contact["fields"]}["score"]
    assert (score["kind"], score["min"], score["max"]) == ("integer", 0, 5)
    assert volunteer["test_checkin"]["settings"] == [{"key": "interval_days", "label": "随访间隔（天）", "value": 30}]

    doctor = {p["code"]: p for p in _client(setup.doctor).get(f"{BASE}/").json()}
    risk = doctor["test_follow"]["visit_kinds"][0]["fields"][1]
    assert risk["choices"][5] == ["5", "5级"] and doctor["test_follow"]["health"] is True


# --- scope -----------------------------------------------------------------------------------


def test_outsider_gets_404_reader_reads_but_gets_403_on_every_write(setup, world):
    url = f"{BASE}/enrollments/{setup.checkin.pk}/"
    outsider = _client(world.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"{url}visits/").status_code == 404
    assert _post(outsider, f"{url}visits/", {"kind": "contact"}).status_code == 404
    assert outsider.get(f"{BASE}/enrollments/").json()["items"] == []

    reader = _client(world.reader)
    assert reader.get(url).json()["resident"]["name"] == "李大爷"
    for response in (
        _post(reader, f"{url}visits/", {"kind": "contact"}),
        _patch(reader, url, {"data": {}}),
        _post(reader, f"{url}end/", {"status": "exited", "reason": "x"}),
        _post(reader, f"{url}void/", {"reason": "x"}),
        _post(reader, f"{BASE}/enrollments/", {"program": "test_checkin", "resident_id": setup.resident.pk}),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"detail", "errors"}
    assert not Visit.objects.exists()


def test_volunteer_sees_no_health_enrollment_anywhere(setup):
    volunteer = _client(setup.volunteer)
    assert volunteer.get(f"{BASE}/enrollments/{setup.follow.pk}/").status_code == 404
    assert volunteer.get(f"{BASE}/enrollments/{setup.follow.pk}/visits/").status_code == 404
    listed = [e["program"] for e in volunteer.get(f"{BASE}/enrollments/").json()["items"]]
    assert listed == ["test_checkin"]
    overdue = volunteer.get(f"{BASE}/worklist/?bucket=overdue").json()["items"]
    assert [e["program"] for e in overdue] == ["test_checkin"]
    # Enrolling someone in a health program needs the health level too.
    body = {"program": "test_follow", "resident_id": setup.resident.pk}
    assert _post(volunteer, f"{BASE}/enrollments/", body).status_code == 403

    doctor = _client(setup.doctor)
    assert doctor.get(f"{BASE}/enrollments/{setup.follow.pk}/").json()["program_name"] == "测试精防随访"


# --- enrollments -----------------------------------------------------------------------------


def test_enroll_list_filter_patch_end_and_void(setup, world):
    Enrollment.objects.filter(pk=setup.checkin.pk).update(status=Status.EXITED)  # make room for a new one
    volunteer = _client(setup.volunteer)
    body = {
        "program": "test_checkin",
        "resident_id": setup.resident.pk,
        "responsible_member_id": setup.member.pk,
        "enrolled_on": (TODAY - 3 * DAY).isoformat(),
    }
    response = _post(volunteer, f"{BASE}/enrollments/", body)
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["next_due_on"]) == ("enrolled", (TODAY - 3 * DAY).isoformat())
    assert created["responsible_member"]["name"] == "王志愿" and "id_number" not in created["resident"]

    second = _post(volunteer, f"{BASE}/enrollments/", body)
    assert second.status_code == 422 and "resident_id" in second.json()["errors"]

    def ids(query):
        return [e["id"] for e in volunteer.get(f"{BASE}/enrollments/?{query}").json()["items"]]

    assert ids("status=open") == [created["id"]]
    assert ids(f"township={setup.resident.village_id[:9]}&program=test_checkin&status=open") == [created["id"]]
    assert set(ids("q=李大")) == {created["id"], setup.checkin.pk}
    assert ids("q=张三") == []
    assert volunteer.get(f"{BASE}/enrollments/?status=nonsense").status_code == 422

    url = f"{BASE}/enrollments/{created['id']}/"
    assert _patch(volunteer, url, {"responsible_member_id": None}).json()["responsible_member"] is None
    ended = _post(volunteer, f"{url}end/", {"status": "exited"})
    assert ended.status_code == 422 and "reason" in ended.json()["errors"]
    ended = _post(volunteer, f"{url}end/", {"status": "moved", "ended_on": TODAY.isoformat()})
    assert (ended.json()["status"], ended.json()["next_due_on"]) == ("moved", None)
    voided = _post(volunteer, f"{url}void/", {"reason": "录错了"})
    assert voided.json()["voided"] is True and voided.json()["void_reason"] == "录错了"
    assert created["id"] not in ids("")


def test_ids_out_of_scope_or_huge_are_422_naming_the_field_never_500(setup, world):
    stranger = ResidentFactory(name="外镇人", village_id=VILLAGE_B)  # a township branch A does not serve
    volunteer = _client(setup.volunteer)
    body = {"program": "test_checkin", "resident_id": stranger.pk}
    response = _post(volunteer, f"{BASE}/enrollments/", body)
    assert response.status_code == 422 and "resident_id" in response.json()["errors"]
    response = _post(volunteer, f"{BASE}/enrollments/", {"program": "nope", "resident_id": setup.resident.pk})
    assert response.status_code == 422 and "program" in response.json()["errors"]
    assert volunteer.get(f"{BASE}/enrollments/{HUGE}/").status_code == 422
    visits = f"{BASE}/enrollments/{setup.checkin.pk}/visits/"
    response = _post(volunteer, visits, {"kind": "contact", "provider_ids": [HUGE]})
    assert response.status_code == 422 and "provider_ids.0" in response.json()["errors"]
    response = _post(volunteer, visits, {"kind": "contact", "provider_ids": [999_999]})
    assert response.status_code == 422 and "provider_ids" in response.json()["errors"]
    assert volunteer.get(f"{BASE}/worklist/?bucket=today&member_id={HUGE}").status_code == 422


# --- visits ----------------------------------------------------------------------------------


def test_a_retried_visit_with_the_same_key_returns_the_same_visit(setup):
    volunteer = _client(setup.volunteer)
    url = f"{BASE}/enrollments/{setup.checkin.pk}/visits/"
    body = {
        "kind": "contact",
        "visited_on": (TODAY - 2 * DAY).isoformat(),
        "data": {"score": 4},
        "idempotency_key": "k1",
    }
    first = _post(volunteer, url, body)
    assert first.status_code == 201
    visit = first.json()
    assert visit["data"] == {"score": 4} and visit["data_display"] == [["评分", "4"]]
    assert visit["providers"] == [{"id": setup.member.pk, "name": "王志愿"}]
    assert visit["enrollment"]["next_due_on"] == (TODAY + 28 * DAY).isoformat()
    assert visit["enrollment"]["status"] == "active"

    again = _post(volunteer, url, body)
    assert again.status_code == 200 and again.json()["id"] == visit["id"]
    assert Visit.objects.filter(enrollment=setup.checkin).count() == 1
    listed = volunteer.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["kind_label"] == "联系"

    # The same key for another enrollment is a client bug, not a replay.
    Enrollment.objects.filter(pk=setup.checkin.pk).update(status=Status.EXITED)
    other = services.enrollment_create(acting_user=setup.volunteer, program="test_checkin", resident=setup.resident)
    response = _post(volunteer, f"{BASE}/enrollments/{other.pk}/visits/", body)
    assert response.status_code == 422 and "idempotency_key" in response.json()["errors"]


def test_visit_errors_name_the_field_in_the_one_error_shape(setup):
    doctor = _client(setup.doctor)
    url = f"{BASE}/enrollments/{setup.follow.pk}/visits/"
    response = _post(doctor, url, {"kind": "followup", "data": {"risk_level": "7"}})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "errors"} and list(body["errors"]) == ["data.risk_level"]
    assert "0级" in body["errors"]["data.risk_level"][0]

    response = _post(doctor, url, {"kind": "followup", "visited_on": (TODAY + DAY).isoformat()})
    assert list(response.json()["errors"]) == ["visited_on"]
    response = _post(doctor, url, {"kind": "followup", "visited_on": (TODAY - 31 * DAY).isoformat()})
    assert "纳入日期" in response.json()["errors"]["visited_on"][0]
    response = _post(doctor, url, {"kind": "checkup"})
    assert list(response.json()["errors"]) == ["kind"]
    response = _post(doctor, url, {"kind": "followup", "service_type": "medicine_delivery"})
    assert list(response.json()["errors"]) == ["service_type"]
    response = _post(doctor, url, {"kind": "followup", "data": {"mood": "ok"}})
    assert list(response.json()["errors"]) == ["data.mood"]
    assert not Visit.objects.exists()

    ok = _post(doctor, url, {"kind": "followup", "service_type": "followup_phone", "data": {"risk_level": "2级"}})
    assert ok.status_code == 201 and ok.json()["data"] == {"risk_level": "2"}
    assert ok.json()["service_type"] == "followup_phone"


# --- worklists -------------------------------------------------------------------------------


def test_worklist_buckets_and_counts(setup, world):
    volunteer = _client(setup.volunteer)
    overdue = volunteer.get(f"{BASE}/worklist/?bucket=overdue").json()
    assert [e["id"] for e in overdue["items"]] == [setup.checkin.pk]
    assert volunteer.get(f"{BASE}/worklist/?bucket=today").json()["items"] == []
    assert volunteer.get(f"{BASE}/worklist/counts/").json() == {"today": 0, "week": 0, "overdue": 1, "lost": 0}
    assert volunteer.get(f"{BASE}/worklist/counts/?mine=true").json()["overdue"] == 1

    doctor = _client(setup.doctor)
    counts = doctor.get(f"{BASE}/worklist/counts/?program=test_follow").json()
    assert counts == {"today": 0, "week": 0, "overdue": 1, "lost": 0}

    # A visit today moves the check-in out of "overdue" (next due in 30 days).
    services.enrollment_record_visit(acting_user=setup.volunteer, enrollment=setup.checkin, kind="contact")
    assert volunteer.get(f"{BASE}/worklist/counts/").json()["overdue"] == 0
    response = volunteer.get(f"{BASE}/worklist/?bucket=someday")
    assert response.status_code == 422 and "bucket" in response.json()["errors"]
    assert volunteer.get(f"{BASE}/worklist/").status_code == 422
    assert _client(world.outsider).get(f"{BASE}/worklist/counts/").json()["overdue"] == 0

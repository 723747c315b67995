"""The call-log API (/api/hotline/): scoped lists, idempotent creation, ids out of reach as 422
naming the field, escalations closed only with an outcome."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.hotline.models import Call, Escalation

from .calls_world import HIGH, build_calls_world, log

PHONE = "13912345678"


@pytest.fixture
def cw(world):
    return build_calls_world(world)


def body(**overrides):
    data = {
        "started_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "duration_minutes": 15,
        "channel": "phone",
        "topic": "sleep",
        "outcome": "advice",
        "callback_phone": PHONE,
        "idempotency_key": "outbox-1",
    }
    return data | overrides


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_duty_member_logs_a_call_once_per_key(cw, login):
    client = login(cw.duty)
    first = post(client, "/api/hotline/calls/", body())
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["taken_by_id"] == cw.duty_member.pk and data["shift_id"] == cw.shift.pk
    assert data["risk_level"] == "none" and data["record_id"] and data["escalation_id"] is None
    assert PHONE not in first.content.decode() and data["callback_phone_masked"].endswith("5678")
    again = post(client, "/api/hotline/calls/", body())
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Call.objects.count() == 1


def test_a_high_risk_call_opens_an_escalation(cw, login):
    client = login(cw.duty)
    response = post(client, "/api/hotline/calls/", body(idempotency_key="", suicide_attempt=True, outcome="resolved"))
    assert response.status_code == 201
    escalation_id = response.json()["escalation_id"]
    assert Escalation.objects.get(pk=escalation_id).supervisor == cw.doctor_member


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"team_id": 10**15}, "team_id"),
        ({"shift_id": 10**15}, "shift_id"),
        ({"taken_by_id": 10**15}, "taken_by_id"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"started_at": "2999-01-01T00:00:00+08:00"}, "started_at"),
        ({"callback_phone": "123"}, "callback_phone"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(cw, login, extra, field):
    response = post(login(cw.duty), "/api/hotline/calls/", body(**extra))
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert Call.objects.count() == 0


def test_another_orgs_team_and_member_are_out_of_reach(cw, login):
    client = login(cw.duty)
    assert post(client, "/api/hotline/calls/", body(team_id=cw.team_b.pk)).status_code == 422
    assert post(client, "/api/hotline/calls/", body(taken_by_id=cw.duty_b_member.pk)).status_code == 422
    assert Call.objects.count() == 0


def test_lists_and_reads_are_scoped(cw, login):
    call = log(cw.duty, **HIGH).call
    mine = login(cw.duty).get("/api/hotline/calls/").json()
    assert [c["id"] for c in mine["items"]] == [call.pk]
    assert login(cw.duty_b).get("/api/hotline/calls/").json()["items"] == []
    assert login(cw.duty_b).get(f"/api/hotline/calls/{call.pk}/").status_code == 404
    assert login(cw.owner).get(f"/api/hotline/calls/{call.pk}/").status_code == 404
    assert login(cw.owner).get("/api/hotline/escalations/").json()["items"] == []
    assert login(cw.duty).get("/api/hotline/calls/", {"risk_level": "none"}).json()["items"] == []
    assert login(cw.duty).get(f"/api/hotline/calls/{10**30}/").status_code in (404, 422)


def test_escalation_close_needs_an_outcome_then_records_the_minutes(cw, login):
    escalation = log(cw.duty, **HIGH).escalation
    client = login(cw.doctor)
    listed = client.get("/api/hotline/escalations/", {"status": "open"}).json()["items"]
    assert [e["id"] for e in listed] == [escalation.pk] and listed[0]["supervisor_name"] == "孙督导"
    url = f"/api/hotline/escalations/{escalation.pk}/"
    assert post(client, url + "acknowledge/", {}).json()["acknowledged_at"]
    refused = post(client, url + "close/", {"outcome": ""})
    assert refused.status_code == 422 and "outcome" in refused.content.decode()
    closed = post(client, url + "close/", {"outcome": "safe", "outcome_note": "已回拨确认安全"})
    assert closed.status_code == 200
    data = closed.json()
    assert data["closed_at"] and data["minutes_to_handle"] is not None and data["handled_in_time"] is True


def test_void_over_the_api(cw, login):
    call = log(cw.duty).call
    client = login(cw.duty)
    response = post(client, f"/api/hotline/calls/{call.pk}/void/", {"reason": "重复登记"})
    assert response.status_code == 200 and response.json()["voided"]
    assert post(login(cw.duty_b), f"/api/hotline/calls/{call.pk}/void/", {"reason": "x"}).status_code == 404

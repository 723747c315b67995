"""The meetings' API as a client sees it: create with a key and a roll, quorum errors naming the
field, counts only for past meetings, attendance put, the calendar, rules, scope answers."""

import pytest
from django.test import Client

from xianfeng.partylife.models import Meeting

from .factories_meetings import DAY, TODAY, meeting, meetings_world

BASE = "/api/partylife"


@pytest.fixture
def w(world):
    return meetings_world(world)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _roll(w, **statuses):
    return [{"member_id": m.pk, "status": statuses.get(m.name, "present"), "reason": "值班"} for m in w.roll]


def test_create_with_a_key_and_a_roll(w):
    client = _client(w.secretary)
    body = {
        "org_id": w.branch_a.pk,
        "kind": "committee",
        "held_on": str(TODAY - DAY),
        "host_id": w.sec.pk,
        "attendance": _roll(w),
        "idempotency_key": "outbox-1",
    }
    first = client.post(f"{BASE}/meetings/", body, content_type="application/json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert (data["expected_count"], data["present_count"], data["has_quorum"]) == (4, 4, True)
    assert len(data["attendance"]) == 5 and data["title"] == "支委会"
    again = client.post(f"{BASE}/meetings/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]


def test_quorum_and_reasons_come_back_as_field_errors(w):
    client = _client(w.secretary)
    body = {
        "org_id": w.branch_a.pk,
        "kind": "assembly",
        "held_on": str(TODAY),
        "attendance": _roll(w, 张志愿="absent", 王医生="absent", 赵护士="leave"),
    }
    response = client.post(f"{BASE}/meetings/", body, content_type="application/json")
    assert response.status_code == 422
    assert "应到 4 人，实到 1 人" in str(response.json())
    roll = _roll(w)
    roll[1] = {"member_id": w.full[1].pk, "status": "absent", "reason": ""}
    response = client.post(f"{BASE}/meetings/", {**body, "attendance": roll}, content_type="application/json")
    assert response.status_code == 422 and "须填写原因" in str(response.json())
    huge = {**body, "attendance": None, "expected_count": 10**30, "present_count": 1}
    assert client.post(f"{BASE}/meetings/", huge, content_type="application/json").status_code == 422
    future = {**body, "kind": "lecture", "held_on": str(TODAY + DAY)}
    assert client.post(f"{BASE}/meetings/", future, content_type="application/json").status_code == 422
    assert not Meeting.objects.exists()


def test_read_update_attendance_void(w):
    m = meeting(w, kind="lecture")
    client = _client(w.secretary)
    assert client.get(f"{BASE}/meetings/{m.pk}/").json()["present_count"] == 5
    listed = client.get(f"{BASE}/meetings/", {"kind": "lecture"}).json()
    assert listed["count"] == 1
    patched = client.patch(f"{BASE}/meetings/{m.pk}/", {"place": "报告厅"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["place"] == "报告厅"
    rows = {
        "rows": [
            {"member_id": w.sec.pk, "status": "present"},
            {"member_id": w.full[1].pk, "status": "leave", "reason": "病假"},
        ]
    }
    put = client.put(f"{BASE}/meetings/{m.pk}/attendance/", rows, content_type="application/json")
    assert put.status_code == 200 and (put.json()["expected_count"], put.json()["present_count"]) == (2, 1)
    voided = client.post(f"{BASE}/meetings/{m.pk}/void/", {"reason": "重复"}, content_type="application/json")
    assert voided.status_code == 200 and voided.json()["voided"]


def test_scope_answers(w):
    m = meeting(w, kind="lecture")
    assert _client(w.outsider).get(f"{BASE}/meetings/{m.pk}/").status_code == 404
    member = _client(w.member_user)
    assert member.get(f"{BASE}/meetings/{m.pk}/").status_code == 200
    assert member.patch(f"{BASE}/meetings/{m.pk}/", {"place": "x"}, content_type="application/json").status_code == 403
    body = {"org_id": w.branch_b.pk, "kind": "lecture", "held_on": str(TODAY), "expected_count": 3, "present_count": 2}
    assert _client(w.secretary).post(f"{BASE}/meetings/", body, content_type="application/json").status_code == 422
    assert _client(w.secretary).get(f"{BASE}/meetings/{10**30}/").status_code in (404, 422)


def test_calendar_and_rules(w):
    meeting(w, kind="committee", held_on=TODAY)
    client = _client(w.secretary)
    data = client.get(f"{BASE}/calendar/", {"org_id": w.branch_a.pk}).json()
    this_month = [c for c in data["cells"] if c["kind"] == "committee" and c["start"] <= str(TODAY) <= c["end"]]
    assert this_month[0]["status"] == "done" and this_month[0]["held"] == 1
    assert client.get(f"{BASE}/calendar/", {"org_id": w.group_a.pk}).status_code == 422  # a 党小组 has no calendar
    response = client.get(f"{BASE}/calendar/", {"org_id": w.branch_b.pk})  # out of reach: the same answer
    assert response.status_code == 422 and "org_id" in response.json()["errors"]
    rule = {"org_id": w.branch_a.pk, "kind": "group", "period": "quarter", "min_count": 0, "start_on": str(TODAY)}
    created = client.post(f"{BASE}/compliance-rules/", rule, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert client.get(f"{BASE}/compliance-rules/").json()["count"] == 1
    assert (
        _client(w.member_user).post(f"{BASE}/compliance-rules/", rule, content_type="application/json").status_code
        == 403
    )


def test_the_invalid_note_goes_in_and_out(w):
    client = _client(w.secretary)
    body = {
        "org_id": w.branch_a.pk,
        "kind": "assembly",
        "held_on": str(TODAY),
        "is_valid": False,
        "attendance": _roll(w, 张志愿="absent", 王医生="absent", 赵护士="leave"),
    }
    response = client.post(f"{BASE}/meetings/", body, content_type="application/json")
    assert response.status_code == 422 and "invalid_note" in str(response.json())
    assert not Meeting.objects.exists()
    too_long = client.post(f"{BASE}/meetings/", {**body, "invalid_note": "长" * 201}, content_type="application/json")
    assert too_long.status_code == 422 and not Meeting.objects.exists()
    created = client.post(f"{BASE}/meetings/", {**body, "invalid_note": "未过半数"}, content_type="application/json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["is_valid"], data["invalid_note"], data["files"]) == (False, "未过半数", [])
    url = f"{BASE}/meetings/{data['id']}/"
    patched = client.patch(url, {"invalid_note": "未过半数，下周重开"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["invalid_note"] == "未过半数，下周重开"
    assert client.patch(url, {"invalid_note": ""}, content_type="application/json").status_code == 422
    rows = {"rows": _roll(w, 张志愿="absent"), "is_valid": True}
    put = client.put(f"{url}attendance/", rows, content_type="application/json")
    assert put.status_code == 200 and (put.json()["is_valid"], put.json()["invalid_note"]) == (True, "")

"""The duty roster over the API: list with filters, a shift with its members, create, assign,
remove, swap and decide; ids out of reach are 422 naming the field; huge ids never 500."""

import json

import pytest

from xianfeng.hotline import services_roster as services
from xianfeng.hotline import services_roster_swaps as swaps
from xianfeng.hotline.models import Shift, ShiftAssignment, SwapRequest

from .factories import DAY, T0, T8, T16, roster_world

pytestmark = pytest.mark.django_db
BASE = "/api/hotline/roster"


@pytest.fixture
def w():
    return roster_world()


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _shift(w, day, start=T8, end=T16, seats=2, members=()):
    shift = services.shift_create(
        acting_user=w.manager, team=w.team, date=day, start_time=start, end_time=end, seats=seats
    )
    for member in members:
        services.assignment_add(acting_user=w.manager, shift=shift, member=member)
    return shift


def test_list_shifts_with_gaps_only_and_a_date_range(w, login):
    full = _shift(w, w.today + DAY, seats=1, members=[w.zhou])
    gap = _shift(w, w.today + DAY, start=T16, end=T0, members=[w.li])
    _shift(w, w.today + 30 * DAY)
    client = login(w.duty)
    items = client.get(f"{BASE}/shifts/", {"team_id": w.team.pk, "to": str(w.today + 7 * DAY)}).json()["items"]
    assert [i["id"] for i in items] == [full.pk, gap.pk]
    assert items[1]["overnight"] is True and (items[1]["staffed"], items[1]["gap"]) == (1, 1)
    gaps = client.get(f"{BASE}/shifts/", {"gaps": "true", "to": str(w.today + 7 * DAY)}).json()["items"]
    assert [i["id"] for i in gaps] == [gap.pk]
    assert login(w.outsider).get(f"{BASE}/shifts/").json()["items"] == []


def test_get_a_shift_with_its_members(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou, w.wang])
    body = login(w.volunteer).get(f"{BASE}/shifts/{shift.pk}/").json()
    assert [a["member"]["name"] for a in body["assignments"]] == ["周值守", "王值守"]
    assert login(w.outsider).get(f"{BASE}/shifts/{shift.pk}/").status_code == 404
    assert login(w.volunteer).get(f"{BASE}/shifts/{10**30}/").status_code in (404, 422)


def test_create_a_shift_then_assign(w, login):
    client = login(w.doctor)
    body = {
        "team_id": w.team.pk,
        "date": str(w.today + DAY),
        "start_time": "22:00",
        "end_time": "08:00",
        "seats": 2,
        "supervisor_id": w.sun.pk,
    }
    response = _post(client, f"{BASE}/shifts/", body)
    assert response.status_code == 201, response.content
    shift = Shift.objects.get()
    assert response.json()["overnight"] is True and shift.supervisor == w.sun
    added = _post(client, f"{BASE}/shifts/{shift.pk}/assignments/", {"member_id": w.zhou.pk})
    assert added.status_code == 201 and added.json()["member"]["name"] == "周值守"
    stranger = _post(client, f"{BASE}/shifts/{shift.pk}/assignments/", {"member_id": w.stranger.pk})
    assert stranger.status_code == 422 and "member_id" in stranger.json()["errors"]


def test_ids_out_of_reach_are_422_naming_the_field(w, login):
    client = login(w.manager)
    body = {"team_id": w.other_team.pk, "date": str(w.today), "start_time": "08:00", "end_time": "16:00"}
    response = _post(client, f"{BASE}/shifts/", body)
    assert response.status_code == 422 and "team_id" in response.json()["errors"]
    response = _post(client, f"{BASE}/shifts/", {**body, "team_id": w.team.pk, "supervisor_id": w.stranger.pk})
    assert response.status_code == 422 and "supervisor_id" in response.json()["errors"]
    huge = _post(client, f"{BASE}/shifts/", {**body, "team_id": 10**30})
    assert huge.status_code == 422
    assert not Shift.objects.exists()


def test_a_reader_cannot_create_or_remove(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    duty = login(w.duty)
    body = {"team_id": w.team.pk, "date": str(w.today), "start_time": "08:00", "end_time": "16:00"}
    assert _post(duty, f"{BASE}/shifts/", body).status_code == 422  # no team they manage
    assignment = shift.assignments.get()
    assert duty.delete(f"{BASE}/assignments/{assignment.pk}/").status_code == 403
    assert login(w.manager).delete(f"{BASE}/assignments/{assignment.pk}/").status_code == 204
    assert not ShiftAssignment.objects.exists()


def test_swap_request_and_approve_over_the_api(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    assignment = shift.assignments.get()
    other = _post(
        login(w.volunteer), f"{BASE}/assignments/{assignment.pk}/swap/", {"to_member_id": w.wang.pk, "reason": "x"}
    )
    assert other.status_code == 422  # not their duty: refused by the service, not 403
    response = _post(
        login(w.duty), f"{BASE}/assignments/{assignment.pk}/swap/", {"to_member_id": w.wang.pk, "reason": "家中有事"}
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    swap_id = response.json()["id"]
    assert _post(login(w.duty), f"{BASE}/swaps/{swap_id}/approve/").status_code == 403
    listing = login(w.manager).get(f"{BASE}/swaps/", {"status": "pending"}).json()["items"]
    assert [s["id"] for s in listing] == [swap_id]
    approved = _post(login(w.manager), f"{BASE}/swaps/{swap_id}/approve/", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["member"]["name"] == "王值守"
    assert SwapRequest.objects.get().status == "approved"


def test_reject_needs_a_note(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    swap = swaps.swap_request(acting_user=w.duty, assignment=shift.assignments.get(), to_member=w.li, reason="x")
    client = login(w.manager)
    missing = _post(client, f"{BASE}/swaps/{swap.pk}/reject/", {})
    assert missing.status_code == 422 and "note" in missing.json()["errors"]
    assert _post(client, f"{BASE}/swaps/{swap.pk}/reject/", {"note": "人手不够"}).json()["status"] == "rejected"

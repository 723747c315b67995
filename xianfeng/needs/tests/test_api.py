"""The needs ledger's API as a client (the offline outbox) sees it: create with a key, list with
the page's filters, resolve with record ids, errors naming the field, scope answers."""

import pytest
from django.test import Client

from xianfeng.needs.models import Need, Status

from .factories import DAY, TODAY, delivery, needs_world

NEEDS = "/api/needs/"


@pytest.fixture
def w(world):
    return needs_world(world)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _body(w, **extra):
    return {"title": "更换轮椅", "category": "assistive", "resident_id": w.resident.pk, **extra}


def test_create_replay_and_read(w):
    client = _client(w.volunteer)
    first = _post(client, NEEDS, _body(w, idempotency_key="outbox-1", due_on=str(TODAY + 7 * DAY)))
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["status"] == "open" and data["household_id"] == w.household.pk and data["resident_name"] == "李大爷"
    again = _post(client, NEEDS, _body(w, idempotency_key="outbox-1"))
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Need.objects.count() == 1
    assert client.get(f"{NEEDS}{data['id']}/").json()["title"] == "更换轮椅"


def test_bad_ids_and_values_are_422_naming_the_field(w):
    client = _client(w.volunteer)
    response = _post(client, NEEDS, _body(w, resident_id=10**30))
    assert response.status_code == 422 and "resident_id" in response.json()["errors"]
    response = _post(client, NEEDS, _body(w, assigned_team_id=999999))
    assert response.status_code == 422 and "assigned_team_id" in response.json()["errors"]
    response = _post(client, NEEDS, {"title": "修路", "category": "other"})
    assert response.status_code == 422 and "resident_id" in response.json()["errors"]
    response = _post(client, NEEDS, _body(w, category="nonsense"))
    assert response.status_code == 422
    assert not Need.objects.exists()


def test_list_filters_like_the_page(w):
    client = _client(w.secretary)
    late = _post(client, NEEDS, _body(w, due_on=str(TODAY - DAY), raised_on=str(TODAY - 3 * DAY))).json()
    _post(client, NEEDS, _body(w, title="代购降压药", category="medicine", resident_id=w.wife.pk))
    titles = [n["title"] for n in client.get(NEEDS).json()["items"]]
    assert sorted(titles) == ["代购降压药", "更换轮椅"]
    overdue = client.get(NEEDS, {"overdue": "true"}).json()["items"]
    assert [n["id"] for n in overdue] == [late["id"]] and overdue[0]["overdue"] is True
    assert [n["title"] for n in client.get(NEEDS, {"category": "medicine"}).json()["items"]] == ["代购降压药"]
    assert client.get(NEEDS, {"page": 10**20}).status_code == 422
    assert _client(w.outsider).get(NEEDS).json()["items"] == []


def test_assign_resolve_close_reopen_void(w):
    client = _client(w.secretary)
    need = _post(client, NEEDS, _body(w, raised_on=str(TODAY - 3 * DAY))).json()
    url = f"{NEEDS}{need['id']}/"
    assigned = _post(client, url + "assign/", {"assigned_member_id": w.member.pk, "due_on": str(TODAY + DAY)})
    assert assigned.status_code == 200 and assigned.json()["status"] == "in_progress"
    refused = _post(client, url + "resolve/", {"record_ids": []})
    assert refused.status_code == 422 and "record_ids" in refused.json()["errors"]
    stranger = _post(client, url + "resolve/", {"record_ids": [10**12]})
    assert stranger.status_code == 422 and "record_ids" in stranger.json()["errors"]
    record = delivery(w, resident=w.resident)
    resolved = _post(client, url + "resolve/", {"record_ids": [record.pk], "resolution_note": "已送达"})
    assert resolved.status_code == 200 and resolved.json()["record_ids"] == [record.pk]
    assert _post(client, url + "close/", {"reason": "再关"}).status_code == 422  # already closed
    assert _post(client, url + "reopen/", {"reason": ""}).status_code == 422
    assert _post(client, url + "reopen/", {"reason": "问题又出现"}).json()["status"] == "in_progress"
    closed = _post(client, url + "close/", {"reason": "本人放弃"})
    assert closed.json()["status"] == Status.UNRESOLVED and closed.json()["close_reason"] == "本人放弃"
    assert _post(client, url + "void/", {"reason": "重复登记"}).json()["voided"] is True


def test_scope_answers_404_outside_and_403_read_only(w):
    need = _post(_client(w.secretary), NEEDS, _body(w)).json()
    url = f"{NEEDS}{need['id']}/"
    assert _client(w.outsider).get(url).status_code == 404
    assert _post(_client(w.outsider), url + "start/", {}).status_code == 404
    assert _client(w.reader).get(url).status_code == 200
    assert _post(_client(w.reader), url + "start/", {}).status_code == 403
    assert _post(_client(w.reader), NEEDS, _body(w)).status_code == 403
    patched = _client(w.secretary).patch(url, {"title": "更换电动轮椅"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["title"] == "更换电动轮椅"
    assert _client(w.secretary).get(f"{NEEDS}{10**30}/").status_code in (404, 422)

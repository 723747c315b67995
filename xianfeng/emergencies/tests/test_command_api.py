"""/api/emergencies/ for the command part: emergencies, groups, meetings, the report's fields,
daily reports (one per day: a retry is 200, other numbers 409) and the series."""

import datetime

import pytest
from django.test import Client

from xianfeng.emergencies.models import DailyReport, Emergency
from xianfeng.emergencies.report_form import default_fields

from .factories_command import START, make_emergency, make_world

pytestmark = pytest.mark.django_db
API = "/api/emergencies/"


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


def counts(**values):
    return {**{f["code"]: 0 for f in default_fields()}, **values}


def test_create_read_update_emergency(world):
    client = _client(world.clerk)
    response = _send(
        client, "post", API, {"name": "新冠肺炎疫情防控", "org_id": world.committee.pk, "start_on": str(START)}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["active"] and data["org_name"] == "市医院党委"
    response = _send(
        client, "patch", f"{API}{data['id']}/", {"call_text": "共产党员冲在前", "pledges_open": True, "name": "抗疫"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["pledges_open"] and response.json()["name"] == "抗疫"
    # The branch below reads it, but may not change it.
    member = _client(world.member)
    assert member.get(f"{API}{data['id']}/").status_code == 200
    assert [e["id"] for e in member.get(API).json()["items"]] == [data["id"]]
    assert _send(member, "patch", f"{API}{data['id']}/", {"name": "x"}).status_code == 403
    assert _client(world.outsider).get(f"{API}{data['id']}/").status_code == 404


def test_bad_input_is_422_naming_the_field(world):
    client = _client(world.clerk)
    response = _send(client, "post", API, {"name": "x", "org_id": world.other.pk, "start_on": str(START)})
    assert response.status_code == 422 and "org_id" in response.json()["errors"]
    response = _send(client, "post", API, {"name": "x", "org_id": 10**30, "start_on": str(START)})
    assert response.status_code == 422
    response = _send(
        client,
        "post",
        API,
        {"name": "x", "org_id": world.committee.pk, "start_on": "2020-02-01", "end_on": "2020-01-01"},
    )
    assert response.status_code == 422 and "end_on" in response.json()["errors"]
    assert not Emergency.objects.exists()


def test_groups_and_meetings(world, emergency):
    client = _client(world.clerk)
    wang, li, zhang = world.staff
    url = f"{API}{emergency.pk}/groups/"
    response = _send(client, "post", url, {"name": "医疗救治组", "leader_id": wang.pk, "member_ids": [li.pk, zhang.pk]})
    assert response.status_code == 201, response.json()
    group = response.json()
    assert group["leader_name"] == "王医生" and group["member_ids"] == sorted([li.pk, zhang.pk])
    assert _send(client, "post", url, {"name": "医疗救治组"}).status_code == 422
    response = _send(client, "patch", f"{API}groups/{group['id']}/", {"member_ids": [wang.pk]})
    assert response.json()["member_ids"] == [wang.pk]
    assert [g["name"] for g in _client(world.member).get(url).json()] == ["医疗救治组"]
    url = f"{API}{emergency.pk}/meetings/"
    response = _send(client, "post", url, {"held_on": "2020-01-24", "title": "第一次会议", "attendee_ids": [wang.pk]})
    assert response.status_code == 201, response.json()
    meeting = response.json()["id"]
    response = _send(client, "post", f"{API}meetings/{meeting}/void/", {"reason": "重复"})
    assert response.status_code == 200 and response.json()["voided"]
    assert client.get(url).json() == []


def test_report_fields_get_and_put(world, emergency):
    client = _client(world.clerk)
    url = f"{API}{emergency.pk}/report-fields/"
    fields = client.get(url).json()["fields"]
    assert fields[0]["code"] == "screened"
    fields.append({"label": "核酸检测"})
    response = _send(client, "put", url, {"fields": fields})
    assert response.status_code == 200, response.json()
    assert response.json()["fields"][-1] == {"code": "custom_1", "label": "核酸检测", "enabled": True}
    response = _send(client, "put", url, {"fields": [{**f, "enabled": False} for f in fields]})
    assert response.status_code == 422 and "fields" in response.json()["errors"]


def test_daily_reports_one_per_day_and_the_series(world, emergency):
    client = _client(world.clerk)
    url = f"{API}{emergency.pk}/daily-reports/"
    first = _send(client, "post", url, {"day": "2020-01-23", "counts": counts(confirmed=2)})
    assert first.status_code == 201, first.json()
    retry = _send(client, "post", url, {"day": "2020-01-23", "counts": counts(confirmed=2)})
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    other = _send(client, "post", url, {"day": "2020-01-23", "counts": counts(confirmed=3)})
    assert other.status_code == 409 and "day" in other.json()["errors"]
    down = _send(client, "post", url, {"day": "2020-01-24", "counts": counts(confirmed=1)})
    assert down.status_code == 422
    assert "counts.confirmed" in down.json()["errors"] and "2" in down.json()["errors"]["counts.confirmed"][0]
    huge = _send(client, "post", url, {"day": "2020-01-24", "counts": counts(confirmed=10**30)})
    assert huge.status_code == 422
    assert _send(client, "post", url, {"day": "2020-01-24", "counts": counts(confirmed=7)}).status_code == 201
    assert DailyReport.objects.count() == 2
    series = _client(world.member).get(f"{API}{emergency.pk}/series/").json()
    assert [r["new"]["confirmed"] for r in series["rows"]] == [2, 5]
    assert [r["cumulative"]["confirmed"] for r in series["rows"]] == [2, 7]
    assert len(client.get(url).json()) == 2
    assert _send(_client(world.secretary), "post", url, {"day": "2020-01-25", "counts": counts()}).status_code == 403


def test_dates_and_unknown_days(world, emergency):
    client = _client(world.clerk)
    url = f"{API}{emergency.pk}/daily-reports/"
    future = str(datetime.date.today() + datetime.timedelta(days=2))
    assert _send(client, "post", url, {"day": future, "counts": counts()}).status_code == 422
    assert _send(client, "post", url, {"day": "9999-01-01", "counts": counts()}).status_code == 422
    assert client.get(f"{API}999999/series/").status_code == 404

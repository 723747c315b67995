"""Activities over the API: create with participants and quantities (201, 200 on replay), list with
filters, read, void; ids out of scope are 422 naming the field; huge numbers are 422, never 500."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, county_regions
from xianfeng.servicelog.models import Activity, ActivityParticipant

URL = "/api/servicelog/activities/"
START = (timezone.localtime() - datetime.timedelta(days=1)).replace(microsecond=0)


@pytest.fixture
def setup(world):
    county_regions()
    world.branch_a.regions.add(TOWN_A)
    world.secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    world.member = MemberFactory(name="张书记", branch=world.branch_a, user=world.secretary, volunteer_no="V001")
    world.stranger = MemberFactory(name="外人", branch=world.branch_b)
    return world


def body(**extra):
    data = {
        "title": "孤山镇义诊",
        "kind": "free_clinic",
        "status": "held",
        "start_at": START.isoformat(),
        "org_id": None,
        "region_code": VILLAGE_A,
        "headcount": 40,
        "service_types": ["free_clinic"],
        "quantities": [{"service_type": "leaflet", "quantity": 200}],
        "idempotency_key": "api-1",
    }
    data.update(extra)
    return data


def post(client, data):
    return client.post(URL, data, content_type="application/json")


def test_create_replay_read_list_and_void(setup, login):
    client = login(setup.secretary)
    data = body(org_id=setup.branch_a.pk, participants=[{"member_id": setup.member.pk, "hours": 3.5}])
    first = post(client, data)
    assert first.status_code == 201, first.json()
    made = first.json()
    assert made["headcount"] == 40 and made["township_code"] == TOWN_A and made["status"] == "held"
    assert made["participants"] == [
        {"member_id": setup.member.pk, "name": "张书记", "volunteer_no": "V001", "hours": 3.5, "role": ""}
    ]
    assert made["quantities"][0]["unit"] == "份" and made["quantities"][0]["quantity"] == 200
    again = post(client, data)
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    assert Activity.objects.count() == 1
    assert client.get(f"{URL}{made['id']}/").json()["title"] == "孤山镇义诊"
    listed = client.get(URL, {"from": START.date().isoformat(), "status": "held"}).json()
    assert [a["id"] for a in listed["items"]] == [made["id"]]
    assert client.get(URL, {"status": "planned"}).json()["items"] == []
    assert client.post(f"{URL}{made['id']}/void/", {"reason": ""}, content_type="application/json").status_code == 422
    voided = client.post(f"{URL}{made['id']}/void/", {"reason": "重复"}, content_type="application/json")
    assert voided.status_code == 200 and voided.json()["voided"] is True
    assert not ActivityParticipant.objects.get().counted


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"org_id": 2**62}, "org_id"),
        ({"participants": [{"member_id": "stranger", "hours": 1}]}, "participants.0.member_id"),
        ({"participants": [{"member_id": "member", "hours": 25}]}, "participants"),
        ({"quantities": [{"service_type": "leaflet", "quantity": 5, "unit": "元"}]}, "quantities"),
        ({"quantities": [{"service_type": "nope", "quantity": 5}]}, "quantities.0.service_type"),
        ({"service_types": ["followup_home"]}, "service_types"),  # health type, no health level
        ({"region_code": "999999999"}, "region_code"),
        ({"headcount": 10**20}, "headcount"),
        ({"start_at": "9999-12-31T23:59:59-12:00"}, "start_at"),
        ({"start_at": (START + datetime.timedelta(days=3)).isoformat()}, "start_at"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_422_naming_the_field(setup, login, extra, field):
    for item in extra.get("participants", []):
        item["member_id"] = getattr(setup, item["member_id"]).pk
    response = post(login(setup.secretary), body(idempotency_key="", **extra))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert Activity.objects.count() == 0


def test_out_of_scope_activities_are_404(setup, login):
    admin_client = login(setup.admin)
    made = post(admin_client, body(org_id=setup.branch_b.pk, region_code=None, idempotency_key="")).json()
    client = login(setup.secretary)
    assert client.get(f"{URL}{made['id']}/").status_code == 404
    assert client.post(f"{URL}{made['id']}/void/", {"reason": "x"}, content_type="application/json").status_code == 404
    assert client.get(URL).json()["items"] == []

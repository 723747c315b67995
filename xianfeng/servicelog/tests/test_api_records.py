"""The service log's API as a client sees it: the catalogue, records created, replayed, bulk-created,
corrected and voided; ids out of scope, huge numbers and health records."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import (
    TOWN_A,
    VILLAGE_A,
    VILLAGE_B,
    HouseholdFactory,
    ResidentFactory,
    county_regions,
)
from xianfeng.servicelog import services
from xianfeng.servicelog.models import RecordProvider, ServiceRecord
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories import ServiceRecordFactory, service_type

TODAY = timezone.localdate()
RECORDS = "/api/servicelog/records/"


@pytest.fixture
def setup(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    world.member = MemberFactory(name="王志愿", branch=world.branch_a, user=world.volunteer, volunteer_no="ZY001")
    world.mate = MemberFactory(name="刘同事", branch=world.branch_a)
    world.doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc")
    MemberFactory(name="张医生", branch=world.branch_a, user=world.doctor)
    world.resident = ResidentFactory(
        name="李大爷", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1), phone="13912345678"
    )
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _delivery(world, **extra):
    return {"service_type": "medicine_delivery", "resident_id": world.resident.pk, **extra}


# --- the catalogue -------------------------------------------------------------------------


def test_every_signed_in_user_reads_the_catalogue_with_health_types(setup):
    response = _client(setup.volunteer).get("/api/servicelog/types/")
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()}
    delivery = types["medicine_delivery"]
    assert delivery["unit"] == "人次" and delivery["subject"] == "resident" and delivery["category_label"] == "医疗服务"
    assert types["followup_home"]["sensitivity"] == 2 and types["followup_home"]["sensitivity_label"] == "健康信息"
    assert types["psych_screen_school"]["result_fields"][0]["choices"][0] == ["negative", "阴性"]


def test_inactive_types_only_on_request(setup):
    stype = service_type("free_clinic")
    stype.active = False
    stype.save()
    client = _client(setup.volunteer)
    assert "free_clinic" not in {t["code"] for t in client.get("/api/servicelog/types/").json()}
    every = client.get("/api/servicelog/types/?include_inactive=true").json()
    assert {"code": "free_clinic", "active": False}.items() <= next(
        t for t in every if t["code"] == "free_clinic"
    ).items()


# --- single create and replay --------------------------------------------------------------


def test_create_then_replay_with_the_same_key(setup):
    client = _client(setup.volunteer)
    body = _delivery(setup, idempotency_key="phone-1", note="送降压药")
    first = _post(client, RECORDS, body)
    assert first.status_code == 201, first.content
    record = first.json()
    assert record["resident"] == {"id": setup.resident.pk, "name": "李大爷", "village_code": VILLAGE_A}
    assert record["providers"] == [{"id": setup.member.pk, "name": "王志愿", "volunteer_no": "ZY001", "hours": 1.0}]
    assert record["served_on"] == TODAY.isoformat() and record["org"]["name"] == "内科党支部"
    assert "13912345678" not in first.content.decode() and "5678" not in str(record["resident"])
    again = _post(client, RECORDS, body)
    assert again.status_code == 200 and again.json() == record
    assert ServiceRecord.objects.count() == 1


def test_create_with_a_teammate_hours_and_quantity(setup):
    team = TeamFactory(name="内科先锋队", owner_org=setup.branch_a, active_from=datetime.date(2024, 1, 1))
    for member in (setup.member, setup.mate):
        MembershipFactory(team=team, member=member, start_on=datetime.date(2024, 1, 1))
    body = _delivery(setup, provider_ids=[setup.member.pk, setup.mate.pk], hours="1.5", quantity=2, team_id=team.pk)
    response = _post(_client(setup.volunteer), RECORDS, body)
    assert response.status_code == 201, response.content
    assert {(p["name"], p["hours"]) for p in response.json()["providers"]} == {("王志愿", 1.5), ("刘同事", 1.5)}
    assert response.json()["quantity"] == 2.0 and response.json()["team"] == {"id": team.pk, "name": "内科先锋队"}


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"resident_id": 999_999}, "resident_id"),
        ({"team_id": 999_999}, "team_id"),
        ({"org_id": 999_999}, "org_id"),
        ({"activity_id": 999_999}, "activity_id"),
        ({"provider_ids": [999_999]}, "provider_ids"),
        ({"service_type": "no-such-type"}, "service_type"),
        ({"served_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "served_on"),
        ({"served_on": "1949-12-31"}, "served_on"),
        ({"unit": "元"}, "quantity"),
        ({"quantity": 1e30}, "quantity"),
        ({"quantity": "1e30"}, "quantity"),
        ({"quantity": 0.001}, "quantity"),
        ({"hours": 25}, "hours"),
        ({"resident_id": 2**63}, "resident_id"),
        ({"resident_id": 10**30}, "resident_id"),
        ({"provider_ids": [2**64]}, "provider_ids.0"),
        ({"result": {"nonsense": "x"}}, "result"),
        ({"idempotency_key": "k" * 65}, "idempotency_key"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(setup, extra, field):
    response = _post(_client(setup.volunteer), RECORDS, _delivery(setup, **extra))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert ServiceRecord.objects.count() == 0 and RecordProvider.objects.count() == 0


def test_ids_out_of_scope_read_like_missing_ones(setup):
    stranger = ResidentFactory(name="外村人", village_id=VILLAGE_B)
    outsider_member = MemberFactory(name="外科某人", branch=setup.branch_b)
    client = _client(setup.volunteer)
    response = _post(client, RECORDS, _delivery(setup, resident_id=stranger.pk))
    missing = _post(client, RECORDS, _delivery(setup, resident_id=999_999))
    assert response.status_code == missing.status_code == 422
    assert response.json()["errors"]["resident_id"] == missing.json()["errors"]["resident_id"]
    response = _post(client, RECORDS, _delivery(setup, provider_ids=[outsider_member.pk]))
    assert response.status_code == 422 and "provider_ids" in response.json()["errors"]
    assert "外科某人" not in response.content.decode()


def test_a_resident_bound_type_without_resident(setup):
    response = _post(_client(setup.volunteer), RECORDS, {"service_type": "medicine_delivery"})
    assert response.status_code == 422 and "resident_id" in response.json()["errors"]


# --- bulk ----------------------------------------------------------------------------------


def test_bulk_creates_all_or_nothing(setup):
    client = _client(setup.volunteer)
    good = [_delivery(setup, idempotency_key=f"b-{n}") for n in range(3)]
    bad = [*good, _delivery(setup, served_on="2099-01-01"), _delivery(setup, resident_id=999_999)]
    response = _post(client, RECORDS + "bulk/", {"items": bad})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"items.3.served_on", "items.4.resident_id"}
    assert ServiceRecord.objects.count() == 0
    response = _post(client, RECORDS + "bulk/", {"items": good})
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3 and ServiceRecord.objects.count() == 3
    replay = _post(client, RECORDS + "bulk/", {"items": good})
    assert replay.status_code == 200 and replay.json()["replayed"] == 3
    assert [i["id"] for i in replay.json()["items"]] == [i["id"] for i in response.json()["items"]]


def test_bulk_service_errors_are_keyed_by_item(setup):
    items = [_delivery(setup), {"service_type": "medicine_delivery"}, _delivery(setup, hours=2, quantity=2, unit="份")]
    response = _post(_client(setup.volunteer), RECORDS + "bulk/", {"items": items})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"items.1.resident_id", "items.2.quantity"}
    assert ServiceRecord.objects.count() == 0


def test_bulk_over_a_thousand_items_is_refused_clearly(setup):
    items = [_delivery(setup)] * (services.MAX_BULK + 1)
    response = _post(_client(setup.volunteer), RECORDS + "bulk/", {"items": items})
    assert response.status_code == 422
    assert "1000" in response.json()["errors"]["items"][0]
    assert ServiceRecord.objects.count() == 0


# --- read, correct, void -------------------------------------------------------------------


def _made(setup, **extra):
    client = _client(setup.volunteer)
    return client, _post(client, RECORDS, _delivery(setup, **extra)).json()


def test_list_with_filters(setup):
    client, record = _made(setup)
    older = ServiceRecordFactory(
        service_type=service_type("free_clinic"),
        org=setup.branch_a,
        place=VILLAGE_A,
        served_on=TODAY - datetime.timedelta(days=30),
    )
    listing = client.get(RECORDS).json()
    assert [r["id"] for r in listing["items"]] == [record["id"], older.pk] and listing["count"] == 2
    assert [r["id"] for r in client.get(RECORDS, {"type": "free_clinic"}).json()["items"]] == [older.pk]
    since = (TODAY - datetime.timedelta(days=7)).isoformat()
    assert [r["id"] for r in client.get(RECORDS, {"from": since}).json()["items"]] == [record["id"]]
    assert client.get(RECORDS, {"resident_id": setup.resident.pk}).json()["count"] == 1
    assert client.get(RECORDS, {"from": "2024-13-01"}).status_code == 422


def test_patch_corrects_and_keeps_history(setup):
    client, record = _made(setup)
    response = client.patch(f"{RECORDS}{record['id']}/", {"note": "改正", "hours": 2}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["note"] == "改正" and response.json()["providers"][0]["hours"] == 2.0
    assert ChangeLog.objects.filter(model="servicelog.ServiceRecord", action="update").exists()
    refused = client.patch(f"{RECORDS}{record['id']}/", {"note": None}, content_type="application/json")
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    assert (
        client.patch(f"{RECORDS}{record['id']}/", {"quantity": 1e30}, content_type="application/json").status_code
        == 422
    )


def test_void_needs_a_reason_and_leaves_the_list(setup):
    client, record = _made(setup)
    url = f"{RECORDS}{record['id']}/void/"
    assert _post(client, url, {"reason": ""}).status_code == 422
    response = _post(client, url, {"reason": "重复登记"})
    assert response.status_code == 200 and response.json()["voided"] and response.json()["void_reason"] == "重复登记"
    assert client.get(RECORDS).json()["count"] == 0
    assert client.get(RECORDS, {"include_voided": "true"}).json()["count"] == 1
    again = _post(client, url, {"reason": "再次"})
    assert again.status_code == 422
    patched = client.patch(f"{RECORDS}{record['id']}/", {"note": "x"}, content_type="application/json")
    assert patched.status_code == 422


def test_out_of_scope_and_read_only(setup):
    _client_, record = _made(setup)
    url = f"{RECORDS}{record['id']}/"
    assert _client(setup.outsider).get(url).status_code == 404
    assert _client(setup.outsider).patch(url, {"note": "x"}, content_type="application/json").status_code == 404
    leader = user_with_grant(Role.LEADER, Scope.ORG_SUBTREE, setup.branch_a, username="leader")
    assert _client(leader).get(url).status_code == 200
    assert _post(_client(leader), url + "void/", {"reason": "x"}).status_code == 403
    assert _client(setup.volunteer).get(f"{RECORDS}{2**63}/").status_code == 422


# --- health --------------------------------------------------------------------------------


def test_health_records_are_invisible_without_the_health_level(setup):
    doctor = _client(setup.doctor)
    body = {"service_type": "followup_home", "resident_id": setup.resident.pk, "result": {"stability": "稳定"}}
    response = _post(doctor, RECORDS, body)
    assert response.status_code == 201, response.content
    assert response.json()["result"] == {"stability": "stable"}
    health_id = response.json()["id"]
    volunteer = _client(setup.volunteer)
    assert volunteer.get(f"{RECORDS}{health_id}/").status_code == 404
    assert volunteer.get(RECORDS).json()["count"] == 0
    assert "入户随访" not in volunteer.get(RECORDS).content.decode()
    assert _post(volunteer, f"{RECORDS}{health_id}/void/", {"reason": "x"}).status_code == 404
    refused = _post(volunteer, RECORDS, body)
    assert refused.status_code == 422 and "service_type" in refused.json()["errors"]
    assert doctor.get(f"{RECORDS}{health_id}/").json()["service_type_name"] == "入户随访"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_one_record_or_many(setup):
    client = _client(setup.volunteer)
    _post(client, RECORDS, _delivery(setup))
    _post(client, RECORDS, _delivery(setup, note="second"))
    few = _queries(client, RECORDS)
    for n in range(8):
        household = HouseholdFactory(village_id=VILLAGE_A, head=ResidentFactory(village_id=VILLAGE_A))
        _post(client, RECORDS, {"service_type": "household_visit", "household_id": household.pk, "note": f"n{n}"})
    many = _queries(client, RECORDS)
    assert many == few, f"{few} queries for 2 records, {many} for 10"
    listing = client.get(RECORDS).json()
    assert listing["count"] == 10 and listing["items"][0]["household"]["name"].endswith("户")

"""What a phone keeps (issue 14 §2, contract B): the worklist's residents first, only residents in
the user's scope, masked ID numbers and phones, no tags, no health data without the health level,
at most OFFLINE_MAX_RESIDENTS, and a number of queries that does not grow with the residents."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices.snapshot import build_snapshot
from xianfeng.devices.snapshot_residents import search_key
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.needs import services as need_services
from xianfeng.programs import services as program_services
from xianfeng.residents.services import consent_record
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_A2, HouseholdFactory, ResidentFactory
from xianfeng.servicelog import services_activities
from xianfeng.servicelog.services import record_create
from xianfeng.servicelog.tests.factories import service_type
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team

from . import device_world as dw

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
RESIDENT_KEYS = {"id", "name", "search", "gender", "age", "village", "household_id", "id_masked", "phone_masked"}


@pytest.fixture
def w(world):
    w = dw.build(world)
    dw.pair(w, w.zhang)
    return w


def _ids(snapshot) -> list[int]:
    return [r["id"] for r in snapshot["residents"]]


def test_the_worklist_s_residents_are_on_the_phone_masked_and_without_tags(w):
    snap = build_snapshot(w.volunteer)
    (item,) = snap["worklist"]
    assert (item["program"], item["resident_id"], item["subject"], item["state"]) == (
        "pairing",
        w.zhang.pk,
        "张三",
        "overdue",
    )
    (zhang,) = [r for r in snap["residents"] if r["id"] == w.zhang.pk]
    assert set(zhang) == RESIDENT_KEYS  # no tags, no birth date, no address
    assert zhang["id_masked"] == "2106**************" and zhang["phone_masked"] == "138****5678"
    assert (zhang["gender"], zhang["village"], zhang["age"]) == ("男", "冯家屯村委会", w.zhang.age(TODAY))
    assert zhang["search"] == "张三 張三 zs zhangsan"
    text = json.dumps(snap, ensure_ascii=False)
    # Neither the full numbers nor anything beside the masks that rebuilds them: the birth date.
    for secret in (dw.ID_NUMBER, dw.ID_NUMBER[4:], dw.PHONE, "1952-04-17", "19520417", "12345678"):
        assert secret not in text


def test_no_resident_out_of_the_user_s_scope(w):
    # The volunteer's 责任区 reaches into 前阳镇 (another branch's township): its residents stay off
    # the phone, those of the volunteer's own township come.
    zone = team_services.zone_create(
        acting_user=w.admin,
        name="两镇片区",
        owner_org=w.world.branch_a,
        regions=[w.regions[dw.TOWN_A], w.regions[dw.TOWN_B]],
        active_from=TODAY - 30 * DAY,
    )
    team_services.zone_assign(acting_user=w.admin, zone=zone, member=w.member, start_on=TODAY - 10 * DAY)
    neighbour = ResidentFactory(name="邻村人", village_id=VILLAGE_A2)
    ids = _ids(build_snapshot(w.volunteer))
    assert neighbour.pk in ids and w.zhang.pk in ids
    assert w.stranger.pk not in ids
    assert "外镇人" not in json.dumps(build_snapshot(w.volunteer), ensure_ascii=False)


def test_priority_worklist_then_served_then_household_then_villages_of_activities(w):
    household = HouseholdFactory(village_id=VILLAGE_A, head=w.zhang)
    w.zhang.household = household
    w.zhang.save(update_fields=["household"])
    wife = ResidentFactory(name="李四", village_id=VILLAGE_A, household=household)
    served = ResidentFactory(name="王五", village_id=VILLAGE_A2)
    record_create(
        acting_user=w.volunteer,
        service_type=service_type("medicine_delivery"),
        resident=served,
        served_on=TODAY - 10 * DAY,
        providers=[w.member],
    )
    long_ago = ResidentFactory(name="孙八", village_id=VILLAGE_A)
    record_create(
        acting_user=w.admin,
        service_type=service_type("medicine_delivery"),
        resident=long_ago,
        served_on=TODAY - 200 * DAY,
        providers=[w.member],
    )
    services_activities.activity_create(
        acting_user=w.volunteer,
        title="谷家屯义诊",
        start_at=timezone.now() - DAY,
        status="held",
        region=w.regions[VILLAGE_A2],
        service_types=[service_type("free_clinic")],
    )
    nearby = ResidentFactory(name="赵六", village_id=VILLAGE_A2)
    unrelated = ResidentFactory(name="钱七", village_id=VILLAGE_A)
    snap = build_snapshot(w.volunteer)
    ids = _ids(snap)
    assert ids[:4] == [w.zhang.pk, served.pk, wife.pk, nearby.pk]
    assert unrelated.pk not in ids and long_ago.pk not in ids
    assert snap["households"] == [{"id": household.pk, "head": "张三", "village": "冯家屯村委会"}]
    (activity,) = snap["activities"]
    assert (activity["title"], activity["attendee_type"]) == ("谷家屯义诊", "free_clinic")


def test_no_more_residents_than_the_cap_worklist_first(w, settings):
    settings.OFFLINE_MAX_RESIDENTS = 5
    paired = [ResidentFactory(name=f"结对{i}", village_id=VILLAGE_A) for i in range(8)]
    for resident in paired:
        dw.pair(w, resident)
    others = [ResidentFactory(name=f"村民{i}", village_id=VILLAGE_A) for i in range(5)]
    services_activities.activity_create(
        acting_user=w.volunteer,
        title="冯家屯讲座",
        start_at=timezone.now() - DAY,
        status="held",
        region=w.regions[VILLAGE_A],
    )
    snap = build_snapshot(w.volunteer)
    assert len(snap["residents"]) == 5
    worklist_residents = [item["resident_id"] for item in snap["worklist"]]
    assert _ids(snap) == worklist_residents[:5]
    assert not set(_ids(snap)) & {r.pk for r in others}


def _smd_patient(w, resident, member):
    consent_record(acting_user=w.admin, resident=resident, kind="follow_up", on_date=TODAY - 90 * DAY)
    return program_services.enrollment_create(
        acting_user=w.admin,
        program="smd",
        resident=resident,
        org=w.world.branch_a,
        responsible_member=member,
        enrolled_on=TODAY - 60 * DAY,
        data={"diagnosis": "精神分裂症（F20）", "diagnosed_on": str(TODAY - 400 * DAY), "guardian": "李大娘"},
    )


def test_no_health_data_for_a_volunteer_and_all_of_it_for_the_doctor(w):
    patient = ResidentFactory(name="病人甲", village_id=VILLAGE_A)
    _smd_patient(w, patient, w.member)  # even assigned to the volunteer's own member
    volunteer = build_snapshot(w.volunteer)
    assert [i["program"] for i in volunteer["worklist"]] == ["pairing"]
    assert "smd" not in {p["code"] for p in volunteer["programs"]}
    assert not any(t["health"] for t in volunteer["service_types"])
    assert patient.pk not in {i["resident_id"] for i in volunteer["worklist"]}
    assert "严重精神障碍" not in json.dumps(volunteer, ensure_ascii=False)

    _smd_patient(w, ResidentFactory(name="病人乙", village_id=VILLAGE_A), w.doctor_member)
    doctor = build_snapshot(w.doctor)
    assert [i["program"] for i in doctor["worklist"]] == ["smd"]
    assert "smd" in {p["code"] for p in doctor["programs"]}
    assert any(t["health"] for t in doctor["service_types"])


def test_what_the_user_may_do_needs_assigned_and_the_hotline(w):
    need_services.need_create(
        acting_user=w.admin,
        title="代购降压药",
        category="medicine",
        resident=w.zhang,
        org=w.world.branch_a,
        assigned_member=w.member,
    )
    snap = build_snapshot(w.volunteer)
    assert snap["can"] == {"record": True, "attendance": True, "visit": True, "call": False, "need": True}
    assert [(n["title"], n["resident_id"]) for n in snap["needs"]["assigned"]] == [("代购降压药", w.zhang.pk)]
    assert snap["hotline"] is None
    assert snap["teams"] == [{"id": w.team.pk, "name": "甲队"}]
    assert snap["user"] == {"id": w.volunteer.pk, "username": "vol", "name": "王志愿", "member_id": w.member.pk}

    staff = user_with_grant(Role.HOTLINE, Scope.ORG_SUBTREE, w.world.branch_a, username="duty")
    MemberFactory(name="值守员", branch=w.world.branch_a, user=staff)
    team_services.team_create(
        acting_user=w.admin,
        name="心理热线值守组",
        kind=Team.Kind.HOTLINE,
        owner_org=w.world.branch_a,
        active_from=TODAY - 30 * DAY,
    )
    duty = build_snapshot(staff)
    assert duty["can"]["call"] is True and duty["residents"] == []
    assert [t["name"] for t in duty["hotline"]["teams"]] == ["心理热线值守组"]
    assert ["epidemic_anxiety", "疫情焦虑"] in duty["hotline"]["topics"]


def test_search_keys_cover_traditional_initials_and_full_pinyin():
    assert search_key("刘德华") == "刘德华 劉德華 ldh liudehua"
    assert search_key("Anna") == "anna"
    assert search_key("") == ""


def _snapshot_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert dw.snapshot(client).status_code == 200
    return len(queries)


def test_the_snapshot_s_queries_do_not_grow_with_residents(w, django_assert_max_num_queries):
    client = dw.client_of(w.volunteer)
    dw.register(client)
    household = HouseholdFactory(village_id=VILLAGE_A, head=w.zhang)
    services_activities.activity_create(
        acting_user=w.volunteer,
        title="冯家屯讲座",
        start_at=timezone.now() - DAY,
        status="held",
        region=w.regions[VILLAGE_A],
    )

    def grow(n):
        for i in range(n):
            resident = ResidentFactory(
                name=f"居民{i}", village_id=VILLAGE_A, household=household if i % 2 else None, phone="13900001111"
            )
            if i % 4 == 0:
                dw.pair(w, resident)

    grow(20)
    _snapshot_queries(client)  # caches warm (grants, programs)
    few = _snapshot_queries(client)
    grow(180)
    with django_assert_max_num_queries(few):
        response = dw.snapshot(client)
    assert len(response.json()["residents"]) >= 200 and len(response.json()["worklist"]) >= 50

"""The people part's API as a client sees it: pledges with an idempotency key, a member who sees
only their own, a commando team formed all or nothing, shifts, applications, family pairing."""

import datetime

import pytest
from django.test import Client

from xianfeng.emergencies.models import DutyShift, EmergencyTeam, FrontLineApplication, Pledge
from xianfeng.programs.models import Enrollment
from xianfeng.residents.models import HouseholdTag, HouseholdTagKind
from xianfeng.residents.tests.factories import HouseholdFactory, county_regions
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories_people import DAY, TODAY, people_world, pledge

API = "/api/emergencies"


@pytest.fixture
def w(world):
    return people_world(world)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_pledge_submit_replay_list_own_only(w):
    wang = _client(w.wang_user)
    body = {"emergency_id": w.emergency.pk, "text": "请战！", "willing": "ward", "idempotency_key": "o-1"}
    first = _post(wang, f"{API}/pledges/", body)
    assert first.status_code == 201, first.json()
    again = _post(wang, f"{API}/pledges/", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    dup = _post(wang, f"{API}/pledges/", {**body, "idempotency_key": "o-2"})
    assert dup.status_code == 422 and "member_id" in str(dup.json())
    theirs = pledge(w, w.li)
    listing = wang.get(f"{API}/pledges/?emergency_id={w.emergency.pk}").json()
    assert [p["member_name"] for p in listing["items"]] == ["王医生"]
    assert wang.get(f"{API}/pledges/{theirs.pk}/").status_code == 404
    assert _post(wang, f"{API}/pledges/{theirs.pk}/withdraw/", {}).status_code == 404
    mine = first.json()["id"]
    assert _post(wang, f"{API}/pledges/{mine}/withdraw/", {"note": "家中有事"}).json()["status"] == "withdrawn"


def test_pledge_on_commando_team_refused_and_huge_ids(w):
    team = TeamFactory(name="发热门诊突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - DAY)
    wang = _client(w.wang_user)
    response = _post(wang, f"{API}/pledges/", {"emergency_id": w.emergency.pk, "text": "请战"})
    assert response.status_code == 422 and "发热门诊突击队" in str(response.json())
    assert _post(wang, f"{API}/pledges/", {"emergency_id": 10**30, "text": "x"}).status_code == 422
    assert wang.get(f"{API}/pledges/{10**30}/").status_code in (404, 422)


def test_commando_team_all_or_nothing_and_formed(w):
    a, b = pledge(w, w.wang), pledge(w, w.li, status=Pledge.Status.WITHDRAWN)
    clerk = _client(w.clerk)
    bad = _post(
        clerk, f"{API}/teams/commando/", {"emergency_id": w.emergency.pk, "name": "一队", "pledge_ids": [a.pk, b.pk]}
    )
    assert bad.status_code == 422 and f"pledge_{b.pk}" in str(bad.json())
    assert not EmergencyTeam.objects.exists()
    ok = _post(
        clerk,
        f"{API}/teams/commando/",
        {"emergency_id": w.emergency.pk, "name": "一队", "pledge_ids": [a.pk], "leader_pledge_id": a.pk},
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["members"] == 1 and ok.json()["purpose"] == "commando"
    listed = clerk.get(f"{API}/teams/?emergency_id={w.emergency.pk}").json()
    assert [t["team_name"] for t in listed] == ["一队"]
    # a member may read the teams but not form one
    c = pledge(w, w.zhao)
    denied = _post(
        _client(w.li_user),
        f"{API}/teams/commando/",
        {"emergency_id": w.emergency.pk, "name": "x", "pledge_ids": [c.pk]},
    )
    assert denied.status_code in (403, 404, 422)
    assert EmergencyTeam.objects.count() == 1


def test_shifts_and_my_shifts(w):
    clerk = _client(w.clerk)
    start = datetime.datetime.combine(TODAY, datetime.time(8, 0)).isoformat()
    end = datetime.datetime.combine(TODAY, datetime.time(16, 0)).isoformat()
    body = {
        "emergency_id": w.emergency.pk,
        "site": "隔离病区A",
        "member_id": w.wang.pk,
        "starts_at": start,
        "ends_at": end,
    }
    assert _post(clerk, f"{API}/duty-shifts/", body).status_code == 201
    clash = _post(clerk, f"{API}/duty-shifts/", {**body, "site": "卡口"})
    assert clash.status_code == 422 and "重叠" in str(clash.json())
    huge = _post(
        clerk, f"{API}/duty-shifts/", {**body, "starts_at": "9999-12-31T23:00:00Z", "ends_at": "9999-12-31T23:59:00Z"}
    )
    assert huge.status_code == 422
    mine = _client(w.wang_user).get(f"{API}/duty-shifts/?mine=true").json()
    assert [s["site"] for s in mine["items"]] == ["隔离病区A"]
    shift = DutyShift.objects.get()
    assert _post(clerk, f"{API}/duty-shifts/{shift.pk}/void/", {"reason": "调整"}).json()["voided"] is True


def test_applications(w):
    secretary = _client(w.secretary)
    body = {"emergency_id": w.emergency.pk, "member_id": w.chen.pk, "applied_on": str(TODAY), "letter": "火线入党"}
    response = _post(secretary, f"{API}/applications/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["party_stage"] == "applicant" and response.json()["next_step"] == "talk"
    party = _post(secretary, f"{API}/applications/", {**body, "member_id": w.wang.pk})
    assert party.status_code == 422 and "member_id" in str(party.json())
    assert FrontLineApplication.objects.count() == 1
    listed = secretary.get(f"{API}/applications/?emergency_id={w.emergency.pk}").json()
    assert [a["member_name"] for a in listed["items"]] == ["陈护士"]


def test_family_pairing_one_click(w):
    regions = county_regions()
    medical = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    MembershipFactory(team=medical, member=w.zhao, start_on=TODAY - DAY)
    link = EmergencyTeam.objects.create(emergency=w.emergency, team=medical, purpose="outbound")
    village = next(code for code in regions if len(code) == 12)
    w.committee.regions.add(village[:9])
    household = HouseholdFactory(village_id=village)
    HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.MEDICAL_FAMILY, note="赵医生的父母")
    pledge(w, w.wang)
    clerk = _client(w.clerk)
    families = clerk.get(f"{API}/teams/{link.pk}/families/").json()
    assert [f["staff_name"] for f in families] == ["赵医生"] and families[0]["pairing_id"] is None
    paired = _post(
        clerk,
        f"{API}/teams/{link.pk}/families/pair/",
        {"volunteers": [{"household_id": household.pk, "member_id": w.wang.pk}]},
    )
    assert paired.status_code == 200, paired.json()
    enrollment = Enrollment.objects.get()
    assert enrollment.responsible_member == w.wang and enrollment.data["target_count"] == 2
    assert paired.json()[0]["volunteer_id"] == w.wang.pk

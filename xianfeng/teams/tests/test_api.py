import datetime

from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team

from .factories import TeamFactory

D = datetime.date


def test_api_rotation_and_past_roster(world, login):
    team = TeamFactory(name="驻村工作队", kind=Team.Kind.VILLAGE, owner_org=world.branch_a, active_from=D(2023, 4, 1))
    old = MemberFactory(name="老王", branch=world.branch_a)
    new = MemberFactory(name="小赵", branch=world.branch_a, volunteer_no="ZY2024000001")
    client = login(world.owner)
    response = client.post(
        f"/api/teams/{team.pk}/memberships/",
        {"member_id": old.pk, "role": "first_secretary", "start_on": "2023-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    response = client.post(
        f"/api/teams/{team.pk}/rotate/",
        {"on_date": "2025-04-01", "joining": [{"member_id": new.pk, "role": "first_secretary"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert [(m["member_name"], m["member_public_id"]) for m in response.json()] == [("小赵", "ZY2024000001")]
    past = client.get(f"/api/teams/{team.pk}/roster/?on=2024-04-01").json()
    assert [m["member_name"] for m in past] == ["老王"]
    assert login(world.outsider).get(f"/api/teams/{team.pk}/roster/").status_code == 404


def test_api_exclusive_kind_error_shape(world, login):
    member = MemberFactory(branch=world.branch_a)
    first, second = (TeamFactory(kind=Team.Kind.MEDICAL, owner_org=world.branch_a) for _ in range(2))
    client = login(world.owner)
    for team, status in ((first, 201), (second, 422)):
        response = client.post(
            f"/api/teams/{team.pk}/memberships/",
            {"member_id": member.pk, "start_on": "2024-01-01"},
            content_type="application/json",
        )
        assert response.status_code == status
    assert "member" in response.json()["errors"]


def test_api_zone_for_a_township_doctor(world, login):
    from xianfeng.regions.models import Region

    region = Region.objects.filter(level=Region.Level.COUNTY).first()
    doctor = MemberFactory(name="赵医生", branch=world.branch_a, title="精防医生")
    client = login(world.owner)
    response = client.post(
        "/api/teams/zones/",
        {"name": "长山镇", "owner_org_id": world.branch_a.pk, "regions": [region.code], "active_from": "2023-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    zone_id = response.json()["id"]
    response = client.post(
        f"/api/teams/zones/{zone_id}/assign/",
        {"member_id": doctor.pk, "start_on": "2024-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert client.get(f"/api/teams/zones/{zone_id}/assignments/").json()[0]["member_name"] == "赵医生"

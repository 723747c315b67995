import datetime

from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage

from .factories import MemberFactory, make_id_number


def test_api_lists_scoped_and_masked(world, login):
    inside = MemberFactory(name="张三", branch=world.group_a, id_number=make_id_number(), phone="13812345678")
    MemberFactory(name="李四", branch=world.branch_b)
    data = login(world.reader).get("/api/members/?q=zs").json()
    assert [m["name"] for m in data["items"]] == ["张三"]
    item = data["items"][0]
    assert item["id_number_masked"].startswith("2106****") and item["phone_masked"] == "138****5678"
    assert make_id_number() not in str(data) and "13812345678" not in str(data)
    assert login(world.outsider).get(f"/api/members/{inside.pk}/").status_code == 404


def test_api_create_and_record_steps(world, login):
    client = login(world.owner)
    response = client.post(
        "/api/members/",
        {"name": "王五", "branch_id": world.branch_a.pk, "id_number": make_id_number(serial=7)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    member_id = response.json()["id"]
    assert response.json()["birth_date"] == "1990-03-07"
    response = client.post(
        f"/api/members/{member_id}/steps/", {"step": "apply", "on_date": "2024-01-31"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["party_stage"] == Stage.APPLICANT
    assert body["dues"][0] == {"step": "talk", "label": "入党谈话", "due_on": "2024-02-29", "earliest_on": None}
    response = client.post(
        f"/api/members/{member_id}/steps/", {"step": "talk", "on_date": "2024-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "on_date" in response.json()["errors"]
    bad = client.post(
        "/api/members/",
        {"name": "坏号", "branch_id": world.branch_a.pk, "id_number": "210681199003071230"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "id_number" in bad.json()["errors"]
    assert Member.objects.count() == 1
    assert (
        login(world.reader)
        .post(
            f"/api/members/{member_id}/steps/",
            {"step": "talk", "on_date": "2024-02-01"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_api_worklist(world, login):
    MemberFactory(name="甲", branch=world.branch_a, party_stage=Stage.APPLICANT, next_due_on=datetime.date(2024, 1, 1))
    MemberFactory(name="乙", branch=world.branch_a, party_stage=Stage.FULL)
    data = login(world.owner).get("/api/members/worklist/").json()
    assert [m["name"] for m in data["items"]] == ["甲"]

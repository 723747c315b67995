import datetime

import pytest

from xianfeng.audit.models import AccessLog
from xianfeng.residents import services

from .factories import VILLAGE_A, VILLAGE_B, make_id_number

ID_A = make_id_number(datetime.date(1950, 6, 1), serial=21)


@pytest.fixture
def people(doctors, county):
    a = services.resident_create(
        acting_user=doctors.a, name="陳大文", village=county[VILLAGE_A], id_number=ID_A, phone="13812345678"
    )
    b = services.resident_create(acting_user=doctors.b, name="外镇人", village=county[VILLAGE_B])
    return a, b


def test_list_is_scoped_and_masked(people, doctors, login):
    client = login(doctors.a)
    data = client.get("/api/residents/", {"q": "cdw"}).json()
    assert [r["name"] for r in data["items"]] == ["陳大文"]
    item = data["items"][0]
    assert ID_A not in str(data) and "13812345678" not in str(data)
    assert item["id_number_masked"] == ID_A[:4] + "*" * 14 and item["phone_masked"] == "138****5678"
    assert client.get(f"/api/residents/{people[1].pk}/").status_code == 404


def test_reveal_needs_reason_and_logs(people, doctors, login, world):
    a, _b = people
    client = login(doctors.a)
    response = client.post(f"/api/residents/{a.pk}/reveal/", {"reason": "随访"}, content_type="application/json")
    assert response.json()["values"] == {"id_number": ID_A, "phone": "13812345678"}
    assert AccessLog.objects.filter(kind="reveal", object_id=str(a.pk)).count() == 1
    response = client.post(f"/api/residents/{a.pk}/reveal/", {"reason": ""}, content_type="application/json")
    assert response.status_code == 403
    reader = login(world.reader)
    response = reader.post(f"/api/residents/{a.pk}/reveal/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_create_and_patch(doctors, county, login):
    client = login(doctors.a)
    response = client.post(
        "/api/residents/", {"name": "张三", "village": VILLAGE_A, "id_number": ID_A}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["birth_date"] == "1950-06-01"
    pk = response.json()["id"]
    response = client.patch(f"/api/residents/{pk}/", {"address": "东街1号"}, content_type="application/json")
    assert response.json()["address"] == "东街1号"
    response = client.post("/api/residents/", {"name": "外", "village": VILLAGE_B}, content_type="application/json")
    assert response.status_code == 422
    response = client.post(
        "/api/residents/", {"name": "重", "village": VILLAGE_A, "id_number": ID_A}, content_type="application/json"
    )
    assert response.status_code == 422 and "已登记" in str(response.json()["errors"]["id_number"])


def test_households(doctors, county, login):
    head = services.resident_create(acting_user=doctors.a, name="户主", village=county[VILLAGE_A])
    household = services.household_create(acting_user=doctors.a, village=county[VILLAGE_A], head=head, number="H1")
    data = login(doctors.a).get("/api/households/").json()
    assert data["items"][0]["head_name"] == "户主" and data["items"][0]["member_ids"] == [head.pk]
    assert login(doctors.b).get(f"/api/households/{household.pk}/").status_code == 404

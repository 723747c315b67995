"""Residents' personal and health data (issue 7): health tags only with the health permission,
logged and rate-limited exact searches, no existence oracle, merged records that do not name
what the user may not see, no live formulas in the export."""

import datetime
import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from xianfeng.accounts.roles import ROLE_PERMISSIONS, Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.residents import services
from xianfeng.residents.models import ResidentMerge, ResidentTag

from .factories import VILLAGE_A, VILLAGE_B, ResidentFactory, make_id_number

ID_A = make_id_number(datetime.date(1950, 6, 1), serial=31)
ID_B = make_id_number(datetime.date(1951, 6, 1), serial=32)
SEVERE = "严重精神障碍患者"
LEFT_BEHIND = "留守老人/儿童"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(doctors, county):
    a = services.resident_create(
        acting_user=doctors.a, name="陳大文", village=county[VILLAGE_A], id_number=ID_A, phone="13812345678"
    )
    services.resident_tag_add(acting_user=doctors.a, resident=a, tag="severe_mental")
    services.resident_tag_add(acting_user=doctors.a, resident=a, tag="left_behind")
    services.household_create(acting_user=doctors.a, village=county[VILLAGE_A], head=a)
    a.refresh_from_db()
    b = services.resident_create(acting_user=doctors.b, name="外镇人", village=county[VILLAGE_B], id_number=ID_B)
    return a, b


@pytest.fixture
def volunteer(world, county):
    """党员/志愿者 over branch_a, which serves 孤山镇 (village A): sees residents, no health data."""
    return user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="volunteer")


def test_volunteer_sees_no_health_tag_anywhere(people, volunteer, login):
    a, _b = people
    client = login(volunteer)
    pages = {
        "list": client.get("/residents/").content.decode(),
        "detail": client.get(f"/residents/{a.pk}/").content.decode(),
        "household": client.get(f"/residents/households/{a.household_id}/").content.decode(),
    }
    for name, html in pages.items():
        assert SEVERE not in html, name
    assert "陳大文" in pages["list"] and LEFT_BEHIND in pages["list"] and LEFT_BEHIND in pages["detail"]
    for tags in (
        client.get("/api/residents/").json()["items"][0]["tags"],
        client.get(f"/api/residents/{a.pk}/").json()["tags"],
    ):
        assert LEFT_BEHIND in tags and SEVERE not in tags


def test_filtering_by_a_health_tag_needs_the_health_permission(people, volunteer, doctors, login):
    client = login(volunteer)
    assert "陳大文" not in client.get("/residents/", {"tag": "severe_mental"}).content.decode()
    assert client.get("/api/residents/", {"tag": "severe_mental"}).json()["items"] == []
    assert "陳大文" in client.get("/residents/", {"tag": "left_behind"}).content.decode()
    doctor = login(doctors.a)
    html = doctor.get("/residents/", {"tag": "severe_mental"}).content.decode()
    assert "陳大文" in html and SEVERE in html
    assert SEVERE in doctor.get("/api/residents/").json()["items"][0]["tags"]


def test_adding_or_ending_a_health_tag_needs_the_health_permission(people, volunteer, login, monkeypatch):
    a, _b = people
    # A role that may change residents but holds no health permission.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.MEMBER, ROLE_PERMISSIONS[Role.MEMBER] | {"residents.change"})
    client = login(volunteer)
    assert client.post(f"/residents/{a.pk}/tags/add/", {"tag": "chronic"}).status_code == 403
    assert not ResidentTag.objects.filter(tag="chronic").exists()
    assert client.post(f"/residents/{a.pk}/tags/add/", {"tag": "student"}).status_code == 302
    severe = ResidentTag.objects.get(tag="severe_mental")
    response = client.post(f"/residents/{a.pk}/tags/end/", {"tag_id": severe.pk, "on_date": "2025-01-01"})
    assert response.status_code == 404
    severe.refresh_from_db()
    assert severe.valid_to is None


def test_exact_search_is_logged_and_rate_limited(people, doctors, login, settings):
    settings.EXACT_SEARCH_LIMIT = 2
    client = login(doctors.a)
    assert "陳大文" in client.get("/residents/", {"q": ID_A}).content.decode()
    assert "陳大文" in client.get("/residents/", {"q": "138-1234-5678"}).content.decode()
    logs = AccessLog.objects.filter(kind=AccessLog.Kind.SEARCH).order_by("id")
    assert [log.fields for log in logs] == ["身份证号", "电话"]
    assert all(ID_A not in f"{log.object_repr}{log.reason}{log.object_id}" for log in logs)
    html = client.get("/residents/", {"q": ID_A}).content.decode()
    assert "陳大文" not in html and "次数已达上限" in html
    response = client.get("/api/residents/", {"q": ID_A})
    assert response.status_code == 429 and set(response.json()) == {"detail", "errors"}


def test_create_with_an_id_registered_out_of_scope_gives_a_neutral_answer(people, doctors, login):
    client = login(doctors.a)
    response = client.post("/residents/new/", {"name": "冒名", "village": VILLAGE_A, "id_number": ID_B})
    html = response.content.decode()
    assert response.status_code == 400
    assert "该身份证号无法在此登记" in html and "已登记" not in html
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXISTENCE)
    assert log.user == doctors.a and log.fields == "身份证号"
    response = client.post("/residents/new/", {"name": "重复", "village": VILLAGE_A, "id_number": ID_A})
    assert "该身份证号已登记" in response.content.decode()


def test_merged_record_does_not_name_an_out_of_scope_keeper(people, doctors, login):
    _a, b = people
    duplicate = ResidentFactory(name="重复记录", village_id=VILLAGE_A, merged_into=b)
    ResidentMerge.objects.create(keeper=b, merged=duplicate, created_by=doctors.b)
    html = login(doctors.a).get(f"/residents/{duplicate.pk}/").content.decode()
    assert "外镇人" not in html and f"/residents/{b.pk}/" not in html
    assert "不在您的权限范围内" in html
    html = login(doctors.b).get(f"/residents/{b.pk}/").content.decode()
    assert "外镇人" in html


def test_resident_export_writes_formulas_as_text(county, doctors, login):
    ResidentFactory(name='=HYPERLINK("http://x.example","点我")', village_id=VILLAGE_A, address="+1+1")
    response = login(doctors.a).get("/residents/export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    name, address = sheet.cell(row=2, column=1), sheet.cell(row=2, column=headers.index("地址") + 1)
    assert name.data_type != "f" and name.value.startswith("'=")
    assert address.data_type != "f" and address.value == "'+1+1"

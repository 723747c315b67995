import datetime
import io

import pytest
from openpyxl import load_workbook

from xianfeng.audit.models import AccessLog
from xianfeng.residents import services
from xianfeng.residents.models import Resident

from .factories import VILLAGE_A, VILLAGE_B, make_id_number

ID_A = make_id_number(datetime.date(1950, 6, 1), serial=11)
ID_B = make_id_number(datetime.date(1951, 6, 1), serial=12)


@pytest.fixture
def people(doctors, county):
    admin_a = doctors.a
    a = services.resident_create(
        acting_user=admin_a, name="陳大文", village=county[VILLAGE_A], id_number=ID_A, phone="13812345678"
    )
    b = services.resident_create(acting_user=doctors.b, name="外镇人", village=county[VILLAGE_B], id_number=ID_B)
    return a, b


def test_list_masks_and_finds_traditional_by_simplified_and_initials(people, doctors, login):
    client = login(doctors.a)
    for query in ("陈大文", "cdw"):
        html = client.get("/residents/", {"q": query}).content.decode()
        assert "陳大文" in html and "外镇人" not in html
    html = client.get("/residents/").content.decode()
    assert ID_A not in html and ID_A[:4] + "*" * 14 in html
    assert "13812345678" not in html and "138****5678" in html


def test_other_township_is_404_and_excluded_from_export(people, doctors, login):
    a, b = people
    client = login(doctors.a)
    assert client.get(f"/residents/{b.pk}/").status_code == 404
    assert client.post(f"/residents/{b.pk}/reveal/", {"reason": "x"}).status_code == 404
    assert client.get(f"/residents/{b.pk}/edit/").status_code == 404
    response = client.get("/residents/export/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    names = [r[0] for r in rows[1:]]
    assert names == ["陳大文"]
    assert rows[1][3] != ID_A and "*" in rows[1][3]  # masked by default
    log = AccessLog.objects.get(kind="export")
    assert log.user == doctors.a and log.row_count == 1


def test_unmasked_export_needs_reason_and_is_logged(people, doctors, login, world):
    client = login(doctors.a)
    response = client.get("/residents/export/", {"unmasked": "1", "reason": "随访名单"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][3] == ID_A
    assert "(完整)" in AccessLog.objects.get(kind="export").fields
    assert client.get("/residents/export/", {"unmasked": "1"}).status_code == 302  # no reason
    # A read-only leader may not export at all.
    assert login(world.reader).get("/residents/export/").status_code == 403


def test_reveal_writes_access_log(people, doctors, login):
    a, _b = people
    client = login(doctors.a)
    response = client.post(f"/residents/{a.pk}/reveal/", {"reason": "电话随访"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and ID_A in response.content.decode()
    log = AccessLog.objects.get(kind="reveal")
    assert (log.user, log.object_id, log.reason) == (doctors.a, str(a.pk), "电话随访")
    assert client.post(f"/residents/{a.pk}/reveal/", {"reason": " "}).status_code == 400
    assert AccessLog.objects.filter(kind="reveal").count() == 1


def test_reader_sees_but_cannot_reveal(people, world, login):
    a, b = people
    client = login(world.reader)  # 领导(只读) over branch_a, which serves 孤山镇
    assert client.get(f"/residents/{a.pk}/").status_code == 200
    assert client.get(f"/residents/{b.pk}/").status_code == 404
    assert client.post(f"/residents/{a.pk}/reveal/", {"reason": "x"}).status_code == 403
    assert not AccessLog.objects.exists()


def test_create_edit_and_detail_pages(doctors, county, login):
    client = login(doctors.a)
    response = client.post(
        "/residents/new/", {"name": "新人", "village": "冯家屯", "id_number": ID_A, "phone": "", "relation": ""}
    )
    assert response.status_code == 302, response.content.decode()
    resident = Resident.objects.get(name="新人")
    assert resident.birth_date == datetime.date(1950, 6, 1)
    response = client.post(f"/residents/{resident.pk}/edit/", {"name": "新人改", "village": VILLAGE_A})
    resident.refresh_from_db()
    assert resident.name == "新人改" and resident.id_number == ID_A  # blank ID field keeps the number
    client.post(f"/residents/{resident.pk}/tags/add/", {"tag": "disabled", "valid_from": "2024-01-01"})
    client.post(
        f"/residents/{resident.pk}/consents/add/",
        {"kind": "data", "granted": "on", "on_date": "2024-02-01", "method": "written"},
    )
    html = client.get(f"/residents/{resident.pk}/").content.decode()
    assert "残疾人" in html and "个人信息采集与使用" in html and "65岁以上" in html and "时间线" in html
    response = client.post("/residents/new/", {"name": "外", "village": VILLAGE_B})
    assert response.status_code == 400


def test_merge_and_undo(doctors, county, login):
    village = county[VILLAGE_A]
    keeper = services.resident_create(acting_user=doctors.a, name="陈大文", village=village, id_number=ID_A)
    dup = services.resident_create(
        acting_user=doctors.a,
        name="陳 大文",
        village=village,
        birth_date=datetime.date(1950, 6, 1),
        phone="13900000000",
    )
    services.resident_tag_add(acting_user=doctors.a, resident=dup, tag="disabled")
    services.consent_record(acting_user=doctors.a, resident=dup, kind="service")
    client = login(doctors.a)
    html = client.get("/residents/duplicates/").content.decode()
    assert f"/residents/{keeper.pk}/merge/?duplicate={dup.pk}" in html
    assert client.get(f"/residents/{keeper.pk}/merge/", {"duplicate": dup.pk}).status_code == 200
    response = client.post(f"/residents/{keeper.pk}/merge/", {"duplicate": dup.pk, "confirm": "on", "reason": "同一人"})
    assert response.status_code == 302
    keeper.refresh_from_db()
    dup.refresh_from_db()
    assert dup.merged_into == keeper and keeper.phone == "13900000000"
    assert keeper.tags.count() == 1 and keeper.consents.count() == 1
    assert "陳 大文" not in client.get("/residents/").content.decode()
    from xianfeng.residents.models import ResidentMerge

    merge = ResidentMerge.objects.get()
    assert client.post(f"/residents/merges/{merge.pk}/undo/").status_code == 302
    keeper.refresh_from_db()
    dup.refresh_from_db()
    assert dup.merged_into is None and keeper.phone == "" and dup.tags.count() == 1 and dup.consents.count() == 1
    from xianfeng.audit.models import ChangeLog

    assert ChangeLog.objects.filter(action="merge", object_id=str(keeper.pk)).count() == 2


def test_household_pages(doctors, county, login):
    client = login(doctors.a)
    head = services.resident_create(acting_user=doctors.a, name="户主", village=county[VILLAGE_A])
    response = client.post(f"/residents/{head.pk}/household/new/", {"number": "H9"})
    assert response.status_code == 302
    household = head.__class__.objects.get(pk=head.pk).household
    client.post(f"/residents/households/{household.pk}/tags/add/", {"tag": "monitored"})
    html = client.get(f"/residents/households/{household.pk}/").content.decode()
    assert "监测户" in html and "户主" in html
    assert "户主" in client.get("/residents/households/", {"q": "hz"}).content.decode()
    assert login(doctors.b).get(f"/residents/households/{household.pk}/").status_code == 404


def test_list_pages_do_not_query_per_row(doctors, county, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(doctors.a)

    def grow(n, start):
        for i in range(start, start + n):
            r = services.resident_create(acting_user=doctors.a, name=f"人{i}", village=county[VILLAGE_A])
            services.resident_tag_add(acting_user=doctors.a, resident=r, tag="disabled")
            h = services.household_create(acting_user=doctors.a, village=county[VILLAGE_A], head=r)
            services.household_tag_add(acting_user=doctors.a, household=h, tag="dibao")

    counts = []
    for n, start in ((2, 0), (8, 2)):
        grow(n, start)
        per_url = []
        for url in ("/residents/", "/residents/households/", "/api/residents/", "/api/households/"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            per_url.append(len(captured))
        counts.append(per_url)
    assert counts[0] == counts[1]

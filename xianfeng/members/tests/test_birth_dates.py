"""Members' birth dates follow the residents' rule (xianfeng/residents/rules.py): not after today,
not before 1900, typed or read from the ID number, on the form, the API and the import."""

import datetime

from django.urls import reverse
from django.utils import timezone

from xianfeng.imports.models import ImportJob
from xianfeng.members.models import Member

from .factories import make_id_number
from .test_imports import filled_template, upload


def test_form_refuses_a_future_birth_date(world, login):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = login(world.owner).post(
        reverse("members:create"),
        {"name": "张三", "branch": world.branch_a.pk, "birth_date": tomorrow, "category": "volunteer"},
    )
    assert response.status_code == 400
    assert f"出生日期 {tomorrow} 晚于今天" in response.content.decode()
    assert not Member.objects.exists()


def test_api_refuses_future_birth_date_without_id_and_an_1890s_id(world, login):
    client = login(world.owner)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/api/members/",
        {"name": "未来", "branch_id": world.branch_a.pk, "birth_date": tomorrow},
        content_type="application/json",
    )
    assert response.status_code == 422 and "晚于今天" in str(response.json()["errors"]["birth_date"])
    response = client.post(
        "/api/members/",
        {"name": "古人", "branch_id": world.branch_a.pk, "id_number": make_id_number(datetime.date(1896, 2, 3))},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "身份证号中的出生日期 1896-02-03 早于 1900-01-01" in str(response.json()["errors"]["id_number"])
    assert not Member.objects.exists()


def test_import_refuses_out_of_bounds_birth_dates_row_by_row(world, login):
    client = login(world.owner)
    future = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    base = {"所属支部": world.branch_a.name, "人员类别": "志愿者"}
    rows = [
        {**base, "姓名": "未来", "出生日期": future},  # row 2
        {**base, "姓名": "古人", "出生日期": "1899-12-31"},  # row 3
        {**base, "姓名": "旧号", "身份证号": make_id_number(datetime.date(1898, 1, 1), serial=5)},  # row 4
        {**base, "姓名": "好人", "出生日期": "1980-05-06"},  # row 5
    ]
    job = upload(client, filled_template(client, rows))
    assert job.status == ImportJob.Status.VALIDATED
    problems = {(i["row"], i["column"].rstrip("*")): i["message"] for i in job.issues}
    assert "晚于今天" in problems[(2, "出生日期")]
    assert "早于 1900-01-01" in problems[(3, "出生日期")]
    assert "身份证号中的出生日期 1898-01-01" in problems[(4, "身份证号")]
    assert not [key for key in problems if key[0] == 5]

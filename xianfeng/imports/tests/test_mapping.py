"""The check step's column mapping: the uploader maps any header by hand (remembered for their
next file of the same kind), and a column that holds data but maps to nothing blocks the commit
until it is mapped or explicitly ignored. A file with no data rows is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports.models import HeaderChoice, ImportJob
from xianfeng.regions.models import Region

from .test_region_import import importer, upload, xlsx  # noqa: F401  (fixture)

FOREIGN = "统计代码,名称\n210681101,孤山镇\n"


def map_by_hand(client, job, choices):
    """Post the mapping form: choices {header: column key, "-" to ignore}."""
    headers = job.plan["headers"]
    data = {f"h{i}": choices.get(h, "") for i, h in enumerate(headers)}
    return client.post(reverse("imports:mapping", args=[job.pk]), data)


def test_the_check_page_offers_every_header_of_the_file(importer, login):  # noqa: F811
    client = login(importer)
    job = upload(client, "foreign.csv", FOREIGN)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "缺少必需的列“区划代码”；“统计代码”可能就是它？" in page
    assert f'action="{reverse("imports:mapping", args=[job.pk])}"' in page
    assert "忽略此列" in page and ">统计代码</label>" in page


def test_a_header_mapped_by_hand_is_checked_again_and_remembered(importer, login):  # noqa: F811
    client = login(importer)
    job = upload(client, "foreign.csv", FOREIGN)
    assert job.status == "failed"
    response = map_by_hand(client, job, {"统计代码": "code", "名称": "name"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "validated" and job.can_commit, job.message
    assert job.mapping == {"code": "统计代码", "name": "名称"}
    client.post(reverse("imports:commit", args=[job.pk]))
    assert Region.objects.get(code="210681101").name == "孤山镇"

    # The next file of the same kind from the same user maps 统计代码 by itself.
    again = upload(client, "next-year.csv", "统计代码,名称\n210681102,黑沟乡\n")
    assert again.status == "validated" and again.mapping["code"] == "统计代码"


def test_a_remembered_mapping_is_the_users_own(importer, world):  # noqa: F811
    HeaderChoice.objects.create(user=importer, spec_key="regions", header="统计代码", column_key="code")
    colleague = user_with_grant(Role.ADMIN, Scope.REGION, region_prefixes="210681", org=world.branch_a)
    client = Client()
    client.force_login(colleague)
    job = upload(client, "foreign.csv", FOREIGN)
    assert job.status == "failed" and "缺少必需的列“区划代码”" in job.message


def test_a_column_with_data_and_no_match_blocks_the_commit_until_ignored(importer, login):  # noqa: F811
    client = login(importer)
    job = upload(client, "with-notes.csv", "区划代码,名称,村委会地址,空列\n210681101,孤山镇,镇政府院内,\n")
    assert job.status == "validated" and job.error_count == 0
    assert not job.can_commit
    assert "“村委会地址”列有 1 个非空单元格，但没有对应任何字段" in job.message
    assert "空列" not in job.message  # a column without data does not block
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "待指定列对应" in page and "检查通过，没有错误" not in page
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "validated" and not Region.objects.filter(code="210681101").exists()

    map_by_hand(client, job, {"区划代码": "code", "名称": "name", "村委会地址": "-"})
    job.refresh_from_db()
    assert job.can_commit, job.message
    assert {"row": 1, "column": "村委会地址", "message": "已按您的选择忽略此列", "value": ""} in job.warnings
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "committed" and job.created_count == 1


def test_a_column_with_data_can_be_mapped_instead(importer, login):  # noqa: F811
    client = login(importer)
    job = upload(client, "with-people.csv", "区划代码,名称,在册人数\n210681101,孤山镇,30000\n")
    assert "“在册人数”列有 1 个非空单元格" in job.message
    map_by_hand(client, job, {"区划代码": "code", "名称": "name", "在册人数": "population"})
    job.refresh_from_db()
    assert job.can_commit
    client.post(reverse("imports:commit", args=[job.pk]))
    assert Region.objects.get(code="210681101").population == 30000


def test_two_headers_cannot_be_mapped_to_one_column(importer, login):  # noqa: F811
    client = login(importer)
    job = upload(client, "foreign.csv", FOREIGN)
    response = map_by_hand(client, job, {"统计代码": "code", "名称": "code"})
    assert response.status_code == 400
    assert "“统计代码”和“名称”不能都对应“区划代码”，请只保留一列" in response.content.decode()
    job.refresh_from_db()
    assert "mapping" not in job.options and not HeaderChoice.objects.exists()


def test_only_the_uploader_may_change_the_mapping(importer, login, world):  # noqa: F811
    job = upload(login(importer), "foreign.csv", FOREIGN)
    colleague = user_with_grant(Role.ADMIN, Scope.REGION, region_prefixes="210681", org=world.branch_a)
    client = Client()
    client.force_login(colleague)
    assert ">统计代码</label>" not in client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    map_by_hand(client, job, {"统计代码": "code", "名称": "name"})
    job.refresh_from_db()
    assert job.status == "failed" and "mapping" not in job.options
    assert not HeaderChoice.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("header-only.csv", "区划代码,名称,常住人口\n"),
        ("header-only.xlsx", xlsx([["区划代码", "名称", "常住人口"]])),
        ("blank-rows.xlsx", xlsx([["区划代码", "名称", "常住人口"], [None, None, None], ["", " ", None]])),
    ],
)
def test_a_file_without_data_rows_is_refused(importer, login, name, content):  # noqa: F811
    job = upload(login(importer), name, content)
    assert job.status == "failed" and not job.can_commit
    assert job.message.startswith("文件只有表头，没有数据行")
    assert ImportJob.objects.filter(status="committed").count() == 0

"""Create, update or skip: the check tells how many rows are new, changed (and which fields)
or unchanged, and the uploader chooses "create only" or "create and update"."""

import datetime
import re

from django.urls import reverse

from xianfeng.imports.models import ImportJob
from xianfeng.regions.models import Region
from xianfeng.residents.models import Resident
from xianfeng.residents.tests.conftest import county, doctors  # noqa: F401  (fixtures)
from xianfeng.residents.tests.factories import VILLAGE_A, make_id_number

from .test_region_import import importer, upload  # noqa: F401  (fixture)

FIRST = "区划代码,名称,常住人口\n210681101,孤山镇,30000\n210681101001,孤山村,1200\n"
# A year later: 孤山村 grew, 孤山镇 is unchanged, 东街村 is new.
SECOND = "区划代码,名称,常住人口\n210681101,孤山镇,30000\n210681101001,孤山村,1300\n210681101002,东街村,800\n"


def imported(client, name, content, mode=None):
    job = upload(client, name, content)
    data = {"mode": mode} if mode else {}
    client.post(reverse("imports:commit", args=[job.pk]), data)
    job.refresh_from_db()
    return job


def test_the_check_counts_new_changed_and_unchanged_rows(importer, login):  # noqa: F811
    client = login(importer)
    imported(client, "first.csv", FIRST)
    job = upload(client, "second.csv", SECOND)
    assert job.plan["create"] == 1 and job.plan["update"] == 1 and job.plan["unchanged"] == 1
    assert job.plan["changed"] == {"常住人口": 1}
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "将新增 1 条、更新 1 条（变更字段：常住人口 1）、不变 1 条" in page
    assert "只新增（已有记录跳过）" in page and "新增并更新" in page
    # The user can actually pick: two radio buttons, create-only checked (a select's options
    # rendered loose, as once here, show the labels but offer nothing to click).
    assert 'type="radio" name="mode" value="update"' in page
    assert re.search(r'type="radio" name="mode" value="create"[^>]*checked', page)


def test_create_only_skips_records_that_exist(importer, login):  # noqa: F811
    client = login(importer)
    imported(client, "first.csv", FIRST)
    job = imported(client, "second.csv", SECOND, mode="create")
    assert job.status == "committed"
    assert (job.created_count, job.updated_count, job.plan["skipped"], job.plan["unchanged"]) == (1, 0, 1, 1)
    assert Region.objects.get(code="210681101001").population == 1200
    assert Region.objects.get(code="210681101002").name == "东街村"
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "新增 1，更新 0，不变 1，跳过 1" in page


def test_create_and_update_writes_the_changes(importer, login):  # noqa: F811
    client = login(importer)
    imported(client, "first.csv", FIRST)
    job = imported(client, "second.csv", SECOND, mode="update")
    assert (job.created_count, job.updated_count, job.plan["skipped"], job.plan["unchanged"]) == (1, 1, 0, 1)
    assert job.options["mode"] == "update"
    assert Region.objects.get(code="210681101001").population == 1300


def test_without_a_choice_nothing_existing_is_overwritten(importer, login):  # noqa: F811
    client = login(importer)
    imported(client, "first.csv", FIRST)
    job = imported(client, "second.csv", SECOND)
    assert job.status == ImportJob.Status.COMMITTED and job.updated_count == 0
    assert Region.objects.get(code="210681101001").population == 1200


def residents_csv(phones: list[str]) -> str:
    rows = "".join(
        f"居民{n},{make_id_number(datetime.date(1960, 1, 1) + datetime.timedelta(days=n), serial=n)},{phone},"
        f"{VILLAGE_A},东街{n}号\n"
        for n, phone in enumerate(phones, start=1)
    )
    return "姓名,身份证号码,联系电话,所属村（社区）代码,家庭住址\n" + rows


def test_a_register_imported_again_with_ten_new_phones_updates_ten_residents(doctors, login):  # noqa: F811
    client = login(doctors.a)
    phones = [f"139{n:08d}" for n in range(1, 13)]
    first = upload(client, "register.csv", residents_csv(phones), spec="residents")
    assert first.mapping["village"] == "所属村（社区）代码", first.message
    client.post(reverse("imports:commit", args=[first.pk]), {"mode": "create"})
    first.refresh_from_db()
    assert first.created_count == 12, first.message or first.issues

    changed = [f"137{n:08d}" for n in range(1, 11)] + phones[10:]
    job = upload(client, "register-2027.csv", residents_csv(changed), spec="residents")
    assert (job.plan["create"], job.plan["update"], job.plan["unchanged"]) == (0, 10, 2)
    assert job.plan["changed"] == {"联系电话": 10}
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "将新增 0 条、更新 10 条（变更字段：联系电话 10）、不变 2 条" in page
    client.post(reverse("imports:commit", args=[job.pk]), {"mode": "update"})
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.plan["skipped"], job.plan["unchanged"]) == (0, 10, 0, 2)
    assert sorted(r.phone for r in Resident.objects.all()) == sorted(changed)

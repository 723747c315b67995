"""The error workbook is built once, after the check that found the errors, and stored
encrypted like the upload: a download picks the full or the masked version out of it (and is
logged), it never reads the upload again, and the retention purge deletes it with the upload."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports import files, readers, services
from xianfeng.imports.models import ImportJob
from xianfeng.imports.tests.test_personal_data import ID, PHONE, members_csv, upload, workbook_rows


@pytest.fixture
def secretary(world):
    """May import members of branch A, may not reveal their ID numbers."""
    return user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="secretary")


@pytest.fixture
def clerk(world):
    """May reveal members' ID numbers."""
    return user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="clerk")


def stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as source:
        return source.read()


@pytest.fixture
def forbid_rereading(monkeypatch):
    """Once called, any read of an upload fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the upload was read again")

    def forbid():
        monkeypatch.setattr(readers, "read_table", refuse)
        monkeypatch.setattr("xianfeng.imports.workbooks.read_table", refuse)

    return forbid


def test_the_check_stores_the_error_workbook_encrypted(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    assert job.status == "validated" and job.error_count
    assert job.error_file.name and job.error_file.name != job.file.name
    stored = stored_bytes(job.error_file)
    assert stored.startswith(files.MAGIC)
    assert ID.encode() not in stored and "张三".encode() not in stored


def test_downloads_use_the_stored_workbook_masked_or_in_full(world, secretary, clerk, login, forbid_rereading):
    job = upload(login(secretary), members_csv(world))
    forbid_rereading()
    masked = workbook_rows(login(secretary).get(reverse("imports:errors", args=[job.pk])))
    assert masked[0][1:] == ["姓名", "身份证号", "手机号", "所属支部"]
    assert masked[1][2] == ID[:4] + "*" * 14 and masked[1][3] == "139****5678"
    assert "身份证号" in masked[2][0]  # the row's error explained in the first column
    full = workbook_rows(login(clerk).get(reverse("imports:errors", args=[job.pk])))
    assert full[1][2] == ID and full[1][3] == PHONE
    logs = list(AccessLog.objects.order_by("pk").values_list("user__username", "fields", "row_count"))
    assert [(user, "完整" in fields, rows) for user, fields, rows in logs] == [
        ("secretary", False, 3),
        ("clerk", True, 3),
    ]


def test_a_clean_recheck_drops_the_old_error_workbook(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    old = job.error_file.name
    storage = job.error_file.storage
    assert storage.exists(old)
    clean = members_csv(world).replace(f"李四,{ID}", "李四,").replace('=HYPERLINK("http://x")', "王五")
    with open(storage.path(job.file.name), "wb") as target:
        import io

        files.encrypt_stream(io.BytesIO(clean.encode()), target)
    services.process(job.pk, commit=False)
    job.refresh_from_db()
    assert job.error_count == 0 and not job.error_file.name
    assert not storage.exists(old)
    response = login(secretary).get(reverse("imports:errors", args=[job.pk]))
    assert response.status_code == 404


def test_a_job_checked_before_workbooks_were_stored_gets_one_built_in_the_background(world, secretary, login):
    client = login(secretary)
    job = upload(client, members_csv(world))
    job.error_file.storage.delete(job.error_file.name)
    ImportJob.objects.filter(pk=job.pk).update(error_file="")
    response = client.get(reverse("imports:errors", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[job.pk])
    assert "正在后台生成" in client.get(response.url).content.decode()
    assert not AccessLog.objects.exists()  # nothing handed out yet
    job.refresh_from_db()
    assert job.error_file.name  # built by the task (tasks run at once in tests)
    rows = workbook_rows(client.get(reverse("imports:errors", args=[job.pk])))
    assert rows[1][2] == ID[:4] + "*" * 14


def test_retention_deletes_the_error_workbook_with_the_upload(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    storage = job.error_file.storage
    names = (job.file.name, job.error_file.name)
    later = timezone.now() + datetime.timedelta(days=services.retention_days() + 1)
    assert [j.pk for j in services.import_files_purge(now=later)] == [job.pk]
    job.refresh_from_db()
    assert not job.file.name and not job.error_file.name
    assert not any(storage.exists(name) for name in names)
    response = login(secretary).get(reverse("imports:errors", args=[job.pk]))
    assert response.status_code == 410

"""What an import keeps of the uploaded rows is personal data (DESIGN.md §3): masked on the
job page, masked in the error workbook unless the downloader may reveal it (and every
download logged), encrypted at rest (issue lists and the file), and deleted after the
retention period with a record that it was."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog, ChangeLog
from xianfeng.core import crypto
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports import files
from xianfeng.imports.models import ImportJob
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import make_id_number

ID = make_id_number(datetime.date(1990, 3, 7), serial=456)
PHONE = "13912345678"
HEADER = "姓名,身份证号,手机号,所属支部\n"


def members_csv(world) -> str:
    # Row 3 repeats row 2's ID number: the offending value is a full ID number; row 4 holds
    # a name that would be a live formula if written as is.
    return (
        HEADER
        + f"张三,{ID},{PHONE},{world.branch_a.name}\n"
        + f"李四,{ID},13900000001,{world.branch_a.name}\n"
        + f'=HYPERLINK("http://x"),,13900000002,{world.branch_a.name}\n'
    )


@pytest.fixture
def secretary(world):
    """May import members of branch A, may not reveal their ID numbers."""
    return user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="secretary")


@pytest.fixture
def clerk(world):
    """党办干事 over the committee: sees branch A's import jobs and may reveal members' IDs."""
    return user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="clerk")


@pytest.fixture
def temp_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def upload(client, content: str, name="人员.csv", spec="members") -> ImportJob:
    response = client.post(reverse("imports:upload", args=[spec]), {"file": SimpleUploadedFile(name, content.encode())})
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def workbook_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content))["数据"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_job_page_masks_offending_personal_values(world, secretary, clerk, login):
    job = upload(login(secretary), members_csv(world))
    assert job.error_count >= 1
    assert any(i["value"] == ID for i in job.issues)  # kept for the error workbook, encrypted
    for viewer in (secretary, clerk):
        page = login(viewer).get(reverse("imports:detail", args=[job.pk])).content.decode()
        assert ID not in page
        assert ID[:4] + "*" * 14 in page  # the masked form names the row's problem
    assert not AccessLog.objects.exists()  # nothing was revealed


def test_error_workbook_is_masked_without_reveal_and_every_download_logged(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    response = login(secretary).get(reverse("imports:errors", args=[job.pk]))
    assert response.status_code == 200
    rows = workbook_rows(response)
    assert rows[0][1:] == ["姓名", "身份证号", "手机号", "所属支部"]
    cells = [str(v) for row in rows for v in row if v is not None]
    assert not any(ID in c or PHONE in c for c in cells)
    assert rows[1][2] == ID[:4] + "*" * 14 and rows[1][3] == "139****5678"
    log = AccessLog.objects.get()
    assert (log.user, log.kind, log.model, log.row_count) == (secretary, "export", "members.Member", 3)
    assert log.object_repr == "导入错误工作簿 人员.csv" and "脱敏" in log.fields
    login(secretary).get(reverse("imports:errors", args=[job.pk]))
    assert AccessLog.objects.count() == 2


def test_error_workbook_in_full_for_a_user_who_may_reveal_is_logged(world, secretary, clerk, login):
    job = upload(login(secretary), members_csv(world))
    rows = workbook_rows(login(clerk).get(reverse("imports:errors", args=[job.pk])))
    assert rows[1][2] == ID and rows[1][3] == PHONE
    log = AccessLog.objects.get()
    assert log.user == clerk and "完整" in log.fields and log.row_count == 3


def test_error_workbook_never_writes_a_formula(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    response = login(secretary).get(reverse("imports:errors", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(response.content))["数据"]
    name = sheet.cell(row=4, column=2)
    assert name.data_type != "f" and name.value == '\'=HYPERLINK("http://x")'


def test_issue_lists_are_encrypted_in_the_database(world, secretary, login):
    job = upload(login(secretary), members_csv(world))
    with connection.cursor() as cursor:
        cursor.execute("SELECT issues, warnings FROM imports_importjob WHERE id = %s", [job.pk])
        issues, warnings = cursor.fetchone()
    assert ID not in issues and issues.startswith(f"{crypto.PREFIX}:")
    assert warnings.startswith(f"{crypto.PREFIX}:")
    job.refresh_from_db()
    assert any(i["value"] == ID for i in job.issues)


def test_uploaded_file_is_encrypted_at_rest_and_the_plain_copy_removed(world, secretary, login, temp_dir):
    client = login(secretary)
    job = upload(client, members_csv(world))
    with job.file.open("rb") as stored:
        raw = stored.read()
    assert raw.startswith(files.MAGIC)
    assert ID.encode() not in raw and "张三".encode() not in raw
    assert job.original_name not in job.file.name  # the stored name tells nothing either
    client.get(reverse("imports:errors", args=[job.pk]))
    assert list(temp_dir.iterdir()) == []  # the engine's and the workbook's plain copies are gone


def test_encrypted_uploads_detect_truncation_and_tampering(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 16)
    plain = ("区划代码,名称\n" * 20).encode()
    sealed = io.BytesIO()
    files.encrypt_stream(io.BytesIO(plain), sealed)
    data = sealed.getvalue()
    out = io.BytesIO()
    files.decrypt_stream(io.BytesIO(data), out)
    assert out.getvalue() == plain
    for broken in (data[:-40], data[:60] + bytes([data[60] ^ 1]) + data[61:]):
        with pytest.raises(files.FileDecryptionError):
            files.decrypt_stream(io.BytesIO(broken), io.BytesIO())


def _age(job: ImportJob, days: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def test_purge_deletes_old_uploads_with_a_record(world, secretary, login, capsys, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    client = login(secretary)
    old = upload(client, members_csv(world))
    recent = upload(client, members_csv(world))
    _age(old, 31)
    _age(recent, 29)
    stored_name = old.file.name
    call_command("purge_import_files")
    output = capsys.readouterr().out
    assert f"import job {old.pk}" in output and f"import job {recent.pk}" not in output
    old.refresh_from_db()
    assert old.file_deleted_at is not None and not old.file.name and old.issues == []
    assert not recent.file.storage.exists(stored_name)
    assert recent.file.storage.exists(recent.file.name)
    log = ChangeLog.objects.get(action="delete", model="imports.ImportJob", object_id=str(old.pk))
    assert "30 天" in log.note
    call_command("purge_import_files")  # idempotent
    assert "0 import file(s) deleted" in capsys.readouterr().out
    assert ChangeLog.objects.filter(action="delete", model="imports.ImportJob").count() == 1
    # The job's page stays, with a note; the error workbook is gone.
    page = client.get(reverse("imports:detail", args=[old.pk]))
    assert page.status_code == 200
    deleted_on = timezone.localtime(old.file_deleted_at)
    assert f"已于 {deleted_on:%Y-%m-%d} 按保存期限（30 天）删除" in page.content.decode()
    response = client.get(reverse("imports:errors", args=[old.pk]))
    assert response.status_code == 410 and "按保存期限" in response.content.decode()


def test_retention_period_comes_from_settings_and_runs_after_each_job(world, secretary, login, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 5
    client = login(secretary)
    old = upload(client, members_csv(world))
    _age(old, 6)
    upload(client, members_csv(world))  # processing a job purges what has expired
    old.refresh_from_db()
    assert old.file_deleted_at is not None


def test_a_purged_job_cannot_be_committed(world, secretary, login):
    client = login(secretary)
    job = upload(client, HEADER + f"张三,{ID},{PHONE},{world.branch_a.name}\n")
    assert job.can_commit
    _age(job, 40)
    call_command("purge_import_files", stdout=io.StringIO())
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "确认导入" not in page
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and not Member.objects.exists()


def test_key_rotation_reencrypts_stored_uploads(world, secretary, login, capsys, settings):
    client = login(secretary)
    job = upload(client, members_csv(world))
    new_key = crypto.generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        call_command("rotate_encryption_key")
        output = capsys.readouterr().out
        assert "imports.ImportJob.file: 1 values, 1 re-encrypted, 0 unreadable" in output
        assert "imports.ImportJob.issues: 1 values, 1 re-encrypted" in output
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key is gone
        job.refresh_from_db()
        with job.file.open("rb") as stored:
            assert files.stored_key_id(stored) == crypto.keyring()[0][0]
        assert any(i["value"] == ID for i in job.issues)
        response = client.get(reverse("imports:errors", args=[job.pk]))
        assert response.status_code == 200 and "张三" in str(workbook_rows(response))
        call_command("rotate_encryption_key")
        assert "Re-encrypted 0 values; 0 remaining." in capsys.readouterr().out

"""Audit logs are kept at least six months, then archived to checksummed files; the hash chain
still verifies across the archive boundary, and a missing or altered archive is named."""

import datetime
import gzip
import hashlib
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit import archiving, retention, schedule
from xianfeng.audit.models import AuditArchive, ChangeLog, LoginLog, RetentionRun
from xianfeng.audit.tasks import run_retention
from xianfeng.audit.tests.test_chain import hand_tampering, verify_audit
from xianfeng.core.tests.factories import user_with_grant

NOW = timezone.now()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def log_rows(*ages_in_days: float) -> list[ChangeLog]:
    """ChangeLog rows written (and chained) in this order, ``at`` the given number of days ago."""
    rows = [
        ChangeLog(
            at=days_ago(age), action="update", model="orgs.Organization", object_id=str(n), object_repr=f"记录{n}"
        )
        for n, age in enumerate(ages_in_days, start=1)
    ]
    return ChangeLog.objects.bulk_create(rows)


@pytest.fixture
def archive_dir(tmp_path, settings):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    return settings.AUDIT_ARCHIVE_DIR


def verify_archives() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit", archives=True, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_rows_inside_the_window_are_never_archived(db, archive_dir):
    log_rows(189, 100, 1)  # the default window is 190 days
    outcome = archiving.archive_chain(ChangeLog, now=NOW)
    assert outcome.archives == [] and outcome.problem == ""
    assert ChangeLog.objects.count() == 3 and AuditArchive.objects.count() == 0
    assert not archive_dir.exists() or not any(archive_dir.iterdir())


@override_settings(AUDIT_RETENTION_DAYS=30)
def test_a_window_shorter_than_six_months_is_refused(db, archive_dir):
    log_rows(100, 50)  # older than 30 days, younger than six months
    with pytest.raises(ImproperlyConfigured, match="at least 183 days"):
        archiving.archive_chain(ChangeLog, now=NOW)
    out = io.StringIO()
    with pytest.raises(CommandError, match="at least 183 days"):
        call_command("archive_audit_logs", stdout=out)
    run = retention.retention_run(now=NOW)
    assert "at least 183 days" in run.run.problems
    assert ChangeLog.objects.count() == 2 and AuditArchive.objects.count() == 0


def test_older_rows_are_archived_in_batches_to_checksummed_files(db, archive_dir):
    log_rows(400, 399, 398, 300, 200, 10, 1)  # five older than 190 days, then two recent
    outcome = archiving.archive_chain(ChangeLog, now=NOW, batch_rows=2)
    assert outcome.problem == ""
    archives = list(AuditArchive.objects.order_by("first_seq"))
    assert [(a.first_seq, a.last_seq, a.rows) for a in archives] == [(1, 2, 2), (3, 4, 2), (5, 5, 1)]
    assert sorted(ChangeLog.objects.values_list("seq", flat=True)) == [6, 7]
    for archive in archives:
        data = (archive_dir / archive.file_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == archive.sha256 and len(data) == archive.size_bytes
    # The file alone holds every column, the hash fields included.
    lines = gzip.decompress((archive_dir / archives[0].file_name).read_bytes()).decode().splitlines()
    header, first, second = (json.loads(line) for line in lines)
    assert header["chain"] == "audit.ChangeLog"
    assert first["seq"] == 1 and first["prev_hash"] == "" and first["object_repr"] == "记录1"
    assert second["prev_hash"] == first["row_hash"] and second["row_hash"] == archives[0].last_hash
    assert {"id", "at", "user_id", "ip", "before", "after", "note", "org_path"} <= set(first)


def test_the_chain_verifies_across_the_archive_boundary(db, archive_dir):
    log_rows(400, 300, 250, 5)
    archiving.archive_all(now=NOW, batch_rows=2)
    ChangeLog.objects.create(action="update", model="orgs.Organization", object_id="9", object_repr="新记录")
    status, out = verify_audit()
    assert status == 0, out
    assert "audit.ChangeLog: 2 rows, chain intact (+3 archived rows in 2 archive(s)" in out
    status, out = verify_archives()
    assert status == 0, out
    assert "files checked" in out


def test_a_second_run_archives_nothing_new_until_rows_leave_the_window(db, archive_dir):
    log_rows(400, 200)
    with override_settings(AUDIT_RETENTION_DAYS=300):
        first = archiving.archive_chain(ChangeLog, now=NOW)
        assert [(a.first_seq, a.last_seq) for a in first.archives] == [(1, 1)]
        assert archiving.archive_chain(ChangeLog, now=NOW).archives == []
    # With the window at 190 days the second row is old enough too, and continues the chain.
    later = archiving.archive_chain(ChangeLog, now=NOW)
    assert [(a.first_seq, a.last_seq) for a in later.archives] == [(2, 2)]
    assert later.archives[0].prev_hash == first.archives[0].last_hash
    assert verify_archives()[0] == 0


def test_a_clock_set_forward_cannot_delete_a_row_younger_than_six_months(db, archive_dir):
    """The service's cutoff comes from the caller's time and the settings; the floor of 183 days
    does not (PostgreSQL: the trigger's now(); SQLite: the clock in the application)."""
    log_rows(100)
    outcome = archiving.archive_chain(ChangeLog, now=NOW + datetime.timedelta(days=200))
    assert outcome.archives == [] and "younger than 183 days" in outcome.problem
    assert ChangeLog.objects.count() == 1 and AuditArchive.objects.count() == 0


def test_an_altered_archive_file_is_named(db, archive_dir):
    log_rows(400, 399, 1)
    [archive] = archiving.archive_chain(ChangeLog, now=NOW).archives
    path = archive_dir / archive.file_name
    text = gzip.decompress(path.read_bytes()).decode().replace("记录2", "改过的记录")
    path.write_bytes(gzip.compress(text.encode()))
    assert verify_audit()[0] == 0  # the records alone still hold; the files are read with --archives
    status, out = verify_archives()
    assert status == 1
    assert f"archive {archive.file_name} (seq 1-2): archive file altered (sha256 does not match its record)" in out
    assert "row seq 2" in out and "does not match its hash" in out


def test_a_deleted_archive_file_is_named(db, archive_dir):
    log_rows(400, 1)
    [archive] = archiving.archive_chain(ChangeLog, now=NOW).archives
    (archive_dir / archive.file_name).unlink()
    status, out = verify_archives()
    assert status == 1 and f"archive {archive.file_name} (seq 1-1): archive file missing" in out


def test_an_edited_archive_record_is_named(db, archive_dir):
    """Someone with the database alone moves the archive's end to hide the row after it."""
    log_rows(400, 399, 1)
    [archive] = archiving.archive_chain(ChangeLog, now=NOW).archives
    with hand_tampering("audit_auditarchive") as cursor:
        cursor.execute("UPDATE audit_auditarchive SET last_seq = 3, rows = 3 WHERE id = %s", [archive.pk])
    status, out = verify_audit()
    assert status == 1
    assert f"archive {archive.file_name} (seq 1-3): archive record altered (its MAC does not match)" in out


def test_a_run_stopped_before_its_transaction_leaves_a_file_the_next_run_replaces(db, archive_dir, monkeypatch):
    log_rows(400, 399, 1)
    real_delete = archiving._delete_archived

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(archiving, "_delete_archived", crash)
    with pytest.raises(RuntimeError):
        archiving.archive_chain(ChangeLog, now=NOW)
    assert AuditArchive.objects.count() == 0 and ChangeLog.objects.count() == 3
    [left] = [p.name for p in archive_dir.iterdir()]
    status, out = verify_archives()
    assert status == 0 and f"note: {left} has no archive record" in out
    monkeypatch.setattr(archiving, "_delete_archived", real_delete)
    [archive] = archiving.archive_chain(ChangeLog, now=NOW).archives
    assert archive.file_name == left and [p.name for p in archive_dir.iterdir()] == [left]
    assert verify_archives()[0] == 0


def test_the_archive_command_reports_each_file(db, archive_dir):
    log_rows(400, 1)
    LoginLog.objects.create(at=days_ago(500), username="somebody", success=False)
    out = io.StringIO()
    call_command("archive_audit_logs", stdout=out)
    assert "audit.ChangeLog: seq 1-1, 1 rows" in out.getvalue()
    assert "audit.LoginLog: seq 1-1, 1 rows" in out.getvalue()
    assert "audit.AccessLog: nothing older than 190 days" in out.getvalue()
    assert LoginLog.objects.count() == 0 and verify_archives()[0] == 0


def test_the_retention_run_is_recorded_and_reported(db, archive_dir):
    log_rows(400, 399, 1)
    outcome = retention.retention_run(now=NOW)
    assert outcome.problems == []
    run = RetentionRun.objects.get()
    assert (run.archived_rows, run.archive_files, run.finished_at is not None) == (2, 1, True)
    status = retention.retention_status()
    assert (status.retention_days, status.archive_count, status.evidence_retention_days) == (190, 1, 1095)
    assert status.last_archive_at == AuditArchive.objects.get().created_at
    assert status.oldest_live_at["audit.ChangeLog"] == ChangeLog.objects.get().at
    assert status.oldest_live_at["audit.AccessLog"] is None
    assert status.files_purged == 0 and status.next_run_at is None  # the tests' tasks run at once


def test_the_next_run_is_at_the_retention_hour_beijing_time():
    beijing = timezone.get_current_timezone()
    assert str(beijing) == "Asia/Shanghai"
    with override_settings(RETENTION_HOUR=2):
        assert schedule.next_run_at(datetime.datetime(2026, 11, 24, 1, 0, tzinfo=beijing)) == datetime.datetime(
            2026, 11, 24, 2, 0, tzinfo=beijing
        )
        assert schedule.next_run_at(datetime.datetime(2026, 11, 24, 2, 30, tzinfo=beijing)) == datetime.datetime(
            2026, 11, 25, 2, 0, tzinfo=beijing
        )


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_scheduling_keeps_one_waiting_run_and_the_run_schedules_the_next(db, archive_dir):
    out = io.StringIO()
    call_command("schedule_retention", stdout=out)
    call_command("schedule_retention", stdout=out)
    waiting = schedule.pending_run()
    assert waiting is not None and waiting.run_after == schedule.next_run_at()
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path=schedule.TASK_PATH).count() == 1
    log_rows(400, 1)
    result = run_retention.call()  # what the worker does at 02:00
    assert result["archived_rows"] == 1 and result["problems"] == []
    assert schedule.pending_run().run_after == schedule.next_run_at()
    assert retention.retention_status().next_run_at == schedule.next_run_at()


def test_the_archive_page_shows_archives_and_the_window_to_auditors(world, login, archive_dir):
    log_rows(400, 399, 1)
    retention.retention_run(now=NOW)
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, username="shenji")
    response = login(auditor).get(reverse("audit:archives"))
    assert response.status_code == 200
    page = response.content.decode()
    archive = AuditArchive.objects.get()
    assert archive.file_name in page and archive.sha256[:12] in page and "1–2" in page
    assert "数据库中保留最近 <strong>190</strong> 天的日志" in page
    assert "页面不提供下载" in page and "verify_audit --archives" in page
    assert "活动照片与附件" in page and "长期保存" in page  # the retention table, party archives kept
    assert reverse("audit:archives") in login(world.admin).get(reverse("audit:changes")).content.decode()
    assert login(world.owner).get(reverse("audit:archives")).status_code == 403  # 党办干事: no audit rights

"""PostgreSQL only (not collected on SQLite, see conftest.py): the database itself keeps audit rows
at least 183 days and deletes only archived ones; the application role deletes through the
archive function alone, and can run the archive."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from xianfeng.audit.dbroles import ARCHIVE_FUNCTION, AUDIT_TABLES, check_app_role
from xianfeng.audit.models import AuditArchive, ChangeLog
from xianfeng.audit.tests.test_chain import verify_audit
from xianfeng.audit.tests.test_postgresql import _connect, app_role  # noqa: F401 - the fixture
from xianfeng.audit.tests.test_retention import log_rows

pytestmark = pytest.mark.django_db(transaction=True)


def _old_and_recent() -> list[ChangeLog]:
    return log_rows(400, 399, 1)  # seq 1 and 2 are older than 183 days, seq 3 is a day old


def _owner_connection() -> psycopg.Connection:
    """The tables' owner (here the superuser that migrated), as an operator by hand would connect."""
    return _connect(connection.settings_dict["USER"])


def _forge_archive(conn, first: int, last: int) -> int:
    """An archive record written by hand (no file): what the trigger checks is that one exists."""
    row = conn.execute(
        "INSERT INTO audit_auditarchive (chain, first_seq, last_seq, first_at, last_at, rows, prev_hash, last_hash, "
        "file_name, size_bytes, sha256, created_at, mac) VALUES ('audit.ChangeLog', %s, %s, now(), now(), %s, '', "
        "(SELECT row_hash FROM audit_changelog WHERE seq = %s), %s, 0, '', now(), '') RETURNING id",
        [first, last, last - first + 1, last, f"forged-{first}-{last}"],
    ).fetchone()
    return row[0]


def test_a_recent_row_cannot_be_deleted_even_with_the_session_variable_and_an_archive_record():
    _old_and_recent()
    with _owner_connection() as conn:
        conn.execute("SET xianfeng.audit_archiving = on")
        _forge_archive(conn, 1, 3)
        with pytest.raises(psycopg.errors.RaiseException, match="younger than 183 days or not archived"):
            conn.execute("DELETE FROM audit_changelog WHERE seq = 3")
        conn.rollback()


def test_an_old_row_is_deleted_only_when_archived_and_asked_for():
    _old_and_recent()
    with _owner_connection() as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):  # no session variable
            conn.execute("DELETE FROM audit_changelog WHERE seq = 1")
        conn.rollback()
        conn.execute("SET xianfeng.audit_archiving = on")
        with pytest.raises(psycopg.errors.RaiseException, match="not archived"):  # no archive record
            conn.execute("DELETE FROM audit_changelog WHERE seq = 1")
        conn.rollback()
        conn.execute("SET xianfeng.audit_archiving = on")
        _forge_archive(conn, 1, 2)
        assert conn.execute("DELETE FROM audit_changelog WHERE seq <= 2").rowcount == 2
        conn.rollback()
    assert ChangeLog.objects.count() == 3


def test_archive_records_cannot_be_changed_or_deleted():
    _old_and_recent()
    with _owner_connection() as conn:
        archive_id = _forge_archive(conn, 1, 2)
        for statement in ("UPDATE audit_auditarchive SET rows = 1", "DELETE FROM audit_auditarchive"):
            with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed or deleted"):
                conn.execute(statement)
            conn.rollback()
            archive_id = _forge_archive(conn, 1, 2)
        assert archive_id
        conn.rollback()


def test_the_application_role_cannot_delete_even_with_the_session_variable(app_role):  # noqa: F811
    _old_and_recent()
    with _connect(app_role) as conn:
        for table in (*AUDIT_TABLES, "audit_auditarchive"):
            for statement in (f"DELETE FROM {table}", f"TRUNCATE {table}", f"UPDATE {table} SET id = id"):
                conn.execute("SET xianfeng.audit_archiving = on")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
                conn.rollback()


def test_the_archive_function_deletes_only_what_a_matching_record_covers(app_role):  # noqa: F811
    _old_and_recent()
    with _connect(app_role) as conn:
        forged = _forge_archive(conn, 1, 3)  # the app role may write a record, even a false one …
        with pytest.raises(psycopg.errors.RaiseException, match="younger than 183 days"):
            conn.execute("SELECT xianfeng_audit_archive_delete(%s)", [forged])  # … the day-old row stays
        conn.rollback()
        skipping = _forge_archive(conn, 2, 2)
        with pytest.raises(psycopg.errors.RaiseException, match="the oldest row of audit_changelog is seq 1"):
            conn.execute("SELECT xianfeng_audit_archive_delete(%s)", [skipping])  # no hole in the chain
        conn.rollback()
    assert ChangeLog.objects.count() == 3


def test_nobody_else_may_call_the_archive_function():
    role = "xf_test_stranger"
    admin = _connect(connection.settings_dict["USER"], autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        admin.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        with _connect(role) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT xianfeng_audit_archive_delete(1)")
        assert f"{role} lacks EXECUTE on {ARCHIVE_FUNCTION}: the application cannot archive" in check_app_role(role)
    finally:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")
        admin.close()


APP_ARCHIVES = """
import django
django.setup()
from xianfeng.audit.archiving import archive_all
outcomes = archive_all()
print("archived", sum(o.rows for o in outcomes), [o.problem for o in outcomes if o.problem])
"""


def test_the_application_role_runs_the_archive(app_role, tmp_path, settings):  # noqa: F811
    _old_and_recent()
    s = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{app_role}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "AUDIT_ARCHIVE_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", APP_ARCHIVES],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "archived 2 []" in result.stdout, result.stderr
    assert list(ChangeLog.objects.values_list("seq", flat=True)) == [3]
    archive = AuditArchive.objects.get()
    assert (tmp_path / archive.file_name).is_file()
    settings.AUDIT_ARCHIVE_DIR = tmp_path
    status, out = verify_audit()
    assert status == 0, out
    call_command("verify_audit", archives=True)  # raises CommandError on a missing or altered file


def test_the_role_check_accepts_the_granted_role(app_role):  # noqa: F811
    assert check_app_role(app_role) == []

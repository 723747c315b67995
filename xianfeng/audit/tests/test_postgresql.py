"""PostgreSQL only (not collected on SQLite, see conftest.py): the application's database role
cannot rewrite, empty or un-trigger the audit tables, the owner cannot TRUNCATE them by
accident, and concurrent writers keep one chain per table."""

import io
import os
import secrets
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from xianfeng.audit.dbroles import AUDIT_TABLES
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write
from xianfeng.audit.tests.test_chain import verify_audit
from xianfeng.core.tests.factories import OrganizationFactory

# Committed transactions: other connections (the roles, the writers) must see the changes.
# The flush after each test TRUNCATEs with the session setting from config/test_settings.py.
pytestmark = pytest.mark.django_db(transaction=True)


def _connect(user: str, **kwargs) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=user, dbname=s["NAME"], **kwargs)


@pytest.fixture
def app_role():
    """A fresh owner role and application role on the test database, set up by audit_db_roles."""
    suffix = secrets.token_hex(4)
    owner, app = f"xf_test_owner_{suffix}", f"xf_test_app_{suffix}"
    superuser = connection.settings_dict["USER"]
    admin = _connect(superuser, autocommit=True)
    admin.execute(f"CREATE ROLE {owner} NOLOGIN")
    admin.execute(f"CREATE ROLE {app} LOGIN")
    try:
        out = io.StringIO()
        call_command("audit_db_roles", app_role=app, owner_role=owner, apply=True, stdout=out)
        assert f"{app}: SELECT and INSERT only on audit_changelog" in out.getvalue()
        yield app
    finally:
        admin.execute(f"REASSIGN OWNED BY {owner} TO {superuser}")
        for role in (owner, app):
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
        admin.close()


OWNER_ROW = {
    "audit_changelog": "INSERT INTO audit_changelog (at, action, model, object_id, object_repr, note, org_path, "
    "prev_hash, row_hash) VALUES (now(), 'update', 'x', '1', 'x', '', '', '', '')",
    "audit_accesslog": "INSERT INTO audit_accesslog (at, kind, model, object_id, object_repr, fields, reason, "
    "row_count, org_path, prev_hash, row_hash) VALUES (now(), 'reveal', 'x', '1', 'x', '', '', 1, '', '', '')",
    "audit_loginlog": "INSERT INTO audit_loginlog (at, username, success, detail, user_agent, prev_hash, row_hash) "
    "VALUES (now(), 'x', false, '', '', '', '')",
}

TAMPERING = [
    "TRUNCATE {table}",
    "DELETE FROM {table}",
    "UPDATE {table} SET prev_hash = ''",
    "ALTER TABLE {table} DISABLE TRIGGER USER",
    "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
    "DROP TRIGGER {table}_no_truncate ON {table}",
    "ALTER TABLE {table} OWNER TO CURRENT_USER",
]


def test_the_application_role_cannot_rewrite_or_empty_an_audit_table(app_role):
    refused = []
    with _connect(app_role) as conn:
        for table in AUDIT_TABLES:
            for statement in TAMPERING:
                sql = statement.format(table=table)
                try:
                    conn.execute(sql)
                except psycopg.errors.InsufficientPrivilege:
                    refused.append(sql)
                conn.rollback()
    assert refused == [statement.format(table=table) for table in AUDIT_TABLES for statement in TAMPERING]


APP_WRITES = """
import django
django.setup()
from django.db import connection
from xianfeng.audit.models import AccessLog, ChangeLog, LoginLog
ChangeLog.objects.create(action="update", model="orgs.Organization", object_id="1")
AccessLog.objects.create(kind="reveal", model="orgs.Organization", object_repr="x")
LoginLog.objects.bulk_create([LoginLog(username="somebody", success=False)])
with connection.cursor() as cursor:
    cursor.execute("UPDATE orgs_organization SET name = name")
    cursor.execute("DELETE FROM django_session")
    cursor.execute("TRUNCATE django_session")
print("written")
"""


def test_the_application_connected_as_the_role_writes_the_chain_and_its_other_tables(app_role):
    """The application's own write path (chain head lock and update, id sequences) works as the role."""
    s = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{app_role}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
    }
    result = subprocess.run(
        [sys.executable, "-c", APP_WRITES],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "written" in result.stdout, result.stderr
    status, out = verify_audit()
    assert status == 0, out
    for label in ("audit.ChangeLog", "audit.AccessLog", "audit.LoginLog"):
        assert f"{label}: 1 rows, chain intact" in out


@pytest.mark.django_db  # grants committed by the other connection are visible in the test's transaction
def test_audit_db_roles_check_names_a_role_that_could_tamper():
    role = f"xf_test_loose_{secrets.token_hex(4)}"
    admin = _connect(connection.settings_dict["USER"], autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        admin.execute(f"GRANT SELECT, INSERT, DELETE ON audit_loginlog TO {role}")
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("audit_db_roles", app_role=role, check=True, stdout=out)
        assert f"PROBLEM: {role} has DELETE on audit_loginlog" in out.getvalue()
        assert f"PROBLEM: {role} lacks INSERT on audit_changelog" in out.getvalue()
    finally:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")
        admin.close()


@pytest.mark.django_db
def test_even_the_owner_cannot_empty_an_audit_table_by_accident():
    with _connect(connection.settings_dict["USER"]) as conn:  # the owner, without the flush's session setting
        for table in AUDIT_TABLES:
            for statement, refusal in (
                ("TRUNCATE {table}", "cannot be truncated"),
                ("DELETE FROM {table}", "append-only"),
            ):
                conn.execute(OWNER_ROW[table])  # a row to refuse to delete; rolled back below
                conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK check in the way of TRUNCATE
                with pytest.raises(psycopg.errors.RaiseException, match=refusal):
                    conn.execute(statement.format(table=table))
                conn.rollback()


def test_concurrent_writers_keep_one_unbroken_chain():
    org = OrganizationFactory(name="并发小组")
    writers, per_writer = 4, 15
    start = threading.Barrier(writers)
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    changelog_write(actor=None, action=ChangeLog.Action.UPDATE, obj=org, note=f"{n}-{i}")
                    time.sleep(0.002)  # hold the chain head a moment: the others must wait
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(ChangeLog.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    status, out = verify_audit()
    assert status == 0, out

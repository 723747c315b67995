"""Audit rows are hash-chained; verify_audit names a deleted, altered, reordered or unchained row."""

import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from psycopg.types.json import Jsonb

from xianfeng.audit.models import AccessLog, ChainHead, ChangeLog, LoginLog
from xianfeng.audit.services import accesslog_write, changelog_write, changelog_write_many, snapshot
from xianfeng.orgs import services as org_services
from xianfeng.orgs.models import Organization


def verify_audit() -> tuple[int, str]:
    """(exit status, output) of ``manage.py verify_audit``."""
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@contextmanager
def hand_tampering(table: str):
    """What someone editing the database by hand does first: switch off the append-only
    trigger (inside the test's transaction, so it comes back afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER TABLE refuses them
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"DROP TRIGGER {table}_append_only")
        yield cursor


@pytest.fixture
def trail(world, client):
    """Three rows in each audit table, written the way the application writes them."""
    for name in ("改名一", "改名二", "改名三"):
        org_services.org_update(acting_user=world.owner, org=world.group_a, name=name)
    for n in range(3):
        accesslog_write(
            actor=world.owner,
            kind=AccessLog.Kind.REVEAL,
            model=Organization,
            object_id=world.group_a.pk,
            object_repr=f"查看{n}",
        )
    world.owner.set_password("Correct-horse-9")
    world.owner.save()
    for password in ("wrong-1", "wrong-2", "Correct-horse-9"):
        client.post(reverse("accounts:login"), {"username": "owner", "password": password})
    assert (ChangeLog.objects.count(), AccessLog.objects.count(), LoginLog.objects.count()) == (3, 3, 3)
    return world


def ids(model) -> list[int]:
    return list(model.objects.order_by("id").values_list("id", flat=True))


def test_an_intact_trail_verifies_with_counts(trail):
    status, out = verify_audit()
    assert status == 0, out
    for label in ("audit.ChangeLog", "audit.AccessLog", "audit.LoginLog"):
        assert f"{label}: 3 rows, chain intact" in out


def test_rows_are_linked_in_order(trail):
    rows = list(ChangeLog.objects.order_by("id"))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == "" and rows[1].prev_hash == rows[0].row_hash and rows[2].prev_hash == rows[1].row_hash
    assert len({r.row_hash for r in rows}) == 3 and all(len(r.row_hash) == 64 for r in rows)


@pytest.mark.parametrize("model", [ChangeLog, AccessLog, LoginLog])
def test_a_row_deleted_by_hand_is_reported(trail, model):
    first, middle, last = ids(model)
    with hand_tampering(model._meta.db_table) as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [middle])
    status, out = verify_audit()
    assert status == 1
    assert f"{model._meta.label} deleted: 1 row(s) missing (seq 2) after id {first} and before id {last}" in out
    assert out.count("chain intact") == 2  # the other two tables


def test_the_newest_row_deleted_by_hand_is_reported(trail):
    first, middle, last = ids(ChangeLog)
    with hand_tampering("audit_changelog") as cursor:
        cursor.execute("DELETE FROM audit_changelog WHERE id = %s", [last])
    status, out = verify_audit()
    assert status == 1
    assert f"audit.ChangeLog deleted: 1 row(s) missing (seq 3) after id {middle}" in out


def test_rewinding_the_chain_head_is_reported(trail):
    first, middle, last = ids(ChangeLog)
    previous = ChangeLog.objects.get(pk=middle)
    with hand_tampering("audit_changelog") as cursor:
        cursor.execute("DELETE FROM audit_changelog WHERE id = %s", [last])
    ChainHead.objects.filter(pk="audit.ChangeLog").update(seq=2, last_hash=previous.row_hash)
    status, out = verify_audit()
    assert status == 1 and "audit.ChangeLog chain head altered" in out


@pytest.mark.parametrize(
    ("column", "value"),
    [("note", "无事发生"), ("object_repr", "另一个对象"), ("user_id", None), ("at", "2020-01-01 00:00:00")],
)
def test_a_field_altered_by_hand_is_reported(trail, column, value):
    first, middle, last = ids(ChangeLog)
    with hand_tampering("audit_changelog") as cursor:
        cursor.execute(f"UPDATE audit_changelog SET {column} = %s WHERE id = %s", [value, middle])
    status, out = verify_audit()
    assert status == 1
    assert f"audit.ChangeLog altered: id {middle} (seq 2) does not match its hash" in out
    assert out.count("altered") == 1


def test_a_diff_altered_by_hand_is_reported(trail):
    first, middle, last = ids(ChangeLog)
    with hand_tampering("audit_changelog") as cursor:
        cursor.execute("UPDATE audit_changelog SET after = %s WHERE id = %s", ['{"name": "假名字"}', last])
    status, out = verify_audit()
    assert status == 1 and f"altered: id {last} (seq 3)" in out


def _swap(cursor, table: str, a: int, b: int, columns: list[str]) -> None:
    names = ", ".join(columns)
    cursor.execute(f"SELECT {names} FROM {table} WHERE id = %s", [a])
    row_a = cursor.fetchone()
    cursor.execute(f"SELECT {names} FROM {table} WHERE id = %s", [b])
    row_b = cursor.fetchone()
    assignments = ", ".join(f"{c} = %s" for c in columns)
    if "seq" in columns:  # unique: park one row out of the way first
        cursor.execute(f"UPDATE {table} SET seq = NULL WHERE id = %s", [a])
    if connection.vendor == "postgresql":  # the driver gives back JSON already decoded
        row_a = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in row_a]
        row_b = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in row_b]
    cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*row_a, b])
    cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*row_b, a])


CHANGELOG_CONTENT = ["at", "user_id", "ip", "action", "model", "object_id", "object_repr", "before", "after", "note"]


def test_two_rows_swapped_whole_are_reported_as_reordered(trail):
    first, middle, last = ids(ChangeLog)
    with hand_tampering("audit_changelog") as cursor:
        _swap(cursor, "audit_changelog", middle, last, [*CHANGELOG_CONTENT, "seq", "prev_hash", "row_hash"])
    status, out = verify_audit()
    assert status == 1
    assert f"audit.ChangeLog reordered: id {middle} (seq 3) comes after id {last} (seq 2)" in out


def test_two_rows_with_their_content_swapped_are_reported(trail):
    first, middle, last = ids(ChangeLog)
    with hand_tampering("audit_changelog") as cursor:
        _swap(cursor, "audit_changelog", first, middle, CHANGELOG_CONTENT)
    status, out = verify_audit()
    assert status == 1
    assert f"altered: id {first} (seq 1)" in out and f"altered: id {middle} (seq 2)" in out


def test_a_row_inserted_around_the_application_is_reported(trail):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_loginlog (at, username, success, detail, user_agent, prev_hash, row_hash) "
            "VALUES (%s, 'ghost', %s, '', '', '', '')",
            ["2026-01-01 00:00:00+00:00", True],
        )
    ghost = LoginLog.objects.get(username="ghost").pk
    status, out = verify_audit()
    assert status == 1 and f"audit.LoginLog unchained: 1 row(s) written around the application: id {ghost}" in out


def test_bulk_writes_join_the_chain(world):
    org = world.group_a
    changelog_write(actor=world.owner, action=ChangeLog.Action.UPDATE, obj=org, note="单条")
    ChangeLog.objects.bulk_create(
        [ChangeLog(action=ChangeLog.Action.IMPORT, model="orgs.Organization", object_id=str(n)) for n in range(5)]
    )
    changelog_write(actor=world.owner, action=ChangeLog.Action.UPDATE, obj=org, note="又一条")
    assert list(ChangeLog.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    status, out = verify_audit()
    assert status == 0 and "audit.ChangeLog: 7 rows, chain intact" in out


def test_an_import_logs_many_objects_in_one_chained_write(world, django_assert_max_num_queries):
    orgs = [world.committee, world.branch_a, world.group_a, world.branch_b]
    with django_assert_max_num_queries(5):  # savepoint, head lock, head update, one insert, release
        changelog_write_many(
            actor=world.owner, action=ChangeLog.Action.IMPORT, objs=orgs, after_of=snapshot, note="批量导入"
        )
    assert list(ChangeLog.objects.order_by("seq").values_list("object_id", flat=True)) == [str(o.pk) for o in orgs]
    assert verify_audit()[0] == 0


def test_a_lost_chain_head_resumes_from_the_last_row(trail):
    ChainHead.objects.filter(pk="audit.AccessLog").delete()
    accesslog_write(actor=trail.owner, kind=AccessLog.Kind.EXPORT, model=Organization, object_repr="导出")
    assert AccessLog.objects.order_by("-id").first().seq == 4
    assert verify_audit()[0] == 0


def test_every_stored_field_is_chained_or_deliberately_left_out():
    """A new audit field must be added to chain_fields on purpose (with a new chain version)."""
    chain_own = {"id", "seq", "prev_hash", "row_hash"}
    for model in (ChangeLog, AccessLog, LoginLog):
        stored = {f.name for f in model._meta.concrete_fields}
        assert stored - chain_own == set(model.chain_fields), model


def test_the_database_refuses_a_raw_update_of_a_log_row(trail):
    """On SQLite (no roles) the trigger is the protection: raw SQL cannot rewrite a row either."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_changelog SET note = 'tampered'")
    assert verify_audit()[0] == 0


def test_audit_db_roles_prints_the_grants_on_postgresql_and_explains_on_sqlite(db):
    out = io.StringIO()
    if connection.vendor == "postgresql":
        call_command("audit_db_roles", app_role="xianfeng_app", stdout=out)
        sql = out.getvalue()
        assert 'GRANT SELECT, INSERT ON TABLE "audit_changelog" TO "xianfeng_app";' in sql
        assert 'GRANT ALL PRIVILEGES ON TABLE "orgs_organization" TO "xianfeng_app";' in sql
        assert 'UPDATE ON TABLE "audit_loginlog"' not in sql
    else:
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("audit_db_roles", app_role="xianfeng_app", stdout=out)

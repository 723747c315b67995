"""Let archived audit rows leave the tables, and only those (issue 15 §4; xianfeng/audit/archiving.py).

PostgreSQL. The append-only trigger of 0002 is replaced: UPDATE still raises, and a DELETE passes
only when all of these hold, whoever runs it (the owner included):
- the session set ``xianfeng.audit_archiving = on``;
- the row is older than 183 days (six months, Cybersecurity Law art. 21), a floor written here,
  independent of AUDIT_RETENTION_DAYS, so no setting and no application bug can shorten it;
- an archive record (audit_auditarchive) covers the row's seq.
The application role has no DELETE privilege at all (dbroles.py): it deletes through
``xianfeng_audit_archive_delete(archive_id)``, a SECURITY DEFINER function owned by the owner role
that deletes exactly the rows one archive record covers, after checking that the record starts at
the chain's oldest live row and ends at the row whose hash it names, and that it deleted as many
rows as the record says. EXECUTE is revoked from PUBLIC; ``manage.py audit_db_roles`` grants it to
the application role. The archive records themselves are append-only (UPDATE, DELETE and TRUNCATE
raise, as for the logs).

SQLite has no session variables and no roles: there the application code (archiving.py) applies
the same checks before it deletes; the tables keep refusing UPDATE.
"""

# migration-lint: reviewed — no log table is read, rewritten or locked: CREATE OR REPLACE FUNCTION
# swaps the body of the existing trigger function (no table lock), and the new triggers are on the
# new, empty audit_auditarchive.
import importlib

from django.db import migrations

hash_chain = importlib.import_module("xianfeng.audit.migrations.0004_hash_chain")

TABLES = hash_chain.TABLES
ARCHIVE_TABLE = "audit_auditarchive"
FLOOR_DAYS = 183  # keep in step with xianfeng.audit.retention.FLOOR_DAYS

CHAIN_OF_TABLE = """CASE {expr}
            WHEN 'audit_changelog' THEN 'audit.ChangeLog'
            WHEN 'audit_accesslog' THEN 'audit.AccessLog'
            WHEN 'audit_loginlog' THEN 'audit.LoginLog' END"""
TABLE_OF_CHAIN = """CASE {expr}
            WHEN 'audit.ChangeLog' THEN 'audit_changelog'
            WHEN 'audit.AccessLog' THEN 'audit_accesslog'
            WHEN 'audit.LoginLog' THEN 'audit_loginlog' END"""

PG_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION xianfeng_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('xianfeng.audit_archiving', true) = 'on' THEN
        IF OLD.seq IS NOT NULL
           AND OLD.at < now() - interval '{FLOOR_DAYS} days'
           AND EXISTS (
               SELECT 1 FROM {ARCHIVE_TABLE} a
               WHERE a.chain = {CHAIN_OF_TABLE.format(expr="TG_TABLE_NAME")}
                 AND OLD.seq BETWEEN a.first_seq AND a.last_seq
           ) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit log row id % (seq %) of % cannot be deleted: %',
            OLD.id, OLD.seq, TG_TABLE_NAME, 'younger than {FLOOR_DAYS} days or not archived';
    END IF;
    RAISE EXCEPTION 'audit log rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PG_ORIGINAL_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION xianfeng_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PG_ARCHIVE_RECORDS_FIXED = """
CREATE OR REPLACE FUNCTION xianfeng_audit_archive_fixed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit archive records cannot be changed or deleted (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PG_ARCHIVE_DELETE = f"""
CREATE OR REPLACE FUNCTION xianfeng_audit_archive_delete(archive_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    archive {ARCHIVE_TABLE}%ROWTYPE;
    log_table text;
    oldest bigint;
    named_hash text;
    deleted bigint;
BEGIN
    SELECT * INTO archive FROM {ARCHIVE_TABLE} WHERE id = archive_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no audit archive record %', archive_id;
    END IF;
    log_table := {TABLE_OF_CHAIN.format(expr="archive.chain")};
    IF log_table IS NULL THEN
        RAISE EXCEPTION 'audit archive % names an unknown chain %', archive_id, archive.chain;
    END IF;
    EXECUTE format('SELECT min(seq) FROM %I', log_table) INTO oldest;
    IF oldest IS DISTINCT FROM archive.first_seq THEN
        RAISE EXCEPTION 'audit archive % starts at seq %, the oldest row of % is seq %',
            archive_id, archive.first_seq, log_table, oldest;
    END IF;
    EXECUTE format('SELECT row_hash FROM %I WHERE seq = $1', log_table) INTO named_hash USING archive.last_seq;
    IF named_hash IS DISTINCT FROM archive.last_hash THEN
        RAISE EXCEPTION 'audit archive % does not end at the row it names (seq %)', archive_id, archive.last_seq;
    END IF;
    PERFORM set_config('xianfeng.audit_archiving', 'on', true);
    EXECUTE format('DELETE FROM %I WHERE seq BETWEEN $1 AND $2', log_table) USING archive.first_seq, archive.last_seq;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('xianfeng.audit_archiving', 'off', true);
    IF deleted <> archive.rows THEN
        RAISE EXCEPTION 'audit archive % covers % rows, % were deleted', archive_id, archive.rows, deleted;
    END IF;
    RETURN deleted;
END;
$$;
REVOKE ALL ON FUNCTION xianfeng_audit_archive_delete(bigint) FROM PUBLIC;
"""


def protect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in (PG_APPEND_ONLY, PG_ARCHIVE_RECORDS_FIXED, PG_ARCHIVE_DELETE):
            schema_editor.execute(sql, params=None)  # no placeholders: keep % literal
        schema_editor.execute(
            f"CREATE TRIGGER {ARCHIVE_TABLE}_append_only BEFORE UPDATE OR DELETE ON {ARCHIVE_TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION xianfeng_audit_archive_fixed();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {ARCHIVE_TABLE}_no_truncate BEFORE TRUNCATE ON {ARCHIVE_TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION xianfeng_audit_no_truncate();"
        )
    elif vendor == "sqlite":
        # DELETE stays possible on SQLite, as for the logs (0002): test flushes empty tables with it.
        schema_editor.execute(
            f"CREATE TRIGGER {ARCHIVE_TABLE}_append_only BEFORE UPDATE ON {ARCHIVE_TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'audit archive records cannot be changed'); END;"
        )


def unprotect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ARCHIVE_TABLE}_append_only ON {ARCHIVE_TABLE};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ARCHIVE_TABLE}_no_truncate ON {ARCHIVE_TABLE};")
        schema_editor.execute("DROP FUNCTION IF EXISTS xianfeng_audit_archive_delete(bigint);")
        schema_editor.execute("DROP FUNCTION IF EXISTS xianfeng_audit_archive_fixed();")
        schema_editor.execute(PG_ORIGINAL_APPEND_ONLY, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ARCHIVE_TABLE}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_archives")]

    operations = [migrations.RunPython(protect, unprotect)]

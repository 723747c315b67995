"""Make the audit tables append-only in the database itself, not only in the ORM.

PostgreSQL (production): UPDATE and DELETE raise. SQLite (the embedded default): UPDATE
raises; DELETE stays possible because Django's test flush empties tables with DELETE.
Retention purges (logs are kept at least six months) are done by an operator with TRUNCATE
or by dropping the trigger deliberately, never by the application.
"""

from django.db import migrations

TABLES = ["audit_changelog", "audit_accesslog", "audit_loginlog"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xianfeng_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # no placeholders: keep % literal
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION xianfeng_audit_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit log rows are append-only'); END;"
            )


def drop(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]

"""Hash-chain the audit tables (xianfeng/audit/chain.py) and refuse TRUNCATE on PostgreSQL.

Existing rows are sealed in id order, as they stand today, so verify_audit covers them from
now on. On SQLite, adding the unique ``seq`` column rebuilds the tables, which drops the
append-only triggers of 0002: they are created again at the end.

TRUNCATE (PostgreSQL): a BEFORE TRUNCATE statement trigger refuses it, also for the tables'
owner, unless the session set ``xianfeng.allow_audit_truncate = on`` on purpose (test database
flushes do; a retention purge by the owner role would). The application role cannot TRUNCATE
at all (manage.py audit_db_roles).
"""

import importlib

import django.utils.timezone
from django.db import migrations, models

from xianfeng.audit import chain

append_only = importlib.import_module("xianfeng.audit.migrations.0002_append_only_triggers")

TABLES = append_only.TABLES

# The fields each chain covered when it started (chain version v1), frozen here.
CHAIN_FIELDS = {
    "ChangeLog": (
        "at",
        "user",
        "ip",
        "action",
        "model",
        "object_id",
        "object_repr",
        "before",
        "after",
        "note",
        "org_path",
    ),
    "AccessLog": (
        "at",
        "user",
        "ip",
        "kind",
        "model",
        "object_id",
        "object_repr",
        "fields",
        "reason",
        "row_count",
        "org_path",
    ),
    "LoginLog": ("at", "username", "user", "ip", "success", "detail", "user_agent"),
}

PG_NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION xianfeng_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('xianfeng.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log tables cannot be truncated (%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def _sqlite_append_only(schema_editor):
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'audit log rows are append-only'); END;"
        )


def _seal_existing(apps, schema_editor, name: str) -> None:
    model = apps.get_model("audit", name)
    label = f"audit.{name}"
    fields = [model._meta.get_field(n) for n in CHAIN_FIELDS[name]]
    seq, prev, batch = 0, "", []
    for row in model.objects.using(schema_editor.connection.alias).order_by("id").iterator(chunk_size=2000):
        seq += 1
        values = {"seq": seq} | {f.attname: chain.normalize(f, getattr(row, f.attname)) for f in fields}
        row.seq, row.prev_hash = seq, prev
        row.row_hash = prev = chain.row_hash(label, values, prev)
        batch.append(row)
        if len(batch) >= 1000:
            model.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])
    apps.get_model("audit", "ChainHead").objects.create(
        chain=label, seq=seq, last_hash=prev, mac=chain.head_mac(label, seq, prev)
    )


def seal_and_protect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only;")
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    for name in CHAIN_FIELDS:
        _seal_existing(apps, schema_editor, name)
    if vendor == "postgresql":
        schema_editor.execute(PG_NO_TRUNCATE, params=None)  # no placeholders: keep % literal
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only;")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION xianfeng_audit_no_truncate();"
            )
    elif vendor == "sqlite":
        _sqlite_append_only(schema_editor)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS xianfeng_audit_no_truncate();")


def restore_sqlite_triggers(apps, schema_editor):
    """Backwards: removing the columns rebuilt the SQLite tables without their triggers."""
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_append_only(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_accesslog_kinds"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("chain", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("mac", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="accesslog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="changelog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="changelog",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="changelog",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="loginlog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="loginlog",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="loginlog",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.AlterField(
            model_name="changelog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.AlterField(
            model_name="loginlog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.RunPython(seal_and_protect, unprotect),
    ]

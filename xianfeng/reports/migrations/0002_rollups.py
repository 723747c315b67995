"""Rollup tables and the triggers that mark their (county, month) partitions dirty (issue 11 §7).

Triggers, not signals: whatever writes a service record or a provider — services, bulk imports,
``queryset.update()``, raw SQL — marks the partitions of the old row and of the new row, so a row
moved to another county or month dirties both. PostgreSQL: statement-level triggers with
transition tables (one INSERT … SELECT DISTINCT per statement, however many rows it wrote);
SQLite: row-level triggers. A resident moving to another household dirties the partitions of
their records (a record without a household counts for the resident's). Activities and their
types mark theirs too: their places count in the coverage rollups (Occurrence).
Every partition that already holds records starts dirty: the first read builds it.
"""

import django.db.models.deletion
from django.db import migrations, models

DIRTY = "reports_rollupdirty"
FACT_TABLES = ("servicelog_servicerecord", "servicelog_recordprovider", "servicelog_activity")
TYPES_TABLE = "servicelog_activity_service_types"  # an activity's types: its place is the activity's

PG_FUNCTIONS = {
    "ins": "SELECT county_code, date_trunc('month', served_on)::date AS month FROM new_rows",
    "del": "SELECT county_code, date_trunc('month', served_on)::date AS month FROM old_rows",
    "upd": "SELECT county_code, date_trunc('month', served_on)::date AS month FROM old_rows "
    "UNION SELECT county_code, date_trunc('month', served_on)::date FROM new_rows",
    "thr_ins": "SELECT DISTINCT a.county_code, date_trunc('month', a.served_on)::date AS month "
    "FROM new_rows t JOIN servicelog_activity a ON a.id = t.activity_id",
    "thr_del": "SELECT DISTINCT a.county_code, date_trunc('month', a.served_on)::date AS month "
    "FROM old_rows t JOIN servicelog_activity a ON a.id = t.activity_id",
    "res": "SELECT DISTINCT r.county_code, date_trunc('month', r.served_on)::date AS month "
    "FROM servicelog_servicerecord r JOIN old_rows o ON o.id = r.resident_id "
    "JOIN new_rows n ON n.id = o.id WHERE o.household_id IS DISTINCT FROM n.household_id",
}
PG_TRIGGERS = {
    "ins": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "del": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "upd": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _pg_install(cursor):
    for kind, select in PG_FUNCTIONS.items():
        distinct = "" if kind in ("upd", "res") else "DISTINCT "
        if kind in ("ins", "del"):
            select = select.replace("SELECT ", "SELECT " + distinct, 1)
        # DO UPDATE (not DO NOTHING): the writer locks the dirty row until it commits, so a
        # refresh that claims the partition waits for it and then sees its rows.
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION reports_rollup_dirty_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO {DIRTY} (county_code, month, touched) SELECT d.county_code, d.month, 1 FROM ({select}) d
              ON CONFLICT (county_code, month) DO UPDATE SET touched = {DIRTY}.touched + 1;
              RETURN NULL;
            END $$"""
        )
    for table in FACT_TABLES:
        for kind, event in PG_TRIGGERS.items():
            cursor.execute(
                f"CREATE TRIGGER {table}_rollup_{kind} {event.format(table=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_dirty_{kind}()"
            )
    cursor.execute(
        f"CREATE TRIGGER {TYPES_TABLE}_rollup_ins {PG_TRIGGERS['ins'].format(table=TYPES_TABLE)} "
        "FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_dirty_thr_ins()"
    )
    cursor.execute(
        f"CREATE TRIGGER {TYPES_TABLE}_rollup_del {PG_TRIGGERS['del'].format(table=TYPES_TABLE)} "
        "FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_dirty_thr_del()"
    )
    cursor.execute(
        "CREATE TRIGGER residents_resident_rollup_res AFTER UPDATE ON residents_resident "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_dirty_res()"
    )


def _sqlite_install(cursor):
    def mark(row):
        return (
            f"INSERT OR IGNORE INTO {DIRTY} (county_code, month, touched) "
            f"VALUES ({row}.county_code, date({row}.served_on, 'start of month'), 1);"
        )

    for table in FACT_TABLES:
        cursor.execute(f"CREATE TRIGGER {table}_rollup_ins AFTER INSERT ON {table} BEGIN {mark('NEW')} END")
        cursor.execute(f"CREATE TRIGGER {table}_rollup_del AFTER DELETE ON {table} BEGIN {mark('OLD')} END")
        cursor.execute(
            f"CREATE TRIGGER {table}_rollup_upd AFTER UPDATE ON {table} BEGIN {mark('OLD')} {mark('NEW')} END"
        )
    for kind, row in (("ins", "NEW"), ("del", "OLD")):
        cursor.execute(
            f"CREATE TRIGGER {TYPES_TABLE}_rollup_{kind} AFTER {'INSERT' if kind == 'ins' else 'DELETE'} "
            f"ON {TYPES_TABLE} BEGIN INSERT OR IGNORE INTO {DIRTY} (county_code, month, touched) "
            f"SELECT county_code, date(served_on, 'start of month'), 1 FROM servicelog_activity "
            f"WHERE id = {row}.activity_id; END"
        )
    cursor.execute(
        "CREATE TRIGGER residents_resident_rollup_res AFTER UPDATE OF household_id ON residents_resident "
        "WHEN OLD.household_id IS NOT NEW.household_id BEGIN "
        f"INSERT OR IGNORE INTO {DIRTY} (county_code, month, touched) "
        "SELECT DISTINCT county_code, date(served_on, 'start of month'), 1 "
        "FROM servicelog_servicerecord WHERE resident_id = NEW.id; END"
    )


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            _pg_install(cursor)
            month = "date_trunc('month', served_on)::date"
        elif vendor == "sqlite":
            _sqlite_install(cursor)
            month = "date(served_on, 'start of month')"
        else:
            return  # no triggers: rollups.metrics answers None on other databases
        for table in FACT_TABLES:
            cursor.execute(
                f"INSERT INTO {DIRTY} (county_code, month, touched) "
                f"SELECT DISTINCT county_code, {month}, 1 FROM {table} WHERE true "
                f"ON CONFLICT (county_code, month) DO NOTHING"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    names = [f"{table}_rollup_{kind}" for table in FACT_TABLES for kind in ("ins", "del", "upd")]
    names += [f"{TYPES_TABLE}_rollup_ins", f"{TYPES_TABLE}_rollup_del"]
    with schema_editor.connection.cursor() as cursor:
        for name in names:
            on = f" ON {name.rsplit('_rollup_', 1)[0]}" if vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        on = " ON residents_resident" if vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER IF EXISTS residents_resident_rollup_res{on}")
        if vendor == "postgresql":
            for kind in PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS reports_rollup_dirty_{kind}()")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
        ("residents", "0004_resident_list_order"),
        ("reports", "0001_initial"),
        ("servicelog", "0003_certificate_as_issued"),
    ]

    operations = [
        migrations.CreateModel(
            name="Occurrence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("r", "Resident"), ("h", "Household"), ("t", "Township"), ("v", "Village")],
                        max_length=1,
                    ),
                ),
                ("county_code", models.CharField(blank=True, max_length=6)),
                ("service_type_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("prev_month", models.DateField()),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["county_code", "month"], name="rollup_occurrence_county")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "county_code", "service_type_id", "month", "prev_month"),
                        name="rollup_occurrence_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupDirty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("county_code", models.CharField(blank=True, max_length=6)),
                ("month", models.DateField()),
                ("touched", models.IntegerField(default=1)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("county_code", "month"), name="rollup_dirty_once")],
            },
        ),
        migrations.CreateModel(
            name="RecordCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("county_code", models.CharField(blank=True, max_length=6)),
                ("township_code", models.CharField(blank=True, max_length=9)),
                ("village_code", models.CharField(blank=True, max_length=12)),
                ("team_id", models.BigIntegerField(null=True)),
                ("resident_id", models.BigIntegerField(null=True)),
                ("household_id", models.BigIntegerField(null=True)),
                ("records", models.IntegerField(default=0)),
                ("quantity", models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                ("providers", models.IntegerField(default=0)),
                ("hours", models.DecimalField(decimal_places=1, default=0, max_digits=20)),
                ("orphan_providers", models.IntegerField(default=0)),
                ("orphan_hours", models.DecimalField(decimal_places=1, default=0, max_digits=20)),
                (
                    "org",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="orgs.organization",
                    ),
                ),
                (
                    "service_type",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="servicelog.servicetype",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["county_code", "month"], name="rollup_cell_county_month"),
                    models.Index(fields=["month", "township_code"], name="rollup_cell_month_town"),
                    models.Index(fields=["resident_id", "month"], name="rollup_cell_resident"),
                    models.Index(fields=["household_id", "month"], name="rollup_cell_household"),
                ],
            },
        ),
        migrations.CreateModel(
            name="TypeMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("county_code", models.CharField(blank=True, max_length=6)),
                ("month", models.DateField()),
                ("records", models.IntegerField(default=0)),
                ("quantity", models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                ("providers", models.IntegerField(default=0)),
                ("hours", models.DecimalField(decimal_places=1, default=0, max_digits=20)),
                ("orphan_providers", models.IntegerField(default=0)),
                ("orphan_hours", models.DecimalField(decimal_places=1, default=0, max_digits=20)),
                (
                    "service_type",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="servicelog.servicetype",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["county_code", "month"], name="rollup_typemonth_partition")],
            },
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]

"""The migration lint (scripts/lint_migrations.py): new migrations that would lock or rewrite a
big table on PostgreSQL are refused, safe ones and grandfathered files pass."""

import importlib.util
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lint_migrations", ROOT / "scripts" / "lint_migrations.py")
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)

# The servicelog app as it stood: a big table with a few fields.
INITIAL = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="ServiceRecord",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("note", models.CharField(max_length=200, blank=True)),
                ("result", models.CharField(max_length=20, null=True, choices=[("a", "A")])),
                ("quantity", models.DecimalField(max_digits=12, decimal_places=2)),
            ],
        ),
        migrations.AddIndex(model_name="servicerecord", index=models.Index(fields=["note"], name="n")),
    ]
"""


def migration(operations: str, header: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(operations).strip(), " " * 8)
    return (
        "from django.contrib.postgres.operations import AddIndexConcurrently\n"
        f"from django.db import migrations, models\n{header}\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('servicelog', '0001_initial')]\n"
        f"{'    atomic = False' if 'atomic' in header else ''}\n"
        f"    operations = [\n{body}\n    ]\n"
    )


def lint_new(tmp_path, source: str, app: str = "servicelog") -> list[str]:
    """Rules fired by ``source`` as a new 0002 migration of ``app`` (0001 grandfathered)."""
    migrations = tmp_path / "xianfeng" / app / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_initial.py").write_text(INITIAL)
    (migrations / "0002_new.py").write_text(source)
    problems = lint.lint_tree(tmp_path, grandfathered={f"{app}/migrations/0001_initial.py"})
    assert all(p.path.endswith("0002_new.py") for p in problems)
    return [p.rule for p in problems]


def test_this_release_migrations_pass():
    assert [str(p) for p in lint.lint_tree()] == []


def test_grandfathered_files_are_not_judged(tmp_path):
    migrations = tmp_path / "xianfeng" / "servicelog" / "migrations"
    migrations.mkdir(parents=True)
    bad = migration('migrations.RemoveField(model_name="servicerecord", name="note"),')
    (migrations / "0003_old.py").write_text(bad)
    assert lint.lint_tree(tmp_path, grandfathered={"servicelog/migrations/0003_old.py"}) == []
    assert [p.rule for p in lint.lint_tree(tmp_path, grandfathered=set())] == ["remove-rename"]


def test_a_not_null_column_needs_a_constant_db_default(tmp_path):
    source = migration("""
        migrations.AddField(model_name="servicerecord", name="a", field=models.CharField(max_length=9, default="")),
        migrations.AddField(model_name="servicerecord", name="b", field=models.UUIDField(db_default=RandomUUID())),
    """)
    assert lint_new(tmp_path, source) == ["add-field", "add-field"]


def test_nullable_and_constant_default_columns_pass(tmp_path):
    source = migration("""
        migrations.AddField(model_name="servicerecord", name="a", field=models.DateField(null=True)),
        migrations.AddField(model_name="servicerecord", name="b", field=models.CharField(max_length=9, db_default="")),
        migrations.AddField(model_name="servicerecord", name="c", field=models.DateTimeField(db_default=Now())),
    """)
    assert lint_new(tmp_path, source) == []


def test_indexed_unique_and_foreign_key_columns_are_refused(tmp_path):
    source = migration("""
        migrations.AddField(model_name="servicerecord", name="a", field=models.IntegerField(null=True, db_index=True)),
        migrations.AddField(model_name="servicerecord", name="b", field=models.CharField(null=True, unique=True)),
        migrations.AddField(model_name="servicerecord", name="c",
                            field=models.ForeignKey(null=True, on_delete=models.SET_NULL, to="teams.team")),
    """)
    assert lint_new(tmp_path, source) == ["add-field", "add-field", "add-field"]


def test_type_changes_shortening_precision_and_not_null_are_refused(tmp_path):
    source = migration("""
        migrations.AlterField(model_name="servicerecord", name="note", field=models.IntegerField()),
        migrations.AlterField(model_name="servicerecord", name="result", field=models.CharField(max_length=10)),
        migrations.AlterField(model_name="servicerecord", name="quantity",
                              field=models.DecimalField(max_digits=14, decimal_places=3)),
    """)
    assert lint_new(tmp_path, source) == ["alter-field", "alter-field", "alter-field"]


def test_longer_text_choices_and_labels_pass(tmp_path):
    source = migration("""
        migrations.AlterField(model_name="servicerecord", name="note", field=models.TextField(blank=True)),
        migrations.AlterField(model_name="servicerecord", name="result",
                              field=models.CharField(max_length=40, null=True, choices=[("a", "A"), ("b", "B")])),
        migrations.AlterField(model_name="servicerecord", name="quantity",
                              field=models.DecimalField(max_digits=16, decimal_places=2)),
    """)
    assert lint_new(tmp_path, source) == []


def test_an_index_needs_the_concurrent_operation_outside_a_transaction(tmp_path):
    index = 'model_name="servicerecord", index=models.Index(fields=["note"], name="x")'
    assert lint_new(tmp_path / "a", migration(f"migrations.AddIndex({index}),")) == ["index"]
    assert lint_new(tmp_path / "b", migration(f"AddIndexConcurrently({index}),")) == ["concurrent-in-atomic"]
    assert lint_new(tmp_path / "c", migration(f"AddIndexConcurrently({index}),", header="# atomic")) == []
    constraint = 'model_name="servicerecord", constraint=models.CheckConstraint(condition=models.Q(), name="c")'
    assert lint_new(tmp_path / "d", migration(f"migrations.AddConstraint({constraint}),")) == ["index"]


def test_removing_or_renaming_a_column_of_a_big_table_is_refused(tmp_path):
    source = migration("""
        migrations.RemoveField(model_name="servicerecord", name="note"),
        migrations.RenameField(model_name="servicerecord", old_name="result", new_name="outcome"),
    """)
    assert lint_new(tmp_path, source) == ["remove-rename", "remove-rename"]


def test_a_state_only_removal_passes(tmp_path):
    source = migration("""
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="servicerecord", name="note")],
            database_operations=[],
        ),
    """)
    assert lint_new(tmp_path, source) == []


def test_raw_sql_and_backfills_on_big_tables_need_the_reviewed_marker(tmp_path):
    sql = "migrations.RunSQL(\"UPDATE servicelog_servicerecord SET note = ''\"),"
    backfill = "def fill(apps, schema_editor):\n    apps.get_model('servicelog', 'ServiceRecord')\n"
    assert lint_new(tmp_path / "a", migration(sql)) == ["run-sql"]
    assert lint_new(tmp_path / "b", migration("migrations.RunPython(fill),", header=backfill)) == ["run-python"]
    trigger = "def fill(apps, schema_editor):\n    schema_editor.execute('CREATE TRIGGER t ON audit_changelog')\n"
    assert lint_new(tmp_path / "f", migration("migrations.RunPython(fill),", header=trigger)) == ["run-python"]
    reviewed = "# migration-lint: reviewed — batches of 10 000 rows, each its own transaction\n"
    assert lint_new(tmp_path / "c", migration(sql, header=reviewed)) == []
    assert lint_new(tmp_path / "d", migration("migrations.RunPython(fill),", header=reviewed + backfill)) == []
    # A marker without a reason does not count.
    bare = "# migration-lint: reviewed\n"
    assert lint_new(tmp_path / "e", migration(sql, header=bare)) == ["run-sql"]


def test_small_tables_and_tables_created_in_the_same_migration_are_free(tmp_path):
    source = migration("""
        migrations.RunSQL("UPDATE servicelog_servicetype SET code = code"),
        migrations.RemoveField(model_name="servicetype", name="unit"),
        migrations.CreateModel(name="Activity", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.AddIndex(model_name="activity", index=models.Index(fields=["id"], name="y")),
    """)
    assert lint_new(tmp_path, source) == []


def test_refusals_name_the_file_line_and_the_fix(tmp_path, capsys):
    migrations = tmp_path / "servicelog" / "migrations"
    migrations.mkdir(parents=True)
    path = migrations / "0009_x.py"
    path.write_text(migration('migrations.RemoveField(model_name="servicerecord", name="note"),'))  # line 9
    assert lint.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:9: remove-rename: RemoveField on servicelog.servicerecord" in out
    assert "drop it in the next" in out

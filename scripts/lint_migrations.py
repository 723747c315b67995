"""Refuse new migrations that would lock or rewrite a big table on PostgreSQL 15 (issue 15 §5).

    .venv/bin/python scripts/lint_migrations.py            # every migration not grandfathered
    .venv/bin/python scripts/lint_migrations.py FILE …     # these files only

Upgrades run while the previous release still serves (rolling restart, db_worker draining), on
tables of millions of rows (bench/upgrade_bench.py: 10 M service records). On a big table
(BIG_MODELS) a new migration fails this lint when it would:

- add a NOT NULL column without ``db_default`` (Django drops a ``default=`` right after adding the
  column, so the previous release's INSERTs, which omit it, fail), or with a ``db_default`` that is
  an expression (a volatile one rewrites the table; only a constant or ``Now()`` is accepted);
- add a column with an index, a unique constraint or a foreign key (CREATE INDEX and the key's
  validation hold a lock that blocks writes for the whole scan);
- change a column's type (a rewrite under ACCESS EXCLUSIVE), shorten it, change a decimal's scale
  or lower its precision, make it NOT NULL (a full scan under ACCESS EXCLUSIVE), or index it / make it unique;
  a longer varchar, varchar → text and changes Django alone sees (choices, labels, defaults) pass;
- AddIndex / AddConstraint / AlterUniqueTogether / AlterIndexTogether (use AddIndexConcurrently
  in a migration with ``atomic = False``; a constraint as RunSQL ``NOT VALID`` then ``VALIDATE``);
- RemoveField / RenameField / RenameModel / DeleteModel / AlterModelTable (the previous release's
  code still reads and writes the old name: stop using it in one release, drop it in the next);
- RunSQL naming a big table, or RunPython loading a big model (a backfill) or in a file whose strings
  name a big table (SQL through schema_editor.execute), unless the file
  carries ``# migration-lint: reviewed — <why it is safe>`` (batched, NOT VALID, CONCURRENTLY …).

Migrations inside ``SeparateDatabaseAndState`` are judged by their database operations only.
Files in GRANDFATHERED (every migration up to the previous release) are not judged. Exit 1 when
something is refused, with ``path:line: rule: message`` lines.
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# "app.model" (lower case) of the tables that grow with the county's activity.
BIG_MODELS = {
    "servicelog.servicerecord", "servicelog.recordprovider", "servicelog.activity", "servicelog.activityfile",
    "servicelog.activityparticipant", "servicelog.activityquantity", "audit.changelog", "audit.accesslog",
    "audit.loginlog", "residents.resident", "residents.household", "programs.enrollment", "programs.visit",
    "hotline.call", "needs.need", "reports.recordcell", "reports.occurrence", "reports.typemonth",
}  # fmt: skip

# Every migration file up to the previous release (05590c1, issue 14), frozen: not judged.
GRANDFATHERED = {
    "accounts/migrations/0001_initial.py", "accounts/migrations/0002_initial.py",
    "accounts/migrations/0003_api_token_expiry.py", "accounts/migrations/0004_user_scope_stamp.py",
    "accounts/migrations/0005_alter_grant_role.py", "audit/migrations/0001_initial.py",
    "audit/migrations/0002_append_only_triggers.py", "audit/migrations/0003_accesslog_kinds.py",
    "audit/migrations/0004_hash_chain.py", "audit/migrations/0005_alter_accesslog_kind.py",
    "devices/migrations/0001_initial.py", "emergencies/migrations/0001_initial.py",
    "hotline/migrations/0001_initial.py", "hotline/migrations/0002_swap_from_member.py",
    "imports/migrations/0001_initial.py", "imports/migrations/0002_encrypt_issues_and_file_retention.py",
    "imports/migrations/0003_check_plan_error_workbook_header_choices.py", "materials/migrations/0001_initial.py",
    "materials/migrations/0002_items.py", "members/migrations/0001_initial.py",
    "members/migrations/0002_member_phone_last4.py", "needs/migrations/0001_initial.py",
    "orgs/migrations/0001_initial.py", "partylife/migrations/0001_initial.py",
    "partylife/migrations/0002_meeting_files.py", "programs/migrations/0001_initial.py",
    "regions/migrations/0001_initial.py", "regions/migrations/0002_load_shipped_regions.py",
    "reports/migrations/0001_initial.py", "reports/migrations/0002_rollups.py",
    "reports/migrations/0003_default_templates.py", "residents/migrations/0001_initial.py",
    "residents/migrations/0002_resident_merged_into_index.py", "residents/migrations/0003_resident_phone_last4.py",
    "residents/migrations/0004_resident_list_order.py", "servicelog/migrations/0001_initial.py",
    "servicelog/migrations/0002_catalogue.py", "servicelog/migrations/0003_certificate_as_issued.py",
    "servicelog/migrations/0004_catalogue_materials.py", "teams/migrations/0001_initial.py",
}  # fmt: skip

MARKER = re.compile(r"#\s*migration-lint:\s*reviewed\s*[-—:]+\s*\S")
RELATIONS = {"ForeignKey", "OneToOneField", "ForeignObject"}
TEXTUAL = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
REMOVING = {"RemoveField", "RenameField", "RenameModel", "DeleteModel", "AlterModelTable"}
INDEXING = {"AddIndex", "AddConstraint", "AlterUniqueTogether", "AlterIndexTogether"}
CONCURRENT = {"AddIndexConcurrently", "RemoveIndexConcurrently"}
CONSTANT_DEFAULTS = {"Now", "Value"}
ARGS = {  # positional parameters of the operations read here
    "AddField": ("model_name", "name", "field"), "AlterField": ("model_name", "name", "field"),
    "RemoveField": ("model_name", "name"), "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"), "AddConstraint": ("model_name", "constraint"),
    "AddIndexConcurrently": ("model_name", "index"), "RemoveIndexConcurrently": ("model_name", "name"),
    "RenameModel": ("old_name", "new_name"), "DeleteModel": ("name",), "AlterModelTable": ("name", "table"),
    "AlterUniqueTogether": ("name", "unique_together"), "AlterIndexTogether": ("name", "index_together"),
    "CreateModel": ("name", "fields"), "RunSQL": ("sql", "reverse_sql"), "RunPython": ("code", "reverse_code"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


def _name(node) -> str:
    """``migrations.AddField`` / ``AddField`` / ``models.CharField`` -> the last name."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _args(call: ast.Call) -> dict:
    values = dict(zip(ARGS.get(_name(call), ()), call.args, strict=False))
    values.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
    return values


def _const(node, default=None):
    return node.value if isinstance(node, ast.Constant) else default


def _field(node) -> dict:
    """A field call as {"class": …, keyword: constant or the node}."""
    if not isinstance(node, ast.Call):
        return {"class": ""}
    kwargs = {kw.arg: (kw.value.value if isinstance(kw.value, ast.Constant) else kw.value) for kw in node.keywords}
    return {"class": _name(node), **kwargs}


def _operations(tree: ast.Module) -> tuple[list[ast.Call], bool]:
    """The Migration class's operations (database side) and whether it is atomic."""
    ops, atomic = [], True
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    if stmt.targets[0].id == "atomic":
                        atomic = _const(stmt.value, True) is not False
                    elif stmt.targets[0].id == "operations" and isinstance(stmt.value, ast.List | ast.Tuple):
                        ops = [op for op in stmt.value.elts if isinstance(op, ast.Call)]
    flat = []
    for op in ops:
        if _name(op) == "SeparateDatabaseAndState":
            inner = _args(op).get("database_operations")
            flat += [o for o in getattr(inner, "elts", []) if isinstance(o, ast.Call)]
        else:
            flat.append(op)
    return flat, atomic


def _field_history(app_dir: Path, before: str) -> dict[tuple[str, str], dict]:
    """(model, field) -> the latest definition in the app's migrations numbered before ``before``."""
    history: dict[tuple[str, str], dict] = {}
    for path in sorted(app_dir.glob("0*.py")):
        if path.name >= before:
            break
        ops, _ = _operations(ast.parse(path.read_text(encoding="utf-8")))
        for op in ops:
            args = _args(op)
            if _name(op) == "CreateModel":
                model = str(_const(args.get("name"), "")).lower()
                for pair in getattr(args.get("fields"), "elts", []):
                    if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                        history[(model, str(_const(pair.elts[0], "")))] = _field(pair.elts[1])
            elif _name(op) in ("AddField", "AlterField"):
                key = (str(_const(args.get("model_name"), "")).lower(), str(_const(args.get("name"), "")))
                history[key] = _field(args.get("field"))
    return history


def _add_field(field: dict) -> str:
    if field["class"] in RELATIONS and not (field.get("db_index") is False and field.get("db_constraint") is False):
        return "a foreign key builds an index and validates the key under a write-blocking lock (db_index=False, " \
            "db_constraint=False, then AddIndexConcurrently and a NOT VALID constraint in RunSQL)"  # fmt: skip
    if field.get("unique") is True or field.get("db_index") is True or field.get("primary_key") is True:
        return "an index built with the column blocks writes for the whole scan (AddIndexConcurrently, atomic = False)"
    if field.get("null") is True or field["class"] == "ManyToManyField":
        return ""
    db_default = field.get("db_default")
    if db_default is None:
        return "NOT NULL without db_default: the previous release's INSERTs omit the column and fail " \
            "(give db_default=<constant>, or null=True)"  # fmt: skip
    if isinstance(db_default, ast.AST) and _name(db_default) not in CONSTANT_DEFAULTS:
        return "db_default is an expression: a volatile one rewrites the table (use a constant or Now())"
    return ""


def _alter_field(old: dict | None, new: dict) -> str:
    if old is None:
        return "its previous definition is not in this app's earlier migrations: check `sqlmigrate` by hand"
    if old["class"] != new["class"] and not (old["class"] in TEXTUAL and new["class"] == "TextField"):
        return f"{old['class']} -> {new['class']} changes the column type: a table rewrite under ACCESS EXCLUSIVE"
    old_len, new_len = old.get("max_length"), new.get("max_length")
    if isinstance(old_len, int) and isinstance(new_len, int) and new_len < old_len:
        return f"max_length {old_len} -> {new_len}: every row is checked under ACCESS EXCLUSIVE"
    old_digits, new_digits = old.get("max_digits"), new.get("max_digits")
    if old.get("decimal_places") != new.get("decimal_places") or (
        isinstance(old_digits, int) and isinstance(new_digits, int) and new_digits < old_digits
    ):  # only more digits at the same scale is free
        return "a decimal's scale changes or its precision shrinks: a table rewrite under ACCESS EXCLUSIVE"
    if old.get("null") is True and new.get("null") is not True:
        return "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE (add a NOT VALID check first)"
    for key in ("unique", "db_index", "primary_key"):
        if new.get(key) is True and old.get(key) is not True:
            return f"{key}=True builds an index under a write-blocking lock (AddIndexConcurrently, atomic = False)"
    if old["class"] in RELATIONS and old.get("db_constraint") is False and new.get("db_constraint") is not False:
        return "db_constraint=True validates the key over the whole table under a write-blocking lock"
    return ""


def lint_file(path: Path, app: str) -> list[Problem]:
    source = path.read_text(encoding="utf-8")
    reviewed = bool(MARKER.search(source))
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    ops, atomic = _operations(tree)
    tables = "|".join(re.escape(label.replace(".", "_")) for label in BIG_MODELS)
    problems, history = [], None
    shown = str(path)

    def refuse(op, rule, message):
        problems.append(Problem(shown, op.lineno, rule, message))

    created = set()  # tables this migration creates are empty: anything goes on them
    for op in ops:
        kind, args = _name(op), _args(op)
        model = str(_const(args.get("model_name", args.get("name", args.get("old_name"))), "")).lower()
        if kind == "CreateModel":
            created.add(model)
        big = f"{app}.{model}" in BIG_MODELS and model not in created
        if kind in CONCURRENT and atomic:
            refuse(op, "concurrent-in-atomic", f"{kind} needs `atomic = False` on the migration")
        elif kind == "AddField" and big and (why := _add_field(_field(args.get("field")))):
            refuse(op, "add-field", f"{app}.{model}.{_const(args.get('name'))}: {why}")
        elif kind == "AlterField" and big:
            if history is None:
                history = _field_history(path.parent, path.name)
            name = str(_const(args.get("name"), ""))
            if why := _alter_field(history.get((model, name)), _field(args.get("field"))):
                refuse(op, "alter-field", f"{app}.{model}.{name}: {why}")
        elif kind in INDEXING and big:
            refuse(op, "index", f"{kind} on {app}.{model} blocks writes while it builds or validates (Add"
                   "IndexConcurrently with atomic = False; constraints as NOT VALID + VALIDATE in RunSQL)")  # fmt: skip
        elif kind in REMOVING and big:
            refuse(op, "remove-rename", f"{kind} on {app}.{model}: the previous release still uses the old name "
                   "during the upgrade (stop using it in one release, drop it in the next)")  # fmt: skip
        elif kind == "RunSQL" and not reviewed:
            sql = " ".join(
                str(n.value) for n in ast.walk(op) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            )
            if hit := re.search(rf"\b({tables})\b", sql):
                refuse(op, "run-sql", f"RunSQL touches {hit.group(1)}: mark the file "
                       "`# migration-lint: reviewed — <why it is safe>` once it is batched or concurrent")  # fmt: skip
        elif kind == "RunPython" and not reviewed:
            loaded = re.findall(r"get_model\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]", source)
            hits = [f"{a}.{m.lower()}" for a, m in loaded if f"{a}.{m.lower()}" in BIG_MODELS]
            # SQL run through schema_editor.execute / cursor.execute inside the function
            hits += re.findall(rf"\b({tables})\b", " ".join(strings))
            if hits:
                refuse(op, "run-python", f"RunPython reaches {hits[0]} (a backfill or SQL on a big table): mark the "
                       "file `# migration-lint: reviewed — <why it is safe>` once batched or lock-free")  # fmt: skip
    return problems


def migration_files(root: Path) -> list[tuple[Path, str]]:
    """(file, app label) of every project migration under ``root``/xianfeng."""
    return [(path, path.parent.parent.name) for path in sorted((root / "xianfeng").glob("*/migrations/0*.py"))]


def lint_tree(root: Path = ROOT, grandfathered: set[str] = GRANDFATHERED) -> list[Problem]:
    problems = []
    for path, app in migration_files(root):
        if f"{app}/migrations/{path.name}" not in grandfathered:
            problems += lint_file(path, app)
    return problems


def main(argv: list[str]) -> int:
    if argv:
        problems = [p for arg in argv for p in lint_file(Path(arg), Path(arg).resolve().parent.parent.name)]
    else:
        problems = lint_tree()
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} migration operation(s) would lock or rewrite a big table; see scripts/lint_migrations.py"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

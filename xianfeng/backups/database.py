"""The database side of backup and restore, per vendor (PostgreSQL, SQLite).

PostgreSQL: the row counts and ``pg_dump`` share one exported REPEATABLE READ snapshot, so the
manifest describes exactly the dumped rows while the site keeps running. Restore runs
``pg_restore --single-transaction --exit-on-error --no-owner --no-privileges``: ownership goes to
the role restoring (run it as the owner role) and privileges are granted again afterwards with
``manage.py audit_db_roles`` (the archive's GRANTs would name roles of the old server).

SQLite: the online backup API copies a consistent database while it is being written; restore
moves the copy beside the target file and renames it into place (one atomic step).
"""

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .archive import ArchiveError

PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "database.sqlite3"
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def vendor() -> str:
    return connection.vendor


def dump_file_name(db_vendor: str) -> str:
    return PG_DUMP_FILE if db_vendor == "postgresql" else SQLITE_FILE


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_environment() -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore from the Django settings (the password travels in
    the environment, never on a command line that `ps` shows)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    options = db.get("OPTIONS") or {}
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("options", "PGOPTIONS")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def tool_major(tool: str) -> tuple[int, str]:
    """(major version, version line) of pg_dump or pg_restore; ArchiveError when it is missing."""
    path = shutil.which(tool)
    if path is None:
        raise ArchiveError(
            f"{tool} was not found. Install the PostgreSQL client of the server's version "
            "(Debian/Ubuntu: apt install postgresql-client-NN) and put it on PATH."
        )
    line = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.search(r"(\d+)(?:\.\d+)?", line)
    if not match:
        raise ArchiveError(f"cannot read the version of {tool} ({line!r})")
    return int(match.group(1)), line


def pg_server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def pg_server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE'"
    )
    return [row[0] for row in cursor.fetchall()]


def dump_postgresql(target: Path) -> dict:
    """pg_dump into ``target``; the counts and migrations are read in the dumped snapshot."""
    major, tool_line = tool_major("pg_dump")
    server_major = pg_server_major()
    if major < server_major:
        raise ArchiveError(
            f"pg_dump is version {major}, older than the database server ({server_major}): install "
            f"postgresql-client-{server_major} and put its pg_dump first on PATH."
        )
    server_version = pg_server_version()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = count_rows(cursor, pg_tables(cursor))
        migrations = applied_migrations(cursor)
        # The transaction stays open while pg_dump runs: it holds the exported snapshot.
        result = subprocess.run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", "--no-password"],
            env=pg_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise ArchiveError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
    return {"server_version": server_version, "dump_tool": tool_line, "counts": counts, "migrations": migrations}


def pg_table_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema <> ALL(%s)", [list(SYSTEM_SCHEMAS)]
        )
        return cursor.fetchone()[0]


def pg_objects() -> dict[str, set[str]]:
    """Schemas, functions and extensions outside the system schemas: what a restore may add
    besides tables (undo drops the ones that were not there before)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname <> ALL(%s) AND nspname NOT LIKE 'pg_%%'",
            [list(SYSTEM_SCHEMAS)],
        )
        schemas = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg_%%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
            [list(SYSTEM_SCHEMAS)],
        )
        functions = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    return {"schemas": schemas, "functions": functions, "extensions": extensions}


def restore_postgresql(dump: Path) -> None:
    major, _line = tool_major("pg_restore")
    result = subprocess.run(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ],
        env=pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ArchiveError(f"pg_restore (version {major}) failed: {result.stderr.strip()[-2000:]}")


def undo_postgresql(before: dict[str, set[str]]) -> None:
    """Drop everything a restore created, so the database is empty again (DROP is not refused
    by the audit tables' triggers, which guard rows, not tables)."""
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema <> ALL(%s)",
            [list(SYSTEM_SCHEMAS)],
        )
        for schema, name, kind in cursor.fetchall():
            what = "VIEW" if kind == "VIEW" else "TABLE"
            cursor.execute(f"DROP {what} IF EXISTS {quote(schema)}.{quote(name)} CASCADE")
        cursor.execute(
            "SELECT sequence_schema, sequence_name FROM information_schema.sequences WHERE sequence_schema <> ALL(%s)",
            [list(SYSTEM_SCHEMAS)],
        )
        for schema, name in cursor.fetchall():
            cursor.execute(f"DROP SEQUENCE IF EXISTS {quote(schema)}.{quote(name)} CASCADE")
    now = pg_objects()
    with connection.cursor() as cursor:
        for function in sorted(now["functions"] - before["functions"]):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
        for extension in sorted(now["extensions"] - before["extensions"]):
            cursor.execute(f"DROP EXTENSION IF EXISTS {quote(extension)} CASCADE")
        for schema in sorted(now["schemas"] - before["schemas"]):
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise ArchiveError(f"the SQLite database {name!r} is not a file: back up and restore a file database")
    return Path(name)


def sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def dump_sqlite(target: Path) -> dict:
    """Copy the live database with the online backup API (consistent while others write)."""
    source_path = sqlite_path()
    with closing(sqlite3.connect(source_path, timeout=60)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = copy.cursor()
        counts = count_rows(cursor, sqlite_tables(cursor))
        migrations = applied_migrations(cursor)
    return {
        "server_version": sqlite3.sqlite_version,
        "dump_tool": f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})",
        "counts": counts,
        "migrations": migrations,
    }


def sqlite_companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def sqlite_table_count() -> int:
    """Tables in the target file, read without creating it when it does not exist."""
    path = sqlite_path()
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return len(sqlite_tables(db.cursor()))


def restore_sqlite(copy: Path) -> None:
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    shutil.move(copy, staging)  # a rename when on the same disk, else a copy beside the target
    with open(staging, "rb") as handle:
        os.fsync(handle.fileno())
    connection.close()
    for leftover in sqlite_companions(target):  # an empty database file (checked) and its journal
        leftover.unlink(missing_ok=True)
    os.replace(staging, target)


def undo_sqlite() -> None:
    connection.close()
    for path in sqlite_companions(sqlite_path()):
        path.unlink(missing_ok=True)


# --- either ----------------------------------------------------------------------------------


def dump(target_dir: Path) -> tuple[Path, dict]:
    db_vendor = vendor()
    target = target_dir / dump_file_name(db_vendor)
    if db_vendor == "postgresql":
        return target, dump_postgresql(target)
    if db_vendor == "sqlite":
        return target, dump_sqlite(target)
    raise ArchiveError(f"backups support PostgreSQL and SQLite, not {db_vendor}")


def target_table_count() -> int:
    return pg_table_count() if vendor() == "postgresql" else sqlite_table_count()


def current_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = pg_tables(cursor) if vendor() == "postgresql" else sqlite_tables(cursor)
        return count_rows(cursor, tables)

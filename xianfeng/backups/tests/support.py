"""Drive manage.py as an operator would: subprocesses with their own XIANFENG_VAR_DIR and, when
the suite runs on PostgreSQL, their own scratch databases (pytest's test database sits inside a
transaction, or in memory on SQLite, where pg_dump and a second process could not see it)."""

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PG_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
ON_POSTGRESQL = bool(PG_URL)
OTHER_FIELD_KEY = "b3RoZXItZGVwbG95bWVudC1rZXktMzItYnl0ZXMhISE="  # 32 bytes, not the test key
_names = itertools.count(1)


def _server_url(database: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class Site:
    """One deployment: a var dir (SQLite file, media) and, on PostgreSQL, a scratch database."""

    var_dir: Path
    database: str = ""
    extra_env: dict = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path) -> "Site":
        number = next(_names)
        var_dir = root / f"site{number}"
        var_dir.mkdir(parents=True)
        database = ""
        if ON_POSTGRESQL:
            database = f"xfbak_{os.getpid()}_{number}"
            _admin(f'DROP DATABASE IF EXISTS "{database}"')
            _admin(f'CREATE DATABASE "{database}"')
        return cls(var_dir, database)

    def drop(self) -> None:
        if self.database:
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    @property
    def media(self) -> Path:
        return self.var_dir / "media"

    def env(self, **overrides) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "BACKUP_DIR"))}
        env.pop("DATABASE_URL", None)
        env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", XIANFENG_VAR_DIR=str(self.var_dir))
        env["BACKUP_DIR"] = str(self.var_dir / "backups")
        if self.database:
            env["DATABASE_URL"] = _server_url(self.database)
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def manage(self, *args, check: bool = True, **env) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=BASE_DIR,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _query(self, sql: str) -> list[tuple]:
        """Read the site's database from this process (no manage.py start-up: ~3 s saved)."""
        if self.database:
            import psycopg

            with psycopg.connect(_server_url(self.database)) as conn:
                return conn.execute(sql).fetchall()
        path = self.var_dir / "xianfeng.sqlite3"
        if not path.exists():
            return []
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute(sql).fetchall()

    def tables(self) -> list[str]:
        if self.database:
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        return sorted(row[0] for row in self._query(sql))

    def table_count(self) -> int:
        return len(self.tables())

    def counts(self) -> dict[str, int]:
        return {table: self._query(f'SELECT COUNT(*) FROM "{table}"')[0][0] for table in self.tables()}

    def media_files(self) -> list[str]:
        if not self.media.is_dir():
            return []
        return sorted(str(p.relative_to(self.media)) for p in self.media.rglob("*") if p.is_file())

    def snapshot(self, *, login: bool = False) -> dict:
        code = f"from xianfeng.backups.tests.snapshot import main; main(login={login!r})"
        return json.loads(self.manage("shell", "-c", code).stdout.strip().splitlines()[-1])

    def backup(self, *args, **env) -> Path:
        out = self.manage("backup", *args, **env).stdout.strip().splitlines()
        return Path(out[0])


def rewrite_manifest(source: Path, target: Path, change) -> None:
    """Copy an archive with its plain manifest edited by ``change(dict)`` (same padded size, so
    the tar stays well-formed: only the manifest's content differs)."""
    with tarfile.open(source, "r:") as outer:
        member = outer.next()
        manifest = json.loads(outer.extractfile(member).read())
        offset, size = member.offset_data, member.size
    change(manifest)
    text = json.dumps(manifest).encode()
    data = bytearray(source.read_bytes())
    data[offset : offset + size] = text + b" " * (size - len(text))
    target.write_bytes(bytes(data))

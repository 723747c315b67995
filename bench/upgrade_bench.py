"""Upgrade bench (issue 15 §5): this release's migrations on a database the size of the stats
bench, timed one by one while the previous release keeps writing.

    .venv/bin/python bench/upgrade_bench.py --records 500000        # ~2 minutes, to try it
    .venv/bin/python bench/upgrade_bench.py                          # 10 M records, ~20 minutes on 2 cores

1. A throwaway PostgreSQL database (``--pg``, database ``--db``) migrated to the schema of the
   previous release (``--from-ref``): for each project app, the newest migration file that existed
   at that commit (``git ls-tree``); apps without migrations there stay at zero; Django's and the
   libraries' apps at their newest.
2. Filled server-side (INSERT … SELECT generate_series; a fixture, not what is measured) to the
   stats bench's size: ``--records`` service records over 3 years in ``--counties`` counties,
   providers on 60 %, an activity per 200 records and a file per 2 activities, residents (/5) in
   households of three, change and access logs (/10 each), login log (/100), enrollments and
   visits (/10), hotline calls (/100). Triggers are off while filling
   (``session_replication_role = replica``: no foreign-key checks, no rollup or audit triggers);
   the rollup triggers' effect is then applied as after a bulk import (every (county, month)
   partition marked dirty; the cells are not built — ``--rollups`` builds them, ~10 minutes at
   10 M). The audit rows carry placeholder hashes (their chain does not verify; no migration
   reads it) and a chain head the writer can follow. VACUUM ANALYZE, as a live database would be.
3. ``manage.py migrate --plan`` lists this release's migrations; each is applied with
   ``migrate <app> <name>`` in a fresh process (today's code) and timed inside it, while
   - a writer (the previous release's code: raw INSERTs of its columns) adds a service record and
     an access-log row (locking the chain head, as the app does) every ``--interval`` s and keeps
     every wait, and
   - a watcher polls pg_locks for the locks that block writers (Share, ShareRowExclusive,
     Exclusive, AccessExclusive) held on the big tables (scripts/lint_migrations.py's list).
4. Prints per migration: time, worst writer wait, locks seen and for how long; then the verdict.
   The database is dropped at the end unless ``--keep``.
"""

import argparse
import importlib.util
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from pg_bench_db import drop_database, recreate_database, setup_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BLOCKING_MODES = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")
POLL_S = 0.05


def big_tables() -> list[str]:
    """The tables scripts/lint_migrations.py treats as big, one list for both."""
    spec = importlib.util.spec_from_file_location("lint_migrations", ROOT / "scripts" / "lint_migrations.py")
    lint = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lint)
    # The chain heads are small, but a lock on them stops every audited write.
    return sorted(label.replace(".", "_") for label in lint.BIG_MODELS) + ["audit_chainhead"]


# ---------------------------------------------------------------- the previous release's schema


def previous_targets(ref: str) -> list[tuple[str, str]]:
    """(app, newest migration at ``ref``) for the project's apps, the leaves for the others."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "--", "xianfeng"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    newest: dict[str, str] = {}
    for path in listing:
        parts = path.split("/")
        if len(parts) == 4 and parts[2] == "migrations" and parts[3][:1].isdigit() and parts[3].endswith(".py"):
            newest[parts[1]] = max(newest.get(parts[1], ""), parts[3][:-3])
    project = {c.label for c in apps.get_app_configs() if c.name.startswith("xianfeng.")}
    leaves = MigrationLoader(connection, ignore_no_migrations=True).graph.leaf_nodes()
    return sorted(newest.items()) + [node for node in leaves if node[0] not in project]


def edited_since(ref: str) -> list[str]:
    """Migration files of ``ref`` changed since: the bench runs today's text of them."""
    out = subprocess.run(
        ["git", "diff", "--name-only", ref, "--", "xianfeng/*/migrations/0*.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    existed = set(
        subprocess.run(["git", "ls-tree", "-r", "--name-only", ref, "--", "xianfeng"], cwd=ROOT,
                       capture_output=True, text=True, check=True).stdout.split()
    )  # fmt: skip
    return [path for path in out if path in existed]


def migrate_to(targets) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)


# ---------------------------------------------------------------- the fill

SQL_DEFAULTS = {
    "character varying": "''", "text": "''", "boolean": "false", "integer": "0", "smallint": "0",
    "bigint": "0", "numeric": "0", "date": "current_date", "timestamp with time zone": "now()", "jsonb": "'{}'",
}  # fmt: skip


def fill(cursor, table: str, count: int, values: dict[str, str], source: str = "", chunk: int = 1_000_000) -> None:
    """INSERT ``count`` rows into ``table``: ``values`` are SQL expressions of ``g`` (0, 1, …);
    the other NOT NULL columns get their type's empty value, the nullable ones NULL.
    ``source`` joins other tables (small ones) to the series aliased ``s(g)``."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s AND is_nullable = 'NO' AND is_identity = 'NO' "
        "AND column_default IS NULL",
        [table],
    )
    exprs = {column: SQL_DEFAULTS[kind] for column, kind in cursor.fetchall() if column not in values}
    exprs.update(values)
    columns = ", ".join(f'"{c}"' for c in exprs)
    for start in range(0, count, chunk):
        end = min(count, start + chunk) - 1
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {', '.join(exprs.values())} "
            f"FROM generate_series({start}::bigint, {end}) s(g) {source}"
        )


def generate(args) -> dict[str, int]:
    """The fixture; returns the row counts written."""
    from django.db import connection, transaction

    from xianfeng.audit import chain

    r, c = args.records, args.counties
    n = {
        "residents_household": max(10, r // 15), "residents_resident": max(30, r // 5), "servicelog_servicerecord": r,
        "servicelog_activity": max(10, r // 200), "servicelog_activityfile": max(5, r // 400),
        "audit_changelog": r // 10, "audit_accesslog": r // 10, "audit_loginlog": r // 100,
        "programs_enrollment": r // 10, "programs_visit": r // 10, "hotline_call": r // 100,
    }  # fmt: skip
    villages = c * 150  # 15 townships × 10 villages per county
    day = "DATE '2023-01-01' + (({g}) * 31 % 1096)::int"  # three years, scattered
    village = "fx.code || (101 + ({v}) % 150 / 10)::text || (201 + ({v}) % 10)::text"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SELECT array_agg(id ORDER BY id) FROM servicelog_servicetype")
        types = cur.fetchone()[0]
        cur.execute("CREATE TEMP TABLE fx (idx int, code varchar, org bigint, member bigint, team bigint)")
        cur.execute(
            "INSERT INTO fx (idx, code) SELECT row_number() OVER (ORDER BY code) - 1, code FROM regions_region "
            "WHERE level = 'county' AND code LIKE '41%%' ORDER BY code LIMIT %s",
            [c],
        )
        # Townships and villages under each county (codes by prefix, as the shipped list).
        fill(cur, "regions_region", villages // 10, {
            "code": "fx.code || (101 + g % 15)::text", "name": "'镇' || g", "level": "'township'"},
            "JOIN fx ON fx.idx = g / 15")  # fmt: skip
        fill(cur, "regions_region", villages, {
            "code": village.format(v="g"), "name": "'村' || g", "level": "'village'"},
            "JOIN fx ON fx.idx = g / 150")  # fmt: skip
        fill(cur, "orgs_organization", c + 1, {
            "id": "g + 1", "name": "'党支部' || g", "kind": "CASE WHEN g = 0 THEN 'committee' ELSE 'branch' END",
            "path": "CASE WHEN g = 0 THEN '/000001/' ELSE '/000001/' || lpad((g + 1)::text, 6, '0') || '/' END",
            "parent_id": "CASE WHEN g = 0 THEN NULL ELSE 1 END"})  # fmt: skip
        fill(cur, "members_member", c, {"id": "g + 1", "name": "'医生' || g", "branch_id": "g + 2"})
        fill(cur, "teams_team", c, {"id": "g + 1", "name": "'队' || g", "kind": "'medical'", "owner_org_id": "g + 2"})
        cur.execute("UPDATE fx SET org = idx + 2, member = idx + 1, team = idx + 1")
        fill(cur, "accounts_user", 1, {"id": "1", "username": "'admin'", "is_active": "true", "date_joined": "now()"})
        households, residents = n["residents_household"], n["residents_resident"]
        fill(cur, "residents_household", households, {
            "id": "g + 1", "village_id": village.format(v=f"g % {villages}")},
            f"JOIN fx ON fx.idx = g % {villages} / 150")  # fmt: skip
        fill(cur, "residents_resident", residents, {
            "id": "g + 1", "name": "'居民' || g", "gender": "CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END",
            "birth_date": "DATE '1930-01-01' + (g * 37 % 25000)::int", "household_id": f"g / 3 % {households} + 1",
            "village_id": village.format(v=f"g / 3 % {households} % {villages}")},
            f"JOIN fx ON fx.idx = g / 3 % {households} % {villages} / 150")  # fmt: skip
        # A record's resident is scattered; its place is the resident's village.
        resident = f"(g * 7919 % {residents})"
        rv = f"({resident} / 3 % {households} % {villages})"
        fill(cur, "servicelog_servicerecord", r, {
            "id": "g + 1", "org_id": "fx.org", "served_on": day.format(g="g"), "village_code": village.format(v=rv),
            "township_code": f"fx.code || (101 + {rv} % 150 / 10)::text", "county_code": "fx.code",
            "service_type_id": f"(ARRAY{types}::bigint[])[(1 + g * 13 % {len(types)})::int]", "quantity": "1",
            "resident_id": f"{resident} + 1", "team_id": "CASE WHEN g % 2 = 0 THEN fx.team END",
            "voided_at": "CASE WHEN g % 200 = 7 THEN now() END", "void_reason": "''"},
            f"JOIN fx ON fx.idx = {rv} / 150")  # fmt: skip
        cur.execute(
            "INSERT INTO servicelog_recordprovider (record_id, member_id, hours, counted, org_id, served_on, "
            "village_code, township_code, county_code) SELECT r.id, fx.member, 1.5, r.voided_at IS NULL, r.org_id, "
            "r.served_on, r.village_code, r.township_code, r.county_code FROM servicelog_servicerecord r "
            "JOIN fx ON fx.code = r.county_code WHERE r.id % 5 < 3"
        )
        fill(cur, "servicelog_activity", n["servicelog_activity"], {
            "id": "g + 1", "org_id": "fx.org", "served_on": day.format(g="g"), "village_code": village.format(v="g"),
            "township_code": "fx.code || (101 + g % 150 / 10)::text", "county_code": "fx.code", "title": "'义诊'",
            "kind": "'free_clinic'", "start_at": f"({day.format(g='g')})::timestamptz", "headcount": "g % 200",
            "status": "'held'"}, f"JOIN fx ON fx.idx = g % {villages} / 150")  # fmt: skip
        fill(cur, "servicelog_activityfile", n["servicelog_activityfile"], {
            "activity_id": "g * 2 + 1", "kind": "'photo'", "file": "'servicelog/evidence/2024/01/' || g || '.jpg.enc'",
            "original_name": "'现场.jpg'", "content_type": "'image/jpeg'", "size": "180000",
            "uploaded_at": "TIMESTAMPTZ '2023-01-01' + g * interval '1 hour'"})  # fmt: skip
        for table, kind in (("audit_changelog", "action"), ("audit_accesslog", "kind"), ("audit_loginlog", "")):
            count, seconds = n[table], 3 * 365 * 86400 // max(1, n[table])
            cur.execute(f"SELECT COALESCE(MAX(id), 0), COALESCE(MAX(seq), 0) FROM {table}")
            base_id, base_seq = cur.fetchone()  # rows the migrations wrote come first
            values = {"id": f"g + 1 + {base_id}", "seq": f"g + 1 + {base_seq}",
                      "at": f"now() - ({count} - g) * interval '{seconds} seconds'",
                      "prev_hash": "CASE WHEN g > 0 THEN encode(sha256((g - 1)::text::bytea), 'hex') ELSE '' END",
                      "row_hash": "encode(sha256(g::text::bytea), 'hex')"}  # fmt: skip
            if kind:
                values |= {kind: "'update'" if kind == "action" else "'reveal'", "model": "'residents.resident'",
                           "object_id": f"(g % {residents} + 1)::text", "object_repr": "'居民'",
                           "org_path": "'/000001/' || lpad((g % " + str(c) + " + 2)::text, 6, '0') || '/'"}  # fmt: skip
            else:
                values |= {"username": "'admin'", "success": "true"}
            fill(cur, table, count, values)
            label = {"audit_changelog": "audit.ChangeLog", "audit_accesslog": "audit.AccessLog"}.get(
                table, "audit.LoginLog"
            )
            last = chain_placeholder(cur, count - 1) if count else ""
            cur.execute(
                "INSERT INTO audit_chainhead (chain, seq, last_hash, mac) VALUES (%s, %s, %s, %s) ON CONFLICT (chain) "
                "DO UPDATE SET seq = EXCLUDED.seq, last_hash = EXCLUDED.last_hash, mac = EXCLUDED.mac",
                [label, base_seq + count, last, chain.head_mac(label, base_seq + count, last)],
            )
        fill(cur, "programs_enrollment", n["programs_enrollment"], {
            "id": "g + 1", "program": "'hypertension'", "village_code": "r.village_code",
            "township_code": "r.township_code", "county_code": "r.county_code", "status": "'active'",
            "org_id": "r.org_id",
            "state": "'stable'", "data": "'{}'", "enrolled_on": "DATE '2023-01-01'", "resident_id": "r.resident_id",
            "next_due_on": "DATE '2026-01-01' + (g % 400)::int", "region_id": "r.village_code"},
            "JOIN servicelog_servicerecord r ON r.id = g + 1")  # fmt: skip
        fill(cur, "programs_visit", n["programs_visit"], {
            "id": "g + 1", "kind": "'visit'", "visited_on": day.format(g="g"), "reached": "true", "counted": "true",
            "enrollment_id": "g + 1", "record_id": "g + 1"})  # fmt: skip
        fill(cur, "hotline_call", n["hotline_call"], {
            "id": "g + 1", "org_id": "fx.org", "served_on": day.format(g="g"), "county_code": "fx.code",
            "started_at": f"({day.format(g='g')})::timestamptz", "duration_minutes": "12", "channel": "'phone'",
            "risk_level": "'low'", "outcome": "'closed'", "taken_by_id": "fx.member"},
            "JOIN fx ON fx.idx = g % " + str(c))  # fmt: skip
        for table in ("orgs_organization", "members_member", "teams_team", "accounts_user", *n):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cur.execute("SELECT count(*) FROM servicelog_recordprovider")
        n["servicelog_recordprovider"] = cur.fetchone()[0]
        # What the rollup triggers would have marked: every partition holding records.
        cur.execute(
            "INSERT INTO reports_rollupdirty (county_code, month, touched) SELECT DISTINCT county_code, "
            "date_trunc('month', served_on)::date, 1 FROM servicelog_servicerecord "
            "UNION SELECT DISTINCT county_code, date_trunc('month', served_on)::date, 1 FROM servicelog_activity"
        )
    if args.rollups:
        from xianfeng.reports.rollups_refresh import rebuild

        rebuild()
    connection.cursor().execute("VACUUM ANALYZE")
    return n


def chain_placeholder(cursor, g: int) -> str:
    cursor.execute("SELECT encode(sha256(%s::text::bytea), 'hex')", [g])
    return cursor.fetchone()[0]


# ---------------------------------------------------------------- the old release writing, the watcher

RECORD_INSERT = (
    "INSERT INTO servicelog_servicerecord (org_id, served_on, village_code, township_code, county_code, "
    "service_type_id, resident_id, quantity, result, note, health, idempotency_key, created_at, updated_at, "
    "void_reason) SELECT org_id, current_date, village_code, township_code, county_code, service_type_id, "
    "resident_id, 1, '{}', '', false, '', now(), now(), '' FROM servicelog_servicerecord WHERE id = 1"
)
ACCESS_INSERT = (
    "INSERT INTO audit_accesslog (at, kind, model, object_id, object_repr, fields, reason, row_count, org_path, "
    "seq, prev_hash, row_hash) VALUES (now(), 'reveal', 'residents.resident', '1', '居民', 'id_number', '', 1, "
    "'/000001/000002/', %s, %s, encode(sha256(%s::text::bytea), 'hex')) RETURNING row_hash"
)


class Writer(threading.Thread):
    """The previous release's code inserting a service record and an access-log row (its chain
    head locked, as audit.models.seal does) every ``interval`` s; keeps (start, end, error)."""

    def __init__(self, dsn: str, interval: float):
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(dsn)
        self.pid = self.conn.info.backend_pid
        self.interval, self.stop, self.writes = interval, threading.Event(), []

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.is_set():
            start, error = time.monotonic(), ""
            try:
                with self.conn.transaction(), self.conn.cursor() as cur:
                    cur.execute(RECORD_INSERT)
                    cur.execute("SELECT seq, last_hash FROM audit_chainhead WHERE chain = 'audit.AccessLog' FOR UPDATE")
                    seq, last = cur.fetchone()
                    cur.execute(ACCESS_INSERT, [seq + 1, last, seq + 1])
                    cur.execute(
                        "UPDATE audit_chainhead SET seq = %s, last_hash = %s WHERE chain = 'audit.AccessLog'",
                        [seq + 1, cur.fetchone()[0]],
                    )
            except Exception as exc:  # the old code failing against the new schema is a finding
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            self.writes.append((start, time.monotonic(), error))
            next_at = max(next_at + self.interval, time.monotonic())
            self.stop.wait(next_at - time.monotonic())
        self.conn.close()


class Watcher(threading.Thread):
    """Samples the write-blocking locks held on the big tables by anyone but the writer."""

    def __init__(self, dsn: str, tables: list[str], writer_pid: int):
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.tables, self.writer_pid, self.stop, self.samples = tables, writer_pid, threading.Event(), []

    def run(self) -> None:
        while not self.stop.is_set():
            rows = self.conn.execute(
                "SELECT DISTINCT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.granted AND l.mode = ANY(%s) AND c.relname = ANY(%s) AND l.pid <> %s "
                "AND l.pid <> pg_backend_pid()",
                [list(BLOCKING_MODES), self.tables, self.writer_pid],
            ).fetchall()
            now = time.monotonic()
            self.samples.extend((now, table, mode) for table, mode in rows)
            self.stop.wait(POLL_S)
        self.conn.close()


# ---------------------------------------------------------------- the upgrade


def wait_for(patterns: list[str], deadline_s: float, settle_s: float = 60) -> list[str]:
    """Wait (up to ``deadline_s``) until a file matches each glob and none has changed for
    ``settle_s`` (migrations other people are still writing); returns the globs still missing."""
    end = time.monotonic() + deadline_s
    while True:
        found = {p: sorted(ROOT.glob(p)) for p in patterns}
        missing = [p for p, paths in found.items() if not paths]
        newest = max((path.stat().st_mtime for paths in found.values() for path in paths), default=0)
        if not missing and time.time() - newest >= settle_s or time.monotonic() >= end:
            return missing
        time.sleep(10)


# Each migration in a fresh process (today's code, as an operator's `manage.py migrate` would load
# it), timed inside that process so Django's start-up is not counted.
APPLY = (
    "import sys, time, django; django.setup(); from django.core.management import call_command; "
    "t = time.monotonic(); call_command('migrate', sys.argv[1], sys.argv[2], verbosity=0, interactive=False); "
    "print(f'SECONDS {time.monotonic() - t:.3f}')"
)


def planned() -> list[tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--plan", "--no-color"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [
        tuple(line.strip().split(".", 1))
        for line in out.splitlines()
        if line and not line.startswith((" ", "Planned")) and "." in line
    ]


def apply(app: str, name: str) -> float:
    done = subprocess.run([sys.executable, "-c", APPLY, app, name], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"migrate {app} {name} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.split("SECONDS")[-1])


def locks_in(samples, start: float, end: float) -> dict[tuple[str, str], float]:
    """(table, mode) -> seconds seen (first to last sample, plus one poll) within [start, end]."""
    seen: dict[tuple[str, str], list[float]] = {}
    for at, table, mode in samples:
        if start <= at <= end:
            seen.setdefault((table, mode), []).append(at)
    return {key: ats[-1] - ats[0] + POLL_S for key, ats in seen.items()}


def upgrade(args, dsn: str) -> tuple[list[dict], list, list[float]]:
    from django.db import connections

    plan = planned()
    print(f"\n{len(plan)} migrations to apply: " + ", ".join(f"{a}.{n}" for a, n in plan))
    writer = Writer(dsn, args.interval)
    watcher = Watcher(dsn, big_tables(), writer.pid)
    writer.start()
    watcher.start()
    time.sleep(1)  # the writer's baseline before the first migration
    results = []
    for app, name in plan:
        start = time.monotonic()
        try:
            seconds = apply(app, name)
        except RuntimeError:
            writer.stop.set()
            watcher.stop.set()
            raise
        end = time.monotonic()  # the window (writer waits, locks) includes the process start-up
        results.append({"migration": f"{app}.{name}", "start": start, "end": end, "seconds": seconds})
        print(f"  {app}.{name}: {seconds:.2f} s", flush=True)
    time.sleep(1)
    writer.stop.set()
    watcher.stop.set()
    writer.join()
    watcher.join()
    connections.close_all()
    for result in results:
        overlapping = [(e - s, err) for s, e, err in writer.writes if s < result["end"] and e > result["start"]]
        result["worst_wait"] = max((w for w, _ in overlapping), default=0.0)
        result["writes"] = len(overlapping)
        result["errors"] = sorted({err for _, err in overlapping if err})
        result["locks"] = locks_in(watcher.samples, result["start"], result["end"])
    baseline = [e - s for s, e, err in writer.writes if s < results[0]["start"]] if results else []
    return results, writer.writes, baseline


def report(results, writes, baseline, fill_s: float, counts: dict) -> None:
    print(
        "\nper migration (time, worst wait of the old release's writer during it, write-blocking locks on big tables):"
    )
    for r in results:
        locks = ", ".join(f"{t} {m.removesuffix('Lock')} {s:.1f} s" for (t, m), s in sorted(r["locks"].items()))
        print(
            f"  {r['migration']:<60} {r['seconds']:7.2f} s   worst wait {r['worst_wait'] * 1000:7.0f} ms"
            f" ({r['writes']} writes)   locks: {locks or 'none'}"
        )
        for error in r["errors"]:
            print(f"      writer error: {error}")
    total = sum(r["seconds"] for r in results)
    worst = max((e - s for s, e, _ in writes), default=0.0)
    errors = sum(1 for _, _, err in writes if err)
    print(f"\nfill (fixture) {fill_s:.0f} s; rows: " + ", ".join(f"{t} {c:,}" for t, c in counts.items()))
    if baseline:
        print(f"writer before the upgrade: median {sorted(baseline)[len(baseline) // 2] * 1000:.0f} ms per write")
    print(f"VERDICT: {len(results)} migrations in {total:.1f} s; {len(writes)} writes, {errors} failed; "
          f"no writer waited more than {worst:.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="upgrade_bench")
    parser.add_argument("--from-ref", default="05590c1", help="the previous release's commit")
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between the writer's inserts")
    parser.add_argument("--rollups", action="store_true", help="build the rollup cells after the fill")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--wait-for", action="append", default=[], metavar="GLOB",
        help="after the fill, wait for a migration file matching GLOB (relative to the repository)",
    )  # fmt: skip
    parser.add_argument("--wait-max", type=float, default=0, help="seconds to wait for --wait-for files")
    args = parser.parse_args()
    setup_environment(args, "upgrade")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # through `finally`: the database is dropped
    recreate_database(args)
    import django

    django.setup()
    try:
        edited = edited_since(args.from_ref)
        if edited:
            print("WARNING: migrations of the previous release edited since (today's text runs): " + ", ".join(edited))
        started = time.monotonic()
        migrate_to(previous_targets(args.from_ref))
        print(f"schema of {args.from_ref}: {time.monotonic() - started:.0f} s; filling {args.records:,} records …")
        started = time.monotonic()
        counts = generate(args)
        fill_s = time.monotonic() - started
        print(f"filled in {fill_s:.0f} s")
        if args.wait_for:
            missing = wait_for(args.wait_for, args.wait_max)
            print("WARNING: no migration matches " + ", ".join(missing) if missing else "awaited migrations present")
        results, writes, baseline = upgrade(args, f"{args.pg}/{args.db}")
        report(results, writes, baseline, fill_s, counts)
    finally:
        if not args.keep:
            drop_database(args)


if __name__ == "__main__":
    main()

"""Import bench (DESIGN.md §6): the same residents workbook through our import engine and
through django-import-export (bulk mode), each run in its own process against its own
throwaway database (no clean-up between the runs; each peak memory is its own process's).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/import_bench.py --rows 100000
    .venv/bin/python bench/import_bench.py --file var/bench/residents-100k.xlsx --db postgres
    .venv/bin/python bench/import_bench.py --rows 1000000 --skip-die     # the 1 M-row memory check
    .venv/bin/python bench/import_bench.py --rows 20000 --profile        # where our commit spends its time

Prints rows/s for our check (dry run) and commit (validated and written), for
django-import-export, the ratio, and peak memory (process RSS; --tracemalloc adds Python
heap peaks at the cost of speed). The database is a temporary SQLite file, or with
``--db postgres`` a database created on postgres://postgres@127.0.0.1:5432 and dropped after.

Fairness: django-import-export gets the same cell normalizers (dates, ID numbers, phones,
names) as widgets, ``use_bulk``, ``force_init_instance`` and ``skip_diff``; its village
widget looks villages up per row as ForeignKeyWidget does. Our import does more: ID
checksums and cross-checks, duplicate detection in the file and database, households,
tags and scope checks. Nothing here is a test: no timing is asserted anywhere.
"""

import argparse
import base64
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def setup_django(db: str, workdir: Path) -> str | None:
    """Point Django at a throwaway database; returns the PostgreSQL database name to drop, if any."""
    pg_name = None
    if db == "postgres":
        import psycopg

        pg_name = f"xianfeng_bench_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        FIELD_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(),
        BLIND_INDEX_KEY=base64.b64encode(os.urandom(32)).decode(),
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=url,
        XIANFENG_VAR_DIR=str(workdir),
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return pg_name


def drop_postgres(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_admin():
    from xianfeng.accounts.models import User
    from xianfeng.demo.seed import seed_regions

    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    seed_regions(admin)
    return admin


def timed(label: str, rows: int | None, function):
    """Run ``function``; rows=None means "take the row count from the outcome's .total"."""
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = function()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rows = result.total if rows is None else rows
    # CPU seconds of this process too: on a shared machine they vary far less than the wall clock
    print(
        f"{label:<38} {seconds:8.2f} s  {rows / seconds:>10,.0f} rows/s   "
        f"CPU {cpu:6.2f} s ({rows / cpu:,.0f} rows per CPU-second)   peak RSS so far {rss_mb():,.0f} MB"
    )
    return result, seconds


def print_heap(label: str, snapshot, top: int = 12) -> None:
    """The lines that hold the most of the Python heap in ``snapshot`` (--tracemalloc)."""
    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snapshot.statistics("lineno")
    print(f"  {label}: {sum(s.size for s in stats) / 2**20:,.1f} MB in Python objects; largest:")
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = os.path.relpath(frame.filename, ROOT) if frame.filename.startswith(str(ROOT)) else frame.filename
        print(f"    {stat.size / 2**20:8.1f} MB  {stat.count:>9,} blocks  {where}:{frame.lineno}")


def run_ours(path: Path, admin, trace: bool, profile: bool = False):
    from xianfeng.imports import engine
    from xianfeng.imports.spec import ImportContext, get_spec
    from xianfeng.residents.models import Resident

    spec = get_spec("residents")
    if trace:
        tracemalloc.start()
    check_ctx = ImportContext(user=admin)
    check, _ = timed("ours: check (dry run)", None, lambda: engine.run(spec, path, check_ctx))
    if not check.ok:
        print("file did not pass the check:", check.file_problem, [e.as_dict() for e in check.errors[:5]])
        sys.exit(1)
    rows = check.total
    print(f"  {rows:,} rows, {len(check.warnings):,} warnings, encoding {check.encoding or 'xlsx'}")
    if trace:
        print(f"  tracemalloc peak (check): {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MB")
        print_heap("held after the check (its import state and outcome still alive)", tracemalloc.take_snapshot())
        tracemalloc.reset_peak()
    check_ctx = None  # its state is no longer held during the commit

    commit_ctx = ImportContext(user=admin)

    def commit():
        return engine.run(spec, path, commit_ctx, commit=True)

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        outcome, seconds = timed("ours: commit (under cProfile)", rows, lambda: profiler.runcall(commit))
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    else:
        outcome, seconds = timed("ours: commit (validate + write)", rows, commit)
    if trace:
        print(f"  tracemalloc peak (commit): {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MB")
        print_heap("held after the commit (its import state still alive)", tracemalloc.take_snapshot())
        tracemalloc.stop()
    commit_ctx = None
    assert outcome.committed and Resident.objects.count() == rows, outcome.errors[:3]
    return rows, seconds


def run_die(path: Path, rows: int):
    from die_resource import load_dataset, resident_resource

    from xianfeng.residents.models import Resident

    def go():
        dataset = load_dataset(path)
        return resident_resource()().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=False)

    result, seconds = timed("django-import-export (bulk)", rows, go)
    if result.has_errors() or result.has_validation_errors():
        row_errors = result.row_errors()[:3]
        print("  django-import-export reported errors:", row_errors or result.invalid_rows[:3])
    print(f"  django-import-export wrote {Resident.objects.count():,} residents")
    return seconds


def run_part(args) -> None:
    """One measured run in this process, against its own throwaway database; prints a
    RESULT line for the parent."""
    import json

    with tempfile.TemporaryDirectory(prefix="xianfeng-bench-") as tmp:
        pg_name = setup_django(args.db, Path(tmp))
        try:
            admin = make_admin()
            baseline = rss_mb()
            print(f"[{args.part}] RSS after Django set-up: {baseline:,.0f} MB")
            if args.part == "ours":
                rows, seconds = run_ours(args.file, admin, args.tracemalloc, args.profile)
            else:
                rows = args.expect_rows
                seconds = run_die(args.file, rows)
            print("RESULT " + json.dumps({"rows": rows, "seconds": seconds, "peak_mb": rss_mb(), "base_mb": baseline}))
        finally:
            if pg_name:
                drop_postgres(pg_name)


def spawn(part: str, args, path: Path, rows: int = 0) -> dict:
    """Each run in its own process and database: no clean-up between runs (deleting 100 000
    residents through the cascade collector used to take longer than the runs), and each
    process's peak memory is its own."""
    import json
    import subprocess

    command = [sys.executable, "-u", __file__, "--part", part, "--file", str(path), "--db", args.db]
    command += ["--expect-rows", str(rows)] + (["--tracemalloc"] if args.tracemalloc else [])
    command += ["--profile"] if args.profile else []
    result = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:  # shown as the run goes, errors included
            if line.startswith("RESULT "):
                result = json.loads(line[7:])
            else:
                print(line, end="", flush=True)
    if result is None:
        sys.exit(f"the {part} run failed (exit {process.returncode})")
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="generate a workbook of this many rows")
    parser.add_argument("--file", type=Path, help="an existing residents workbook or CSV (skips generation)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--skip-die", action="store_true", help="only our engine (e.g. the 1 M-row memory run)")
    parser.add_argument("--tracemalloc", action="store_true", help="also report Python heap peaks (slower)")
    parser.add_argument("--profile", action="store_true", help="cProfile our commit (slower; implies --skip-die)")
    parser.add_argument("--part", choices=["ours", "die"], help=argparse.SUPPRESS)  # a child run
    parser.add_argument("--expect-rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        run_part(args)
        return
    path = args.file
    if path is None:
        import gen_residents

        path = ROOT / "var" / "bench" / f"residents-{args.rows}.xlsx"
        if not path.exists():
            gen_residents.main(["--rows", str(args.rows), "--out", str(path)])
    print(f"file {path} ({path.stat().st_size / 2**20:.1f} MB), database {args.db} (a fresh one per run)")
    ours = spawn("ours", args, path)
    rows = ours["rows"]
    print(f"ours: {rows / ours['seconds']:,.0f} rows/s validated and committed; peak RSS {ours['peak_mb']:,.0f} MB")
    if not (args.skip_die or args.profile):
        die = spawn("die", args, path, rows)
        print(f"django-import-export (bulk): {rows / die['seconds']:,.0f} rows/s; peak RSS {die['peak_mb']:,.0f} MB")
        print(f"ratio: ours is {die['seconds'] / ours['seconds']:.1f}× faster than django-import-export (bulk)")


if __name__ == "__main__":
    main()

"""Load and soak bench (issue 15 §3): a morning's mixed load for --minutes, memory watched.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/soak_bench.py --minutes 2                # debug run, ~6 minutes in all
    .venv/bin/python bench/soak_bench.py --results bench/soak.md    # 10 minutes of load

A throwaway PostgreSQL database (soak_bench_<pid>, dropped at the end, also on Ctrl+C, failure or
the hard time limit) with the demo data and bench/web_bench.py's generated members, households,
residents and service records; gunicorn exactly as in production (config.settings, DEBUG off,
--workers 2, no --max-requests: a recycled worker would hide a leak, so a changed worker pid is
a failure) and the background worker (`manage.py db_worker`) as production runs it. A 20-row
residents workbook (bench/gen_residents.py) is small enough to be checked and committed inside
the request (IMPORT_INLINE_MAX_BYTES); --imports-in-worker sends it through db_worker instead.

Then ONE locust run (bench/soak_locustfile.py) of --users 32 users for --minutes, each waiting
--wait seconds between actions: volunteers (quick entry POSTs, resident picker, own worklist),
精防 doctors (worklist page and API), clerks (resident search in Chinese and pinyin initials,
autocomplete, lists, API lists, the dashboard), a leader (dashboard) and one importer (upload,
check, commit of a new file every --import-every seconds). Every 10 s the bench reads the RSS of
each gunicorn worker and of db_worker from /proc/<pid>/status; it prints a line per minute and
at the end: per kind and overall requests, errors (the first few shown), p50/p95/p99, a table per
minute, and the verdict lines: errors 0, p99 ≤ 300 ms, memory flat (< 10 % growth from minute 2
to the last minute). Nothing is asserted; --results appends the Markdown to a file.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import gen_residents  # noqa: E402
from bench.web_bench import (  # noqa: E402
    BIN,
    PYTHON,
    credentials,
    environment,
    free_port,
    generate,
    generate_records,
    post_form,
    settings_cookie,
    wait_for_workers,
    warm_up,
    worker_pids,
)

SAMPLE_SECONDS = 10
USERS = ("dangyuan", "jingfang", "dangban", "lingdao")
# Each page once per worker or so before the run: a worker's first request of a page imports its
# modules and compiles its templates (1–2 s), which a server that has been up for hours has done.
WARM_UP = [
    ("/servicelog/quick/?q=%E5%BC%A0", "dangyuan"),
    ("/residents/autocomplete/?q=%E5%BC%A0", "dangyuan"),
    ("/programs/worklist/?scope=mine", "dangyuan"),
    ("/programs/worklist/", "jingfang"),
    ("/api/programs/worklist/?bucket=overdue", "jingfang"),
    ("/residents/?q=zw", "dangban"),
    ("/reports/", "dangban"),
    ("/members/", "dangban"),
    ("/api/residents/", "dangban"),
    ("/imports/", "jingfang"),
]
IMPORTER_REGION = "210681101"  # the demo 精防 doctor's township (their grant's region)


class HardLimit(Exception):
    """The bench ran past --limit seconds: everything it started is stopped."""


def _raise(exc_type):
    def handler(signum, frame):
        raise exc_type(f"signal {signum}")

    return handler


# ---------------------------------------------------------------- setup


def fixture(args, tmp: Path) -> dict:
    """Migrate, demo data, generated rows; the users' credentials, quick entry forms, import files."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    print(f"  migrate, collectstatic, seed_demo: {time.monotonic() - started:.0f} s", flush=True)
    generate(args.residents, args.members, args.households)
    generate_records(args.records)
    sessions, tokens = credentials(set(USERS))
    files = import_files(tmp / "imports", args.minutes * 60 // args.import_every + 8)
    config = {
        "sessions": sessions,
        "tokens": tokens,
        "cookie": settings_cookie(),
        "quick_forms": quick_forms(),
        "import_files": files,
        "wait": [float(x) for x in args.wait.split(",")],
        "import_every": args.import_every,
        "log": str(tmp / "requests.tsv"),
    }
    connections.close_all()
    return config


def import_files(folder: Path, count: int) -> list[str]:
    """One new 20-row residents workbook per import, in the importer's (the 精防 doctor's) villages:
    residents elsewhere are outside their scope and would fail the check."""
    folder.mkdir()
    files = []
    for n in range(count):
        generator = gen_residents.Generator(seed=1000 + n, excel_serials=True)
        generator.villages = [v for v in generator.villages if v[0].startswith(IMPORTER_REGION)]
        path = folder / f"residents-{n:03d}.xlsx"
        gen_residents.write(path, generator.rows(20, 0), "utf-8")
        files.append(str(path))
    return files


def quick_forms() -> list[dict[str, str]]:
    """The volunteer's quick entry form (web_bench.post_form) for up to 20 residents in scope."""
    from xianfeng.accounts.models import User
    from xianfeng.residents.selectors import resident_autocomplete

    form = post_form("/servicelog/quick/", "dangyuan")
    user = User.objects.get(username="dangyuan")
    residents = resident_autocomplete(user=user, query="张")[:20]
    return [{**form, "resident": str(r.pk)} for r in residents] or [form]


def counts() -> dict[str, int]:
    """What the load must have written (service records, import jobs by status), to check it did."""
    from django.db import connections

    from xianfeng.imports.models import ImportJob
    from xianfeng.servicelog.models import ServiceRecord

    result = {"service records": ServiceRecord.objects.count()}
    for status in ImportJob.objects.values_list("status", flat=True).distinct():
        result[f"import jobs {status}"] = ImportJob.objects.filter(status=status).count()
    connections.close_all()
    return result


# ---------------------------------------------------------------- processes


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A child in its own session: Ctrl+C reaches only the bench, which stops it in order."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"), start_new_session=True
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own process group (start_new_session)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def db_worker_pid(worker: subprocess.Popen) -> int:
    """The process that runs the tasks (db_worker without --reload runs them itself)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return int(children[0]) if children else worker.pid


# ---------------------------------------------------------------- the run


def soak(args, env: dict, base: str, tmp: Path, server, worker, config: dict) -> dict:
    """One locust run of --minutes; RSS sampled every 10 s, a line printed every minute."""
    config_path = tmp / "soak.json"
    config_path.write_text(json.dumps(config))
    workers = sorted(worker_pids(server.pid))
    watched = {pid: f"worker {pid}" for pid in workers}
    watched[db_worker_pid(worker)] = f"db_worker {db_worker_pid(worker)}"
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "soak_locustfile.py"), "--headless",
        "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.minutes}m",
        "--host", base, "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    started = time.time()
    locust = start(command, {**env, "XF_SOAK_CONFIG": str(config_path)}, tmp / "locust.log")
    samples, recycled, loads = [], [], []
    printed = 0
    try:
        while locust.poll() is None:
            elapsed = time.time() - started
            if elapsed > args.minutes * 60 + 60:
                raise HardLimit(f"locust still running {elapsed:.0f} s after its start")
            samples.append((elapsed, {pid: rss_mb(pid) for pid in watched}))
            now = sorted(worker_pids(server.pid))
            if now != workers and (workers, now) not in recycled:
                recycled.append((workers, now))
                print(f"  ✗ gunicorn workers changed: {workers} → {now}", flush=True)
            if worker.poll() is not None:
                raise RuntimeError(f"db_worker exited with code {worker.returncode}")
            if int(elapsed // 60) > printed:
                printed = int(elapsed // 60)
                loads.append(os.getloadavg()[0])
                print(minute_line(config["log"], started, printed, samples, watched), flush=True)
            time.sleep(SAMPLE_SECONDS - (time.time() - started) % SAMPLE_SECONDS)
        samples.append((time.time() - started, {pid: rss_mb(pid) for pid in watched}))
    finally:
        stop(locust)
    if locust.returncode not in (0, 1):  # 1: locust saw failed requests; they are counted below
        raise RuntimeError(f"locust exited with {locust.returncode}:\n" + (tmp / "locust.log").read_text()[-3000:])
    return {"started": started, "samples": samples, "watched": watched, "recycled": recycled, "loads": loads}


# ---------------------------------------------------------------- figures


def read_log(path: str) -> list[tuple]:
    """(start, method, kind, ms, status, error) per request of the locustfile's log."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 6:
                start, method, kind, ms, status, error = parts
                rows.append((float(start), method, kind, float(ms), int(status), error))
    return rows


def percentile(values: list[float], q: float) -> float:
    """Nearest rank on the sorted values (no interpolation: a real request's time)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def timed(rows: list[tuple]) -> list[tuple]:
    return [r for r in rows if r[1] != "CHECK"]  # CHECK: an import that did not pass, no request


def rss_at(samples: list, seconds: float) -> dict[int, float | None]:
    """The last sample taken at or before ``seconds`` into the run."""
    chosen = samples[0][1]
    for elapsed, values in samples:
        if elapsed > seconds + SAMPLE_SECONDS / 2:
            break
        chosen = values
    return chosen


def minute_figures(rows: list[tuple], started: float, minute: int) -> tuple[int, float, int]:
    window = [r for r in rows if started + 60 * (minute - 1) <= r[0] < started + 60 * minute]
    times = [r[3] for r in timed(window)]
    return len(times), percentile(times, 99), sum(1 for r in window if r[5])


def minute_line(log: str, started: float, minute: int, samples: list, watched: dict) -> str:
    count, p99, errors = minute_figures(read_log(log), started, minute)
    rss = rss_at(samples, 60 * minute)
    memory = ", ".join(f"{watched[pid].split()[0]} {mb or 0:.1f}" for pid, mb in rss.items())
    return f"  minute {minute:2}: {count / 60:6.1f} req/s  p99 {p99:5.0f} ms  errors {errors}  RSS MB {memory}"


def report(args, log: str, run: dict, before: dict, after: dict, server_log: str, worker_log: str, machine: str):
    rows = read_log(log)
    requests = timed(rows)
    errors = [r for r in rows if r[5]]
    started, samples, watched = run["started"], run["samples"], run["watched"]
    lines = [
        f"## Soak (issue 15 §3), {args.minutes} minutes\n",
        f"`bench/soak_bench.py --minutes {args.minutes}`: {machine}. gunicorn {args.workers} sync workers "
        f"(DEBUG off, no --max-requests) and db_worker on PostgreSQL; {args.users} locust users on 127.0.0.1, "
        f"think time {args.wait} s, an import of a 20-row workbook every {args.import_every} s"
        f"{' through db_worker' if args.imports_in_worker else ' (checked and committed in the request)'}; "
        f"{args.members} members, {args.households} households, {args.residents} residents, "
        f"{args.records} service records on top of the demo data.\n",
        "| kind | requests | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted({r[2] for r in rows}):
        times = [r[3] for r in requests if r[2] == kind]
        failed = sum(1 for r in errors if r[2] == kind)
        lines.append(
            f"| `{kind}` | {len(times)} | {failed} | {percentile(times, 50):.0f} | "
            f"{percentile(times, 95):.0f} | {percentile(times, 99):.0f} |"
        )
    everything = [r[3] for r in requests]
    p99 = percentile(everything, 99)
    lines.append(
        f"| **all** | **{len(everything)}** | **{len(errors)}** | **{percentile(everything, 50):.0f}** | "
        f"**{percentile(everything, 95):.0f}** | **{p99:.0f}** |"
    )
    if errors:
        lines += ["", "First errors:", ""]
        lines += [f"- +{r[0] - started:.0f} s `{r[2]}` HTTP {r[4]}: {r[5]}" for r in errors[:5]]
    names = list(watched)
    lines += ["", "| minute | req/s | p99 ms | errors | " + " | ".join(f"RSS {watched[p]} MB" for p in names) + " |"]
    lines.append("|---:|---:|---:|---:|" + "---:|" * len(names))
    for minute in range(1, args.minutes + 1):
        count, minute_p99, failed = minute_figures(rows, started, minute)
        rss = rss_at(samples, 60 * minute)
        memory = " | ".join(f"{rss.get(p) or 0:.1f}" for p in names)
        lines.append(f"| {minute} | {count / 60:.1f} | {minute_p99:.0f} | {failed} | {memory} |")

    # The verdicts the issue asks for.
    baseline = 2 if args.minutes >= 4 else 1
    first, last = rss_at(samples, 60 * baseline), samples[-1][1]
    growth = {}
    for pid in names:
        a, b = first.get(pid), last.get(pid)
        growth[pid] = (a or 0, b or 0, 100 * (b - a) / a if a and b else float("inf"))
    flat = all(g < 10 for _a, _b, g in growth.values()) and not run["recycled"]
    recycled = "; workers recycled: " + ", ".join(f"{a} → {b}" for a, b in run["recycled"]) if run["recycled"] else ""
    lines += [
        "",
        f"errors {len(errors)}  {'✓' if not errors else '✗'}",
        f"p99 {p99:.0f} ms (≤ 300)  {'✓' if p99 <= 300 else '✗'}",
        f"memory flat (minute {baseline} → minute {args.minutes}): "
        + ", ".join(f"{watched[pid]} {a:.1f} → {b:.1f} MB ({g:+.1f} %)" for pid, (a, b, g) in growth.items())
        + recycled
        + f"  {'✓' if flat else '✗'}",
    ]
    lines += written(rows, before, after)
    problems = [
        line for line in server_log.splitlines() if "Traceback" in line or "[ERROR]" in line or "CRITICAL" in line
    ]
    problems += [line for line in worker_log.splitlines() if "Traceback" in line or "failed" in line.lower()]
    lines.append(
        f"server and worker logs: {len(problems)} error lines" + (f", first: `{problems[0][:200]}`" if problems else "")
    )
    return lines


def written(rows: list[tuple], before: dict, after: dict) -> list[str]:
    """What the database says was written, against what the clients were told."""
    saved = sum(1 for r in rows if r[2] == "POST /servicelog/quick/" and not r[5])
    records = after["service records"] - before["service records"]
    commits = sum(1 for r in rows if r[2] == "POST /imports/<pk>/commit/" and not r[5])
    committed = after.get("import jobs committed", 0) - before.get("import jobs committed", 0)
    other = {k: v for k, v in after.items() if k.startswith("import jobs") and k != "import jobs committed"}
    return [
        f"written: {saved} quick entries confirmed, {records} service records in the database "
        f"{'✓' if saved == records else '✗'}; {commits} imports confirmed, {committed} jobs committed "
        f"{'✓' if commits == committed else '✗'}" + (f" (other jobs: {other})" if other else "")
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=10, help="load time (default 10)")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--wait", default="0.5,1.5", help="think time between actions, min,max seconds")
    parser.add_argument("--import-every", type=int, default=30, help="seconds between two imports")
    parser.add_argument("--imports-in-worker", action="store_true", help="check and commit in db_worker")
    parser.add_argument(
        "--no-rollups", action="store_true", help="REPORTS_ROLLUPS=0: the dashboard counts the raw rows (diagnosis)"
    )
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--households", type=int, default=15_000)
    parser.add_argument("--records", type=int, default=100_000, help="generated service records")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--limit", type=int, help="hard limit in seconds (default: minutes + 20 minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs (debugging)")
    parser.add_argument("--results", type=Path, help="append the Markdown section to this file")
    args = parser.parse_args(argv)

    import psycopg

    tmp = Path(tempfile.mkdtemp(prefix="xianfeng-soak-"))
    db_name = f"soak_bench_{os.getpid()}"
    admin_url = f"{args.pg}/postgres"
    signal.signal(signal.SIGTERM, _raise(SystemExit))
    signal.signal(signal.SIGALRM, _raise(HardLimit))
    signal.alarm(args.limit or args.minutes * 60 + 1200)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    env = environment(args, tmp, db_name)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"  # production URLs: no bench view needed here
    if args.imports_in_worker:
        env["IMPORT_INLINE_MAX_BYTES"] = "0"
    if args.no_rollups:
        env["REPORTS_ROLLUPS"] = "0"
    os.environ.update(env)
    server = worker = None
    try:
        config = fixture(args, tmp)
        with psycopg.connect(f"{args.pg}/{db_name}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
        server = start(gunicorn, env, tmp / "gunicorn.log")
        worker = start([PYTHON, "manage.py", "db_worker"], env, tmp / "db_worker.log")
        wait_for_workers(port, server, args.workers)
        warm_up(base, WARM_UP, config["sessions"], config["tokens"])  # not measured: a worker's first pages
        before = counts()
        load_before = os.getloadavg()
        print(
            f"gunicorn {args.workers} workers on {base}, db_worker; {args.users} users, wait {args.wait} s, "
            f"an import every {args.import_every} s, {args.minutes} min; load average {load_before[0]:.1f}",
            flush=True,
        )
        run = soak(args, env, base, tmp, server, worker, config)
        after = counts()
        server_log = (tmp / "gunicorn.log").read_text(errors="replace")
        worker_log = (tmp / "db_worker.log").read_text(errors="replace")
        machine = (
            f"{datetime.date.today().isoformat()}, {platform.node()}: {os.cpu_count()} cores, "
            f"PostgreSQL {pg_version}, Python {platform.python_version()}; load average (1 min) "
            f"{load_before[0]:.1f} before the run, " + ", ".join(f"{x:.1f}" for x in run["loads"]) + " each minute"
        )
        lines = report(args, config["log"], run, before, after, server_log, worker_log, machine)
        print("\n".join(lines))
        if args.results:
            with open(args.results, "a") as fh:
                fh.write("\n".join(lines) + "\n")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not skip the cleanup
        for process in (worker, server):
            stop(process)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        if args.keep:
            (tmp / "env.json").write_text(json.dumps(env))  # the keys that open the kept data
            print(f"  kept database {db_name} and {tmp} (environment in env.json)", flush=True)
        else:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"  dropped database {db_name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Web bench (DESIGN.md §6): every list page and API list under 32 concurrent clients.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/web_bench.py                      # ~6 minutes on 2 cores
    .venv/bin/python bench/web_bench.py --seconds 5 --residents 20000 --only /residents/

Creates a PostgreSQL database (postgres://postgres@127.0.0.1:5432 by default, --pg), migrates,
collects static files, loads the demo data and adds generated members, households and
residents (bulk inserts: this is a fixture, not the thing measured), then starts gunicorn
with 2 sync workers and DEBUG off, exactly as in production, with bench/bench_settings.py
(the project's settings and URLs plus /bench/bare/, a bare Django JSON view through the same
middleware: the baseline). Each path is then loaded by locust (headless, 32 users, no wait)
for --seconds; the bare view is measured first and last and the ratio uses their mean.

Quick entry (POST /servicelog/quick/) is posted by the demo volunteer (dangyuan): a home
medicine delivery to a resident in their scope, each request a new record with its own
idempotency key; --records service records (default 200 000, copies of the demo year spread
over three years) make the "recent types" and list queries realistic.

Printed for each path: requests/s and its ratio to the bare view, p50 and p99 latency,
errors (anything but 200), and the gunicorn workers' CPU per request (utime + stime from
/proc/<pid>/stat before and after). Pages are requested by a session of the demo clerk
(dangban, 本组织及以下) or, for the audit pages, the auditor (shenji); the API with a bearer
token of the same user. The target (DESIGN.md §6): ratio ≥ 20 %, p99 ≤ 200 ms, 0 errors.
The database is dropped at the end; --results writes a Markdown table. Nothing is asserted.
For the worker CPU per request alone, in process and much faster, use bench/web_inproc.py.
"""

import argparse
import base64
import csv
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

PAGES = [
    ("/orgs/", "dangban"),
    ("/members/", "dangban"),
    ("/members/worklist/", "dangban"),
    ("/members/autocomplete/?q=wang", "dangban"),
    ("/residents/", "dangban"),
    ("/residents/?q=wang", "dangban"),
    ("/residents/households/", "dangban"),
    ("/residents/autocomplete/?q=wang", "dangban"),
    ("/teams/", "dangban"),
    ("/teams/posts/", "dangban"),
    ("/teams/zones/", "dangban"),
    ("/regions/", "dangban"),
    ("/imports/", "dangban"),
    ("/audit/changes/", "shenji"),
    ("/audit/access/", "shenji"),
    ("/audit/logins/", "shenji"),
    ("/api/orgs/", "dangban"),
    ("/api/members/", "dangban"),
    ("/api/members/worklist/", "dangban"),
    ("/api/teams/", "dangban"),
    ("/api/residents/", "dangban"),
    ("/api/households/", "dangban"),
    ("/api/regions/", "dangban"),
    # Issue 9: the volunteer's resident picker and quick entry's step 1 (the same search).
    ("/residents/autocomplete/?q=%E5%BC%A0", "dangyuan"),
    ("/servicelog/quick/?q=%E5%BC%A0", "dangyuan"),
    # Issue 10: the worklists — the 精防医生's own list, the volunteer's on the phone, the county
    # clerk's overdue tab over every program they may see, and the API the offline app reads.
    ("/programs/worklist/", "jingfang"),
    ("/programs/worklist/?scope=mine", "dangyuan"),
    ("/programs/worklist/?bucket=overdue&scope=all", "dangban"),
    ("/api/programs/worklist/?bucket=overdue", "jingfang"),
]
# Form POSTs (issue 9): each request saves a new record (a fresh idempotency key); a success is
# the redirect to the saved banner (302). The form's fields come from post_form().
POSTS = [("/servicelog/quick/", "dangyuan")]
BARE = "/bench/bare/"
TARGET_RATIO, TARGET_P99_MS = 0.20, 200


# ---------------------------------------------------------------- setup


def environment(args, tmp: Path, db_name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_IMMEDIATE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"{args.pg}/{db_name}",
        XIANFENG_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def generate(residents: int, members: int, households: int) -> None:
    """Bulk copies of the demo rows with new names and phones (a fixture, not measured)."""
    from django.db import transaction

    from bench.gen_residents import GIVEN, SURNAMES
    from xianfeng.core.text import normalize_name, pinyin_initials
    from xianfeng.members.models import Member
    from xianfeng.residents.models import Household, Resident

    rnd = random.Random(8)

    def name() -> str:
        return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))

    def phone() -> str:
        return "1" + rnd.choice("3589") + "".join(rnd.choice("0123456789") for _ in range(9))

    def clones(model, count: int, change) -> None:
        templates = list(model.objects.order_by("pk"))
        batch = []
        for i in range(count):
            row = model(
                **{f.attname: getattr(templates[i % len(templates)], f.attname) for f in model._meta.concrete_fields}
            )
            row.pk = None
            change(row, i)
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)

    def member(row, i):
        row.name = name()
        row.name_norm, row.name_initials = normalize_name(row.name)[:50], pinyin_initials(row.name)[:30]
        row.user_id, row.id_number, row.phone, row.volunteer_no, row.photo = None, "", phone(), f"WB{i:07d}", ""

    def household(row, i):
        row.number, row.head_id, row.phone = f"WB{i:07d}", None, phone()

    def resident(row, i):
        row.name = name()
        row.name_norm, row.name_initials = normalize_name(row.name)[:50], pinyin_initials(row.name)[:50]
        row.id_number, row.phone, row.household_id, row.relation, row.merged_into_id = "", phone(), None, "", None

    started = time.monotonic()
    with transaction.atomic():
        clones(Member, members, member)
        clones(Household, households, household)
        clones(Resident, residents, resident)
    print(
        f"  generated {members} members, {households} households, {residents} residents"
        f" in {time.monotonic() - started:.0f} s"
    )


def generate_records(count: int) -> None:
    """Copies of the demo service records over the last three years, with their providers (a
    fixture, not measured): the creators stay those of the demo year (the clerk, the volunteer…)."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from xianfeng.servicelog.models import RecordProvider, ServiceRecord

    rnd = random.Random(9)
    today = timezone.localdate()
    templates = list(ServiceRecord.objects.filter(voided_at__isnull=True).prefetch_related("providers").order_by("pk"))
    if not templates or count <= 0:
        return
    started = time.monotonic()
    fields = [f.attname for f in ServiceRecord._meta.concrete_fields if f.attname not in ("id", "idempotency_key")]
    with transaction.atomic():
        for first in range(0, count, 2000):
            batch, crews = [], []
            for i in range(first, min(count, first + 2000)):
                template = templates[i % len(templates)]
                row = ServiceRecord(**{name: getattr(template, name) for name in fields})
                born = template.resident.birth_date if template.resident_id else None
                day = today - datetime.timedelta(days=rnd.randrange(3 * 365))
                row.served_on = max(day, born) if born else day
                batch.append(row)
                crews.append(list(template.providers.all()))
            ServiceRecord.objects.bulk_create(batch)
            provisions = []
            for row, crew in zip(batch, crews, strict=True):
                for provider in crew:
                    copy = RecordProvider(record=row, member_id=provider.member_id, hours=provider.hours)
                    copy.copy_place(row)
                    provisions.append(copy)
            RecordProvider.objects.bulk_create(provisions)
    print(f"  generated {count} service records in {time.monotonic() - started:.0f} s")


def post_form(path: str, username: str) -> dict[str, str]:
    """The fields a user's browser posts to ``path`` (idempotency_key: the placeholder {key})."""
    from django.utils import timezone

    from xianfeng.accounts.models import User
    from xianfeng.residents import selectors as resident_selectors
    from xianfeng.servicelog import selectors
    from xianfeng.servicelog.models import ServiceType

    assert path == "/servicelog/quick/", path
    user = User.objects.get(username=username)
    resident = resident_selectors.resident_autocomplete(user=user, query="张")[0]
    team = selectors.current_teams(user).first()
    return {
        "resident": str(resident.pk),
        "service_type": str(ServiceType.objects.get(code="medicine_delivery").pk),
        "served_on": timezone.localdate().isoformat(),
        "team": str(team.pk) if team is not None else "",
        "quantity": "1",
        "hours": "",
        "note": "",
        "idempotency_key": "{key}",
    }


def credentials(usernames: set[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """32 signed-in sessions and one API token per user, made the way a login makes them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from xianfeng.accounts.models import User
    from xianfeng.accounts.services import api_token_create

    sessions, tokens = {}, {}
    for username in sorted(usernames):
        user = User.objects.get(username=username)
        sessions[username] = []
        for _ in range(32):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions[username].append(store.session_key)
        tokens[username] = api_token_create(acting_user=user, user=user, name="web bench")[1]
    return sessions, tokens


# ---------------------------------------------------------------- measuring


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_workers(port: int, server: subprocess.Popen, workers: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pids = worker_pids(server.pid)
                if len(pids) == workers:
                    return pids
                raise OSError("not all workers forked yet")
        except OSError:
            try:
                server.wait(timeout=0.1)  # the pause between polls; returns if gunicorn died
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"gunicorn exited with code {server.returncode}") from None
    raise SystemExit("gunicorn did not listen within 60 s")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total


def run_locust(
    path: str, env: dict[str, str], base: str, seconds: int, tmp: Path, pids: list[int], label: str = ""
) -> dict:
    prefix = tmp / "locust"
    before = cpu_ticks(pids)
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            "32",
            "--spawn-rate",
            "32",
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "5",
        ],
        env={**env, "XF_PATH": path},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "locust.log", "w"),
        timeout=seconds + 60,
    )
    cpu_seconds = (cpu_ticks(pids) - before) / CLK_TCK
    with open(f"{prefix}_stats.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    requests = int(row["Request Count"])
    if not requests:
        raise SystemExit(f"locust made no request to {path}:\n" + (tmp / "locust.log").read_text()[-3000:])
    return {
        "path": label or path,
        "requests": requests,
        "errors": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p99": float(row["99%"]),
        "cpu_ms": 1000 * cpu_seconds / requests if requests else float("nan"),
    }


def warm_up(base: str, pages: list[tuple[str, str]], sessions: dict, tokens: dict, posts=()) -> None:
    """A few requests per page and worker (templates compiled, query plans and counts cached)."""
    import uuid
    from urllib.parse import urlencode

    import requests

    csrf = secrets.token_hex(16)
    with requests.Session() as http:
        for path, user, form in posts:
            for _ in range(6):
                headers = {"Cookie": f"{settings_cookie()}={sessions[user][0]}; csrftoken={csrf}", "X-CSRFToken": csrf}
                body = urlencode(form).replace("%7Bkey%7D", uuid.uuid4().hex)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                response = http.post(base + path, data=body, headers=headers, allow_redirects=False, timeout=30)
                if response.status_code != 302:
                    raise SystemExit(f"POST {path} answered {response.status_code} to {user}")
        for path, user in pages:
            for _ in range(6):
                headers = {"Cookie": f"{settings_cookie()}={sessions[user][0]}"}
                if path.startswith("/api/"):
                    headers = {"Authorization": f"Bearer {tokens[user]}"}
                response = http.get(base + path, headers=headers, allow_redirects=False, timeout=30)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code} to {user}")


def settings_cookie() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def table(results: list[dict], bare_rps: float, bare_cpu: float) -> list[str]:
    lines = [
        "| path | req/s | ratio to bare | p50 ms | p99 ms | errors | worker CPU ms/req | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        ratio = r["rps"] / bare_rps if bare_rps else 0.0
        met = r["path"] == BARE or (ratio >= TARGET_RATIO and r["p99"] <= TARGET_P99_MS and r["errors"] == 0)
        lines.append(
            f"| `{r['path']}` | {r['rps']:.0f} | {100 * ratio:.0f} % | {r['p50']:.0f} | {r['p99']:.0f} | "
            f"{r['errors']} | {r['cpu_ms']:.1f} | {'✓' if met else '✗'} |"
        )
    lines.append(f"\nBare view (mean of first and last run): {bare_rps:.0f} req/s, {bare_cpu:.1f} ms worker CPU/req.")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="load time per path (default 10)")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=3_000)
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--records", type=int, default=200_000, help="generated service records")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--only", action="append", help="bench only these paths (repeatable)")
    parser.add_argument("--results", type=Path, help="write the table to this Markdown file")
    args = parser.parse_args(argv)

    import psycopg

    tmp = Path(tempfile.mkdtemp(prefix="xianfeng-web-bench-"))
    db_name = f"xianfeng_webbench_{os.getpid()}"
    admin_url = f"{args.pg}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    env = environment(args, tmp, db_name)
    os.environ.update(env)
    server = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        print(f"  migrate, collectstatic, seed_demo: {time.monotonic() - started:.0f} s")
        generate(args.residents, args.members, args.households)
        generate_records(args.records)
        pages = [(p, u) for p, u in PAGES if not args.only or p in args.only]
        posts = [(p, u, post_form(p, u)) for p, u in POSTS if not args.only or p in args.only]
        sessions, tokens = credentials({u for _p, u in pages} | {u for _p, u, _f in posts})
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg}/{db_name}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
            cwd=ROOT,
            env=env,
            stderr=open(tmp / "gunicorn.log", "w"),
        )
        pids = wait_for_workers(port, server, args.workers)
        print(f"gunicorn {len(pids)} workers on {base}; 32 users, {args.seconds} s per path")

        def measure(path: str, user: str | None, form: dict | None = None) -> dict:
            extra = {"XF_COOKIES": ",".join(sessions.get(user, [])), "XF_TOKEN": tokens.get(user, "")}
            if form is not None:
                from urllib.parse import urlencode

                extra |= {"XF_METHOD": "POST", "XF_BODY": urlencode(form)}
            label = f"POST {path}" if form is not None else path
            result = run_locust(path, {**env, **extra}, base, args.seconds, tmp, pids, label)
            print(
                f"  {result['path']:34} {result['rps']:7.0f} req/s  p50 {result['p50']:4.0f} ms"
                f"  p99 {result['p99']:4.0f} ms  errors {result['errors']:3}  CPU {result['cpu_ms']:5.1f} ms/req",
                flush=True,
            )
            return result

        run_locust(BARE, env, base, 3, tmp, pids)  # warm-up: connections, imports
        warm_up(base, pages, sessions, tokens, posts)
        first = measure(BARE, None)
        results = [measure(path, user) for path, user in pages]
        results += [measure(path, user, form) for path, user, form in posts]
        last = measure(BARE, None)
        bare_rps = (first["rps"] + last["rps"]) / 2
        bare_cpu = (first["cpu_ms"] + last["cpu_ms"]) / 2
        lines = table([first, *results, last], bare_rps, bare_cpu)
        print("\n".join(lines))
        if args.results:
            header = (
                f"## web\n\n`bench/web_bench.py --seconds {args.seconds}`: gunicorn {args.workers} workers, "
                f"PostgreSQL, 32 locust users, {args.members} generated members, {args.households} households, "
                f"{args.residents} residents, {args.records} service records on top of the demo data; "
                f"{os.cpu_count()} cores shared by "
                "gunicorn, PostgreSQL and locust.\n\n"
            )
            args.results.write_text(header + "\n".join(lines) + "\n")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up
            pass
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Offline sync bench (issue 14 §5, DESIGN.md §6): a phone with 500 residents and 50 queued
records syncs in under 10 seconds on this machine's loopback.

    .venv/bin/python bench/offline_sync.py                   # ~30 s: SQLite, gunicorn 1 worker
    .venv/bin/python bench/offline_sync.py --pg postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/offline_sync.py --residents 2000 --keep

A throwaway database (SQLite in a temporary directory, or a PostgreSQL database created and
dropped with --pg), migrated, static files collected (the service worker's precache list needs
the manifest, as in production); then a township with 5 villages and ``--residents`` residents,
a branch serving it, a volunteer (党员/志愿者 over that branch) with a member, 5 activities held
yesterday (one per village, so every resident is "in reach" for the snapshot) and 100 结对帮扶
enrollments the volunteer is responsible for (their worklist, mostly overdue). Written with the
services and bulk inserts: a fixture, not the thing measured.

The app runs under gunicorn (1 sync worker by default, DEBUG off) on 127.0.0.1, warmed by one
register and snapshot of another device (a worker's first request imports every view module:
those cold figures are printed, not counted). As the offline app does,
with the volunteer's session and CSRF token, and timed from the client:
1. register the device (POST /api/offline/devices/register/),
2. fetch the snapshot (GET /api/offline/snapshot/),
3. sync the outbox: 50 entries — 35 quick records, 10 program visits, 5 attendances of 12
   residents (105 service records) — in batches of OFFLINE_SYNC_BATCH, as static/offline/sync.js,
4. refresh the snapshot (the worklist follows the sync).
Target: the total of 1–4 under 10 s. Then the same outbox synced again (all "duplicate"), and the
baseline measured in the same run: 50 sequential single POSTs to /api/servicelog/records/ (one
quick record each); the ratio of the sync to it is printed. Finally the service worker's
precache (``xianfeng.devices.views_app.precache_entries()``): files and bytes.

Bounded: every request has a timeout, the whole run an alarm (--limit seconds), and the server
and the database are removed at the end (unless --keep). Nothing is asserted.
"""

import argparse
import base64
import datetime
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
TARGET_S = 10.0
ENROLLMENTS = 100
TIMEOUT = 60  # seconds for any one request


def environment(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_IMMEDIATE", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        XIANFENG_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


# ---------------------------------------------------------------- the volunteer's world


def generate(residents: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from bench.gen_residents import GIVEN, SURNAMES
    from xianfeng.accounts import services as account_services
    from xianfeng.accounts.models import User
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.core.text import normalize_name, pinyin_initials
    from xianfeng.members.models import Member
    from xianfeng.orgs import services as org_services
    from xianfeng.orgs.models import Organization
    from xianfeng.programs import services as program_services
    from xianfeng.regions.models import Region
    from xianfeng.residents.models import Resident
    from xianfeng.servicelog import services_activities

    rnd = random.Random(14)
    today = timezone.localdate()
    county = Region.objects.filter(level=Region.Level.COUNTY).order_by("code").first()
    town = Region(code=f"{county.code}101", name="先锋镇", level=Region.Level.TOWNSHIP)
    villages = [
        Region(code=f"{town.code}{201 + v:03d}", name=f"先锋{v + 1}村", level=Region.Level.VILLAGE) for v in range(5)
    ]
    for region in (town, *villages):
        region.name_norm, region.name_initials = region.name, pinyin_initials(region.name)
    with transaction.atomic():
        Region.objects.bulk_create([town, *villages])
        admin = account_services.user_create(
            acting_user=None, username="admin", password="Bench@2026-admin", must_change_password=False
        )
        account_services.grant_create(acting_user=None, user=admin, role=Role.ADMIN, scope=Scope.ALL)
        committee = org_services.org_create(acting_user=admin, name="县医院党委", kind=Organization.Kind.COMMITTEE)
        branch = org_services.org_create(
            acting_user=admin, name="内科党支部", kind=Organization.Kind.BRANCH, parent=committee, regions=[town]
        )
        volunteer = account_services.user_create(
            acting_user=admin,
            username="zhiyuan",
            password="Bench@2026-volunteer",
            display_name="王志愿",
            org=branch,
            must_change_password=False,
        )
        account_services.grant_create(
            acting_user=admin, user=volunteer, role=Role.MEMBER, scope=Scope.ORG_ONLY, org=branch
        )
        member = Member.objects.create(
            name="王志愿", name_norm="王志愿", name_initials="wzy", branch=branch, user=volunteer
        )
        people = []
        for i in range(residents):
            name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
            people.append(
                Resident(
                    name=name,
                    name_norm=normalize_name(name),
                    name_initials=pinyin_initials(name),
                    gender=rnd.choice("MF"),
                    birth_date=datetime.date(1940 + rnd.randrange(60), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
                    village_id=villages[i % len(villages)].code,
                )
            )
        Resident.objects.bulk_create(people, batch_size=1000)
    people = list(Resident.objects.order_by("pk").values_list("pk", "village_id"))
    activities = [
        services_activities.activity_create(
            acting_user=volunteer,
            title=f"{village.name}义诊",
            start_at=timezone.now() - datetime.timedelta(days=1),
            status="held",
            region=village,
        ).activity.pk
        for village in villages
    ]
    enrollments = []
    for pk, _village in people[:ENROLLMENTS]:
        enrollment = program_services.enrollment_create(
            acting_user=volunteer,
            program="pairing",
            resident=Resident.objects.get(pk=pk),
            responsible_member=member,
            enrolled_on=today - datetime.timedelta(days=10 + rnd.randrange(50)),
        )
        enrollments.append(enrollment.pk)
    by_village = {}
    for pk, village in people:
        by_village.setdefault(village, []).append(pk)
    volunteer = User.objects.get(pk=volunteer.pk)
    return {
        "user": volunteer,
        "residents": [pk for pk, _v in people],
        "by_village": [by_village[v.code] for v in villages],
        "activities": activities,
        "enrollments": enrollments,
    }


def session_for(user) -> tuple[str, str, str]:
    """(session cookie name, session key, CSRF secret), made the way a login makes them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return settings.SESSION_COOKIE_NAME, store.session_key, secrets.token_hex(16)  # 32 characters


def outbox(world: dict, user_id: int) -> list[dict]:
    """50 entries as the phone queues them: quick records, visits and attendances, interleaved."""
    now = datetime.datetime.now(datetime.UTC)
    entries = []

    def add(kind: str, payload: dict) -> None:
        made = now - datetime.timedelta(minutes=5 * (50 - len(entries)))
        entries.append(
            {
                "client_id": str(uuid.uuid4()),
                "kind": kind,
                "user_id": user_id,
                "made_at": made.isoformat(),
                "date_defaulted": True,
                "payload": payload,
            }
        )

    records, visits, rolls = iter(range(35)), iter(range(10)), iter(range(5))
    for slot in range(50):
        if slot % 10 == 9:
            n = next(rolls)
            ids = world["by_village"][n][20:32]
            add(
                "attendance",
                {"activity_id": world["activities"][n], "service_type": "health_consult", "resident_ids": ids},
            )
        elif slot % 5 == 2:
            n = next(visits)
            data = {"mode": "visit", "reached": True}
            payload = {"enrollment_id": world["enrollments"][n], "kind": "contact", "service_type": "home_nursing_edu"}
            add("visit", {**payload, "data": data})
        else:
            n = next(records)
            add("record", {"service_type": "medicine_delivery", "resident_id": world["residents"][200 + n], "note": ""})
    return entries


# ---------------------------------------------------------------- the server and the phone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, tmp: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stderr=open(tmp / "gunicorn.log", "w"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            try:
                server.wait(timeout=0.2)  # the pause between polls; returns if gunicorn died
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"gunicorn exited with code {server.returncode}; see {tmp / 'gunicorn.log'}") from None
    server.kill()
    raise SystemExit("gunicorn did not listen within 60 s")


class Phone:
    """The offline app's requests: the session cookie, the CSRF header, the device header."""

    def __init__(self, base: str, cookie: str, session: str, csrf: str):
        import requests

        self.base = base
        self.http = requests.Session()
        self.http.cookies.set(cookie, session)
        self.http.cookies.set("csrftoken", csrf)
        self.http.headers.update({"X-CSRFToken": csrf})
        self.device = ""

    def call(self, method: str, path: str, body=None) -> tuple[int, dict, int, float]:
        headers = {"X-Xianfeng-Device": self.device} if self.device else {}
        started = time.perf_counter()
        response = self.http.request(method, self.base + path, json=body, headers=headers, timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {str(data)[:300]}")
        return response.status_code, data, len(response.content), elapsed


def sync_all(phone: Phone, entries: list[dict], batch: int) -> tuple[float, dict[str, int]]:
    statuses: dict[str, int] = {}
    total = 0.0
    for start in range(0, len(entries), batch):
        body = {
            "sent_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "pending": len(entries) - start,
            "entries": entries[start : start + batch],
        }
        _status, data, _size, elapsed = phone.call("POST", "/api/offline/sync/", body)
        total += elapsed
        for result in data["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
            if result["status"] == "refused":
                print(f"    refused {result['client_id'][:8]}: {result['message']}")
    return total, statuses


def baseline(phone: Phone, world: dict, n: int = 50) -> float:
    """n quick records posted one by one, as the online quick entry's API does."""
    total = 0.0
    for i in range(n):
        body = {
            "service_type": "medicine_delivery",
            "resident_id": world["residents"][300 + i],
            "idempotency_key": str(uuid.uuid4()),
        }
        total += phone.call("POST", "/api/servicelog/records/", body)[3]
    return total


def precache() -> tuple[int, int] | None:
    try:
        from xianfeng.devices.views_app import precache_entries
    except ImportError:
        return None
    entries = precache_entries()
    return len(entries), sum(size for _url, size in entries)


# ---------------------------------------------------------------- main


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument(
        "--workers", type=int, default=1, help="gunicorn workers (one phone syncs one request at a time)"
    )
    parser.add_argument("--pg", help="PostgreSQL server URL (default: SQLite in a temporary directory)")
    parser.add_argument("--limit", type=int, default=300, help="abort the whole run after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit(f"aborted after {args.limit} s")))
    signal.alarm(args.limit)

    tmp = Path(tempfile.mkdtemp(prefix="xianfeng-offline-bench-"))
    db_name = f"xianfeng_offlinebench_{os.getpid()}"
    if args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        database_url = f"{args.pg}/{db_name}"
    else:
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = environment(tmp, database_url)
    os.environ.update(env)
    server = None
    try:
        import django
        from django.conf import settings
        from django.core.management import call_command

        django.setup()
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        world = generate(args.residents)
        cookie, session, csrf = session_for(world["user"])
        entries = outbox(world, world["user"].pk)
        batch = settings.OFFLINE_SYNC_BATCH
        from django.db import connections

        connections.close_all()
        print(
            f"setup (migrate, collectstatic, {args.residents} residents, {ENROLLMENTS} enrollments): "
            f"{time.monotonic() - started:.0f} s; database {'PostgreSQL' if args.pg else 'SQLite'}"
        )
        server, base = start_server(env, tmp, args.workers)
        phone = Phone(base, cookie, session, csrf)

        # Warm the worker (its first request imports the URLconf and every view module): the
        # figures below are those of a server that has been up, as in the field.
        warm = str(uuid.uuid4())
        body = {"client_id": warm, "secret": secrets.token_urlsafe(32), "label": "warm-up"}
        cold_register = phone.call("POST", "/api/offline/devices/register/", body)[3]
        phone.device = warm
        cold_snapshot = phone.call("GET", "/api/offline/snapshot/")[3]
        print(
            f"cold worker (warm-up, not counted): register {cold_register * 1000:.0f} ms, "
            f"snapshot {cold_snapshot * 1000:.0f} ms"
        )

        client_id = str(uuid.uuid4())
        body = {"client_id": client_id, "secret": secrets.token_urlsafe(32), "label": "bench phone"}
        _s, _data, _size, t_register = phone.call("POST", "/api/offline/devices/register/", body)
        phone.device = client_id
        _s, snap, snap_bytes, t_snapshot = phone.call("GET", "/api/offline/snapshot/")
        t_sync, statuses = sync_all(phone, entries, batch)
        _s, snap2, _size, t_refresh = phone.call("GET", "/api/offline/snapshot/")
        total = t_register + t_snapshot + t_sync + t_refresh
        t_again, again = sync_all(phone, entries, batch)
        t_base = baseline(phone, world)
        records = sum(len(e["payload"].get("resident_ids", [0])) for e in entries)

        print(
            f"snapshot: {len(snap.get('residents', []))} residents, {len(snap.get('worklist', []))} worklist items, "
            f"{snap_bytes / 1024:.0f} KB"
        )
        print(f"  register device            {t_register * 1000:7.0f} ms")
        print(f"  snapshot                   {t_snapshot * 1000:7.0f} ms")
        print(
            f"  sync {len(entries)} entries ({records} records, batches of {batch})"
            f" {t_sync * 1000:7.0f} ms   {statuses}"
        )
        print(
            f"  snapshot refresh           {t_refresh * 1000:7.0f} ms   "
            f"(worklist {len(snap2.get('worklist', []))} items)"
        )
        print(
            f"  total                      {total * 1000:7.0f} ms   target < {TARGET_S:.0f} s: "
            f"{'met' if total < TARGET_S else 'NOT met'}"
        )
        print(f"  the same outbox again     {t_again * 1000:7.0f} ms   {again}")
        print(
            f"baseline: 50 single POST /api/servicelog/records/ {t_base * 1000:7.0f} ms "
            f"({t_base * 1000 / 50:.1f} ms each)"
        )
        print(
            f"  sync / baseline: {t_sync / t_base:.2f} "
            f"(per entry {t_sync * 1000 / len(entries):.1f} ms, per record {t_sync * 1000 / records:.1f} ms)"
        )
        cached = precache()
        if cached is None:
            print("service worker precache: xianfeng.devices.views_app.precache_entries() does not exist yet")
        else:
            print(f"service worker precache: {cached[0]} files, {cached[1] / 1024:.0f} KB")
    finally:
        signal.alarm(0)
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.pg and not args.keep:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        if args.keep:
            print(f"kept {tmp}" + (f" and database {db_name}" if args.pg else ""))
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

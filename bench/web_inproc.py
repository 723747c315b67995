"""Process CPU per request of each web bench path, in process (Django test client, DEBUG off).

    .venv/bin/python bench/web_inproc.py --setup      # once: database xianfeng_webinproc
    .venv/bin/python bench/web_inproc.py [--only /residents/] [--n 40] [--queries]

Much cheaper than bench/web_bench.py (no gunicorn, no locust): the figure it prints is the
stable one of that bench, the worker CPU per request. Uses bench/web_bench.py's data set.
"""

import argparse
import base64
import cProfile
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web_bench import PAGES, POSTS, generate, generate_records, post_form  # noqa: E402

DB = "xianfeng_webinproc"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--db", default=DB, help=f"database name (default {DB})")
    parser.add_argument("--only", action="append")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed requests")
    args = parser.parse_args(argv)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        DEBUG="0",
        SECRET_KEY="inproc-bench-" + "x" * 40,
        FIELD_ENCRYPTION_KEY=base64.b64encode(b"k" * 32).decode(),
        BLIND_INDEX_KEY="inproc-bench-blind-index-key-0123456789abcdef",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"{args.pg}/{args.db}",
        XIANFENG_VAR_DIR="/tmp/xf-H-webperf-inproc",
        STATIC_ROOT="/tmp/xf-H-webperf-inproc/static",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    if args.setup:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.core.management import call_command

    if args.setup:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        generate(args.residents, 3_000, 30_000)
        generate_records(args.records)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        return 0
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection
    from django.test import Client

    from xianfeng.accounts.models import User
    from xianfeng.accounts.services import api_token_create

    clients = {}
    for path, username, method in [(p, u, "GET") for p, u in PAGES] + [(p, u, "POST") for p, u in POSTS]:
        if args.only and path not in args.only:
            continue
        if username not in clients:
            user = User.objects.get(username=username)
            client = Client()
            client.force_login(user)
            token = api_token_create(acting_user=user, user=user, name="inproc")[1]
            clients[username] = (client, Client(HTTP_AUTHORIZATION=f"Bearer {token}"))
        page_client, api_client = clients[username]
        client = api_client if path.startswith("/api/") else page_client
        if method == "POST":  # a form post: a new record per request (its own idempotency key)
            form = post_form(path, username)
            client = _Poster(client, form)
        for _ in range(3):
            response = client.get(path)
            assert response.status_code == (302 if method == "POST" else 200), (path, response.status_code)
        queries = []

        def record(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(record):
            client.get(path)
        profile = cProfile.Profile() if args.profile else None
        started = time.process_time()
        if profile:
            profile.enable()
        for _ in range(args.n):
            client.get(path)
        if profile:
            profile.disable()
        cpu = (time.process_time() - started) / args.n * 1000
        if profile:
            pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
                int(os.environ.get("TOP", "45"))
            )
        label = f"POST {path}" if method == "POST" else path
        print(f"  {label:34} {cpu:6.1f} ms CPU/req  {len(queries):3} queries", flush=True)
        if args.queries:
            for sql in queries:
                print("      ", sql[:220])
    return 0


class _Poster:
    """A test client whose get() posts the form (new idempotency key each time)."""

    def __init__(self, client, form: dict):
        self.client, self.form = client, form

    def get(self, path):
        return self.client.post(path, {**self.form, "idempotency_key": uuid.uuid4().hex})


if __name__ == "__main__":
    sys.exit(main())

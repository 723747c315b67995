"""A throwaway PostgreSQL database for the benches that measure on PostgreSQL (worklist, stats):
the environment of a production-like process pointed at it, and its creation and removal."""

import base64
import os


def setup_environment(args, name: str) -> None:
    """Production settings (DEBUG off, generated keys) on ``args.pg``/``args.db``; ``name`` keeps
    each bench's keys and files apart."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=f"{name}-bench-" + "x" * 40,
        FIELD_ENCRYPTION_KEY=base64.b64encode(name.encode().ljust(32, b"k")[:32]).decode(),
        BLIND_INDEX_KEY=f"{name}-bench-blind-index-key-0123456789abcdef",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"{args.pg}/{args.db}",
        XIANFENG_VAR_DIR=f"/tmp/xf-{name}-bench",
        STATIC_ROOT=f"/tmp/xf-{name}-bench/static",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')


def drop_database(args) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')

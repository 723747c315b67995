"""A real ``manage.py db_worker`` process: alive while it runs, down within the stale window
after SIGKILL (no clean exit), down at once after SIGTERM.

The suite's own database is in memory, which another process cannot open: the worker gets a
SQLite file of its own (only the two apps it writes are migrated there, which takes seconds),
and the test reads that file through an extra connection alias with the same functions /readyz
calls. Small heartbeat settings come through the environment (config/settings.py reads them).
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings

from xianfeng.health import checks
from xianfeng.health.models import WorkerHeartbeat

HEARTBEAT, STALE = 1, 3
ALIAS = "health_worker_db"
START_TIMEOUT = 90  # a cold Django start on a busy 2-core machine
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def worker_env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TASKS_IMMEDIATE", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        XIANFENG_VAR_DIR=str(database.parent / "var"),
        WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT),
        WORKER_STALE_SECONDS=str(STALE),
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory):
    database = tmp_path_factory.mktemp("worker") / "worker.sqlite3"
    migrate = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', 'django_tasks_database', verbosity=0); call_command('migrate', 'health', verbosity=0)"
    )
    subprocess.run(
        [sys.executable, "-c", migrate], cwd=settings.BASE_DIR, env=worker_env(database), check=True, timeout=120
    )
    return database


@pytest.fixture
def worker_db(worker_database, django_db_blocker):
    """An alias on the worker's file, readable from this test (outside the suite's database)."""
    connections.settings[ALIAS] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(worker_database),
        "OPTIONS": {},
    }
    with django_db_blocker.unblock():
        yield worker_database
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


@contextmanager
def running_worker(database: Path):
    log = (database.parent / "worker.log").open("ab")
    command = [sys.executable, MANAGE, "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"]
    proc = subprocess.Popen([*command, "--interval", "0.2"], cwd=settings.BASE_DIR, env=worker_env(database),
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        log.close()


def wait_for(predicate, *, timeout: float, proc=None, what: str):
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass (the process may not die early)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        try:
            if proc is not None and proc.wait(timeout=0.1) is not None:
                pytest.fail(f"the worker exited ({proc.returncode}) while waiting for {what}")
        except subprocess.TimeoutExpired:
            pass  # still running: poll again
        if proc is None:
            time.sleep(0.1)  # a poll interval, not a fixed wait


def workers():
    """What /readyz says of the worker's database, judged with the worker's small stale window."""
    with override_settings(WORKER_STALE_SECONDS=STALE):
        return checks.database_workers(using=ALIAS)


def row_of(proc) -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.using(ALIAS).filter(pid=proc.pid, worker_id__endswith=f":{proc.pid}").first()


def test_a_killed_worker_shows_down_within_the_stale_window(worker_db):
    from django_tasks_db.models import DBTaskResult, get_date_max

    with running_worker(worker_db) as proc:
        wait_for(lambda: row_of(proc) and workers()["alive"] >= 1, timeout=START_TIMEOUT, proc=proc, what="alive")

        # it runs tasks, and its beats count them
        task = DBTaskResult.objects.using(ALIAS).create(
            args_kwargs={"args": ["x"], "kwargs": {}},
            task_path="xianfeng.health.tests.tasks.noop",
            backend_name="default",
            queue_name="default",
            run_after=get_date_max(),
        )
        wait_for(lambda: row_of(proc).tasks_done == 1, timeout=30, proc=proc, what="the task to be counted")
        task.refresh_from_db(using=ALIAS)
        assert task.status == "SUCCESSFUL" and task.worker_ids == [row_of(proc).worker_id]

        # beats keep coming while it idles
        first_seen = row_of(proc).last_seen_at
        wait_for(lambda: row_of(proc).last_seen_at > first_seen, timeout=10, proc=proc, what="a later beat")

        proc.send_signal(signal.SIGKILL)  # no clean exit: only silence tells
        killed = time.monotonic()
        proc.wait(timeout=30)
        wait_for(lambda: workers()["status"] == "down", timeout=STALE + 10, what="down")
        took = time.monotonic() - killed
        assert took <= STALE + 1.5, f"down {took:.1f}s after the kill"
        assert row_of(proc).stopped_at is None  # lost, not stopped
        assert workers()["last_heartbeat_age_seconds"] >= STALE


def test_a_worker_stopped_with_sigterm_is_down_at_once(worker_db):
    with running_worker(worker_db) as proc:
        wait_for(lambda: row_of(proc) and workers()["alive"] >= 1, timeout=START_TIMEOUT, proc=proc, what="alive")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        row = row_of(proc)
        assert row.stopped_at is not None
        assert workers()["status"] == "down"  # no stale window to wait for

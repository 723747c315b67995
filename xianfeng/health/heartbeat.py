"""The background worker's heartbeat: written by the worker, judged by /readyz and the status page.

Thread, not loop: the library's worker loop runs one task at a time, and a 10-minute report
would leave a beat written from the loop 10 minutes old, so a live worker would look dead. A
daemon thread beats every WORKER_HEARTBEAT_SECONDS whatever the main thread does, and each
beat carries the task being run and since when: a worker that hangs inside a task stays
"alive" but shows the same task for an hour, which the status page points out. A frozen or
killed process (SIGKILL, OOM killer, a lost machine) stops beating and is called down after
WORKER_STALE_SECONDS; a clean exit (SIGTERM/SIGINT, --batch, --max-tasks) writes stopped_at
and is down at once.

Caveat (SQLite only): a beat is a write, and SQLite has one writer at a time. A task holding a
write transaction longer than WORKER_STALE_SECONDS (a very large import's commit) makes the
beats wait and fail, so the worker looks down until the commit ends. PostgreSQL has no such
limit (row locks).
"""

import atexit
import datetime
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers that stopped or vanished this long ago are deleted (by any worker, hourly).
KEEP_STOPPED_DAYS = 7
PRUNE_EVERY = datetime.timedelta(hours=1)

RUNNING, STOPPED, LOST = "running", "stopped", "lost"


def heartbeat_seconds() -> float:
    return getattr(settings, "WORKER_HEARTBEAT_SECONDS", 15)


def stale_seconds() -> float:
    return getattr(settings, "WORKER_STALE_SECONDS", 45)


def worker_state(row: WorkerHeartbeat, now: datetime.datetime | None = None) -> str:
    """RUNNING while it beats, STOPPED once it said goodbye, LOST when it went silent."""
    now = now or timezone.now()
    if row.stopped_at is not None:
        return STOPPED
    if (now - row.last_seen_at).total_seconds() > stale_seconds():
        return LOST
    return RUNNING


def alive_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(seconds=stale_seconds())


def default_worker_id() -> str:
    """host:pid, at most 64 characters (the library's limit); the host is cut, never the pid."""
    pid = str(os.getpid())
    return f"{socket.gethostname()[: 63 - len(pid)]}:{pid}"


def prune_stopped(now: datetime.datetime | None = None) -> int:
    """Delete the rows of workers stopped (or silent) for more than KEEP_STOPPED_DAYS."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_STOPPED_DAYS)
    deleted, _by_model = WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted


@dataclass(frozen=True)
class _Current:
    task: str = ""
    since: datetime.datetime | None = None


class Heartbeat:
    """Beats for one worker process. ``start()`` registers it, ``task_started``/``task_finished``
    are called by the worker loop (in memory only: the next beat writes them), ``stop()`` marks
    the row stopped. Safe to stop twice (signal handler, then atexit)."""

    def __init__(self, *, worker_id: str, queues: str, interval: float | None = None):
        self.worker_id = worker_id
        self.queues = queues[:200]
        self.interval = interval if interval is not None else heartbeat_seconds()
        self.tasks_done = 0
        self._current = _Current()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_prune: datetime.datetime | None = None
        self._stopped = False

    # --- called by the worker loop ------------------------------------------------------

    def task_started(self, task_name: str) -> None:
        self._current = _Current(task=task_name[:200], since=timezone.now())

    def task_finished(self) -> None:
        self._current = _Current()
        self.tasks_done += 1

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": self.queues,
                "started_at": now,
                "last_seen_at": now,
                "stopped_at": None,
                "tasks_done": 0,
                "current_task": "",
                "current_task_since": None,
            },
        )
        self._prune(now)
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.worker_id}", daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval + 5)
        try:
            try:
                self._mark_stopped()
            except DatabaseError:  # a connection the database dropped while the worker idled
                connection.close()
                self._mark_stopped()
        except Exception:  # the database may be why we stop: the row goes stale and reads "lost"
            logger.exception("Could not mark worker %s stopped", self.worker_id)

    def _mark_stopped(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            last_seen_at=now, stopped_at=now, tasks_done=self.tasks_done, current_task="", current_task_since=None
        )

    def beat(self) -> None:
        """Write one beat (the thread calls it; tests call it directly)."""
        now = timezone.now()
        current = self._current
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            last_seen_at=now,
            tasks_done=self.tasks_done,
            current_task=current.task,
            current_task_since=current.since,
        )
        self._prune(now)

    def _prune(self, now: datetime.datetime) -> None:
        if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            prune_stopped(now)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    close_old_connections()
                    self.beat()
                except Exception:  # a locked or restarting database: try again next beat
                    logger.warning("Heartbeat of worker %s failed", self.worker_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

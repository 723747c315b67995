"""What /readyz reports, as plain functions (issue 15 §2). The status page shows the same.

Answer codes, decided for a load balancer that takes a web server out of rotation on a non-200:
- the database or the cache failing → 503 "fail": this web server cannot serve pages;
- the background worker down (no heartbeat for WORKER_STALE_SECONDS, or stopped) or the oldest
  waiting task older than QUEUE_MAX_WAIT_SECONDS → 200 "degraded": pages still work, and one dead
  worker must not take every web server out at once. The JSON says which part is degraded;
- ``/readyz?strict=1`` answers 503 for "degraded" too, for monitoring that alerts on the code.

Cheap and bounded: three queries (SELECT 1, one aggregate over waiting tasks — the library's
partial index on status=READY — and one over the heartbeat rows) and three cache operations.
Nothing is written: no session, no log row. No personal data: counts, ages and latencies only.

Queue backends: the database queue (the default) is measured here. With RQ (REDIS_URL set),
rq's own API gives the depth of the configured queues, the age of the oldest job and the
workers registered in Redis; rq workers register themselves (no heartbeat row of ours), and rq
forgets a killed worker only when its key expires (worker_ttl, 420 s by default), so there a
dead worker shows within about 8 minutes, not one. Any other backend (the immediate backend of
the tests) has no queue: "not_measured".
"""

import datetime
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .heartbeat import alive_cutoff, stale_seconds
from .models import WorkerHeartbeat

OK, FAIL, DEGRADED = "ok", "fail", "degraded"
UP, DOWN, NOT_MEASURED = "up", "down", "not_measured"
OLD = "old"


def queue_max_wait_seconds() -> int:
    """A task waiting longer than this means the queue does not keep up (a dead or stuck worker)."""
    return getattr(settings, "QUEUE_MAX_WAIT_SECONDS", 900)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": FAIL, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"status": OK, "vendor": connection.vendor, "latency_ms": _ms(started)}


def check_cache() -> dict:
    key = f"health:probe:{uuid.uuid4().hex}"  # one per request: concurrent probes never collide
    started = time.perf_counter()
    try:
        cache.set(key, "1", timeout=10)
        read = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return {"status": FAIL, "error": type(exc).__name__}
    if read != "1":
        return {"status": FAIL, "error": "read back a different value"}
    return {"status": OK, "latency_ms": _ms(started)}


def _backend():
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]  # the backend itself, not the lazy proxy


def backend_kind(backend=None) -> str:
    backend = backend or _backend()
    module = type(backend).__module__
    if module.startswith("django_tasks_db"):
        return "database"
    if module.startswith("django_tasks_rq"):
        return "rq"
    return type(backend).__name__


def database_queue(backend_alias: str, now: datetime.datetime | None = None, *, using: str = "default") -> dict:
    """Depth and oldest wait of the database queue, in one aggregate query.

    Waiting = READY and due: run_after is the library's "no date" (9999-01-01) or already past.
    A deferred run in the future (tomorrow's reminders) is not waiting. A due deferred task has
    waited since its run_after, an immediate one since it was enqueued.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    no_date = get_date_max()
    ready = DBTaskResult.objects.using(using).filter(backend_name=backend_alias, status=TaskResultStatus.READY)
    figures = ready.filter(Q(run_after=no_date) | Q(run_after__lte=now)).aggregate(
        depth=Count("id"),
        oldest_enqueued=Min("enqueued_at", filter=Q(run_after=no_date)),
        oldest_due=Min("run_after", filter=Q(run_after__lte=now)),
    )
    since = [t for t in (figures["oldest_enqueued"], figures["oldest_due"]) if t is not None]
    oldest_age = round((now - min(since)).total_seconds(), 1) if since else None
    return {"depth": figures["depth"], "oldest_age_seconds": oldest_age}


def database_workers(now: datetime.datetime | None = None, *, using: str = "default") -> dict:
    now = now or timezone.now()
    figures = WorkerHeartbeat.objects.using(using).aggregate(
        alive=Count("id", filter=Q(stopped_at__isnull=True, last_seen_at__gte=alive_cutoff(now))),
        newest=Max("last_seen_at"),
    )
    newest = figures["newest"]
    return {
        "status": UP if figures["alive"] else DOWN,
        "alive": figures["alive"],
        "last_heartbeat_age_seconds": round((now - newest).total_seconds(), 1) if newest else None,
        "stale_after_seconds": stale_seconds(),
    }


def rq_queue_and_workers(backend, now: datetime.datetime | None = None) -> tuple[dict, dict]:
    """The same figures from rq's API (one round trip per queue and one for the workers)."""
    import django_rq
    from rq import Worker

    now = now or timezone.now()
    depth, oldest = 0, None
    workers = set()
    for name in sorted(backend.queues):
        queue = django_rq.get_queue(name)
        depth += queue.count
        first = queue.get_jobs(0, 1)  # the queue is FIFO: its head waited longest
        if first and first[0].enqueued_at:
            enqueued = first[0].enqueued_at
            if timezone.is_naive(enqueued):
                enqueued = timezone.make_aware(enqueued, datetime.UTC)
            oldest = enqueued if oldest is None else min(oldest, enqueued)
        workers.update(w.name for w in Worker.all(queue=queue))
    queue_figures = {
        "depth": depth,
        "oldest_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
    }
    worker_figures = {"status": UP if workers else DOWN, "alive": len(workers), "last_heartbeat_age_seconds": None}
    return queue_figures, worker_figures


def check_queue_and_workers(now: datetime.datetime | None = None) -> tuple[dict, dict]:
    now = now or timezone.now()
    backend = _backend()
    kind = backend_kind(backend)
    try:
        if kind == "database":
            queue, workers = database_queue(backend.alias, now), database_workers(now)
        elif kind == "rq":
            queue, workers = rq_queue_and_workers(backend, now)
        else:
            return {"status": NOT_MEASURED, "backend": kind}, {"status": NOT_MEASURED}
    except Exception as exc:
        error = {"status": FAIL, "backend": kind, "error": type(exc).__name__}
        return error, {"status": NOT_MEASURED}
    age = queue["oldest_age_seconds"]
    too_old = age is not None and age > queue_max_wait_seconds()
    queue = {"status": OLD if too_old else OK, "backend": kind, **queue, "max_wait_seconds": queue_max_wait_seconds()}
    return queue, workers


def readiness(now: datetime.datetime | None = None) -> dict:
    """Everything /readyz says, with the overall status (see the module docstring)."""
    database = check_database()
    cache_check = check_cache()
    if database["status"] == OK:
        queue, worker = check_queue_and_workers(now)
    else:  # no point asking a database that does not answer twice more
        queue, worker = {"status": NOT_MEASURED}, {"status": NOT_MEASURED}
    if FAIL in (database["status"], cache_check["status"]):
        overall = FAIL
    elif queue["status"] in (OLD, FAIL) or worker["status"] == DOWN:
        overall = DEGRADED
    else:
        overall = OK
    return {
        "status": overall,
        "checks": {"database": database, "cache": cache_check, "queue": queue, "worker": worker},
    }


def http_status(report: dict, *, strict: bool = False) -> int:
    if report["status"] == FAIL or (strict and report["status"] == DEGRADED):
        return 503
    return 200

"""Recomputing the rollups in the background worker for the pages read all day (issue 15 §3).

``rollups_refresh.refresh_dirty`` recomputes the partitions the triggers marked; at 100 000
records that is about a second per dirty county-month, and during a morning's field work every
quick entry marks the current one. Done in the dashboard's request, it made the dashboard wait
a second and, with two sync workers, every request behind it (the soak bench's p99 was 9.6 s).

So the dashboard and the home page do not wait: they call ``refresh_soon`` and read the cells as
they are. At most one refresh task is queued per ``ROLLUPS_REFRESH_SECONDS`` (a cache key with
that lifetime), so a steady stream of writes costs the worker one recomputation per interval,
not one per write, and a new record reaches the dashboard within the interval plus the task's
run. Everything that is published or drilled (report command, Word report, exports, snapshots,
statistics table, drill-down, API) still calls ``refresh_dirty`` and is exact when it is made.

``generation`` changes after every refresh that recomputed something: a cached dashboard page
counted before it is no longer current (dashboard_cache), so it is recounted once the records are in.
With the immediate task backend (the test suite, TASKS_IMMEDIATE) the task runs inside
``refresh_soon`` and the page reads exact cells. The keys are in the "shared" cache, which the
worker and every web process see (config/settings.py).
"""

from django.conf import settings
from django.core.cache import caches

from .rollups_refresh import has_dirty, refresh_dirty

QUEUED_KEY = "xf:reports:rollups:queued"
GENERATION_KEY = "xf:reports:rollups:generation"


def refresh_soon() -> bool:
    """Have the worker recompute the marked partitions; whether some are still marked now (the
    page says that figures of the last moments are on their way)."""
    if not has_dirty():
        return False
    interval = settings.ROLLUPS_REFRESH_SECONDS
    if interval == 0 or caches["shared"].add(QUEUED_KEY, 1, interval):
        from .services_jobs import queue_name
        from .tasks import refresh_rollups

        refresh_rollups.using(queue_name=queue_name()).enqueue()
    return has_dirty()


def run_refresh() -> int:
    """The task's body: recompute, then let cached figures know (see ``generation``)."""
    count = refresh_dirty()
    if count:
        try:
            caches["shared"].incr(GENERATION_KEY)
        except ValueError:  # no generation yet (or the cache was emptied): start one
            caches["shared"].set(GENERATION_KEY, 1, None)
    return count


def generation() -> int:
    return caches["shared"].get(GENERATION_KEY, 0)

"""The dashboard's figures, counted off the request when they can be (issue 15 §3, soak bench).

Counting a dashboard costs 0.3–0.7 s at 100 000 records (about 110 queries and a big template).
Done in a request, each recount held one of the two sync web workers while every quick entry and
worklist queued behind it: that alone kept the soak bench's p99 above 300 ms. So:

- The rendered HTML of the figures is cached per user, reach, language and filter (the reach is
  in the key: a new grant never sees the old scope's page). HTML, not the context: unpickling the
  context's lazy translations cost more than rendering it.
- An entry is *current* while the rollups have not moved since (rollups_background.generation)
  and it is younger than DASHBOARD_CACHE_SECONDS. A current entry is served as is.
- An entry that is no longer current is still served, at once, saying when it was counted, and
  one recount task per key goes to the background worker (``recount``). The next view shows the
  new figures. With the immediate task backend (tests) the recount runs before the page is served.
- No entry (the first view of this filter) or the page's 刷新 button: counted in the request.

Everything lives in the "shared" cache (config/settings.py: Redis, or files under VAR_DIR when
there is no Redis), because the worker writes what the web processes read; a process's own memory
would keep each recount to itself. DASHBOARD_CACHE_SECONDS = 0 turns all of this off: every view
counts in the request.
"""

from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .filters import FilterError, ReportFilter, parse_filter
from .reach import reach_digest, reach_of
from .rollups_background import generation

KEEP_FACTOR = 10  # an entry stays servable (stale) this many times DASHBOARD_CACHE_SECONDS
RECOUNT_LOCK_SECONDS = 120  # one queued recount per key; a lost task stops blocking after this


def counted_figures(user, flt: ReportFilter, *, fresh: bool = False) -> dict:
    """{"figures_html", "counted_at", "recounting"} for the dashboard of ``user`` and ``flt``."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return _count(user, flt)
    key = _key(user, flt)
    entry = None if fresh else caches["shared"].get(key)
    if entry is None:
        entry = _count(user, flt)
        caches["shared"].set(key, entry, seconds * KEEP_FACTOR)
        return entry
    if _is_current(entry, seconds):
        return entry
    if caches["shared"].add(f"{key}:recount", 1, RECOUNT_LOCK_SECONDS):
        from .services_jobs import queue_name
        from .tasks import recount_dashboard

        recount_dashboard.using(queue_name=queue_name()).enqueue(user.pk, flt.query(), translation.get_language())
        entry = caches["shared"].get(key) or entry  # the immediate backend has recounted already
    return entry if _is_current(entry, seconds) else {**entry, "recounting": True}


def recount(user_id: int, query: str, language: str) -> bool:
    """The task's body: count the dashboard of that user and filter again and cache it."""
    from xianfeng.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    with translation.override(language):
        try:
            flt = parse_filter(user, dict(parse_qsl(query)))
        except FilterError:
            return False  # the user's organization or a grant changed since: the next view counts
        key = _key(user, flt)
        caches["shared"].set(key, _count(user, flt), settings.DASHBOARD_CACHE_SECONDS * KEEP_FACTOR)
        caches["shared"].delete(f"{key}:recount")
    return True


def _count(user, flt: ReportFilter) -> dict:
    from .views_dashboard import dashboard_context

    counted_at, at_generation = timezone.now(), generation()  # before counting: a refresh meanwhile makes it stale
    html = render_to_string("reports/_dashboard_figures.html", dashboard_context(user, flt))
    return {"figures_html": html, "counted_at": counted_at, "generation": at_generation, "recounting": False}


def _is_current(entry: dict, seconds: int) -> bool:
    age = (timezone.now() - entry["counted_at"]).total_seconds()
    return entry["generation"] == generation() and age < seconds


def _key(user, flt: ReportFilter) -> str:
    # The reach is in the key, not only the user: a new grant must not show yesterday's scope.
    digest = reach_digest(reach_of(user), translation.get_language(), flt.query())
    return f"xf:reports:dashboard:{user.pk}:{digest}"

"""The dashboard does not wait for the rollups, and its cache never outlives what it shows (issue 15 §3).

A reader of /reports/ gets the cells as they are and, when writers marked partitions, one task
for the background worker (at most one per ROLLUPS_REFRESH_SECONDS) and a line saying records
are on their way; once the worker ran, the next view shows them. Its figures are cached per user,
reach and filter, the 刷新 button recounts at once, and a new grant is never answered from the
old scope's cache. Here the task goes to a database queue nobody works, as on a server whose
worker has not come round yet; the test plays the worker by running the task's body.
"""

import re
import uuid

import pytest
from django.core.cache import caches
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import GrantFactory
from xianfeng.reports.dashboard_cache import recount
from xianfeng.reports.rollups_background import run_refresh
from xianfeng.reports.rollups_refresh import has_dirty, refresh_dirty

from .factories import YEAR, activity, record

pytestmark = pytest.mark.django_db

YEAR_QUERY = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}


@pytest.fixture
def worker_behind(settings):
    """Rollups on; tasks queued in a database queue no worker reads; an empty cache."""
    queue = f"rollups-test-{uuid.uuid4().hex[:8]}"
    settings.REPORTS_ROLLUPS = True
    settings.ROLLUPS_REFRESH_SECONDS = 20
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [queue]}}
    settings.REPORTS_TASK_QUEUE = queue
    caches["shared"].clear()
    yield queue
    caches["shared"].clear()


def view(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("reports:dashboard"), {**YEAR_QUERY, **params})
    assert response.status_code == 200
    return response.content.decode()


def shown(page: str, key: str) -> str:
    return re.search(rf'data-figure="{key}">([^<]*)<', page).group(1)


def queued(queue: str, task: str = "refresh_rollups") -> int:
    return DBTaskResult.objects.filter(queue_name=queue, task_path__endswith=task).count()


def work_recounts(queue: str) -> int:
    """Play the worker for the queued dashboard recounts: run each task's body once."""
    ran = 0
    for row in DBTaskResult.objects.filter(queue_name=queue, task_path__endswith="recount_dashboard"):
        recount(*row.args_kwargs["args"])
        row.delete()
        ran += 1
    return ran


def new_record(w, day=None):
    return record(org=w.branch_a, type_code="medicine_delivery", on=day or w.R3.served_on, resident=w.r2)


def test_new_records_reach_the_dashboard_once_the_worker_has_counted_them(client, metric_world, worker_behind):
    w = metric_world
    refresh_dirty()
    page = view(client, w.leader)
    before = int(shown(page, "person_times"))
    assert "data-pending" not in page and queued(worker_behind) == 0

    new_record(w)
    new_record(w)
    page = view(client, w.leader)
    # The reader did not wait: the figure is the counted one, the page says more is coming.
    assert int(shown(page, "person_times")) == before
    assert "data-pending" in page and "正在后台计入" in page
    assert has_dirty() and queued(worker_behind) == 1
    view(client, w.leader)
    view(client, w.leader)
    assert queued(worker_behind) == 1  # one task per interval however many readers come

    assert run_refresh() == 1  # the worker comes round
    page = view(client, w.leader)
    assert int(shown(page, "person_times")) == before + 2
    assert "data-pending" not in page


def test_the_refresh_button_waits_for_the_records_and_recounts(client, metric_world, worker_behind, settings):
    w = metric_world
    settings.DASHBOARD_CACHE_SECONDS = 300
    refresh_dirty()
    before = int(shown(view(client, w.leader), "person_times"))
    events_before = int(shown(view(client, w.leader), "events"))
    new_record(w)
    activity(org=w.branch_a, on=w.R3.served_on, types=["free_clinic"], region=w.r2.village_id, headcount=5)

    cached = view(client, w.leader)
    assert int(shown(cached, "person_times")) == before  # from the cache, and not yet counted
    assert int(shown(cached, "events")) == events_before  # activities too: the page is cached whole
    assert "数字统计于" in cached

    fresh = view(client, w.leader, fresh="1")
    assert int(shown(fresh, "person_times")) == before + 1 + 5
    assert int(shown(fresh, "events")) == events_before + 1
    assert "data-pending" not in fresh and not has_dirty()
    # The recount replaced the cached page, and the filter bar does not carry fresh=1 on.
    assert int(shown(view(client, w.leader), "events")) == events_before + 1
    assert 'name="fresh"' not in fresh


def test_once_new_records_are_counted_the_old_page_is_served_while_the_worker_recounts_it(
    client, metric_world, worker_behind, settings
):
    w = metric_world
    settings.DASHBOARD_CACHE_SECONDS = 300
    refresh_dirty()
    before = int(shown(view(client, w.leader), "person_times"))
    new_record(w)
    view(client, w.leader)
    assert run_refresh() == 1  # the rollups moved: the cached page is no longer current

    page = view(client, w.leader)
    assert int(shown(page, "person_times")) == before  # served at once, not counted in the request
    assert "data-pending" in page
    view(client, w.leader)
    assert queued(worker_behind, "recount_dashboard") == 1  # one recount per page, however many views

    assert work_recounts(worker_behind) == 1
    page = view(client, w.leader)
    assert int(shown(page, "person_times")) == before + 1
    assert "data-pending" not in page
    # Another reader's page was never cached: counted in their own request, with their reach.
    assert int(shown(view(client, w.secretary), "person_times")) < before + 1


def test_a_recount_for_a_user_who_was_disabled_meanwhile_caches_nothing(metric_world, worker_behind, settings):
    w = metric_world
    settings.DASHBOARD_CACHE_SECONDS = 300
    w.leader.is_active = False
    w.leader.save()
    assert recount(w.leader.pk, f"from={YEAR}-01-01&to={YEAR}-12-31", "zh-hans") is False


def test_a_cached_dashboard_is_never_another_readers_or_another_scopes(client, metric_world, worker_behind, settings):
    w = metric_world
    settings.DASHBOARD_CACHE_SECONDS = 300
    refresh_dirty()
    everything = shown(view(client, w.leader), "person_times")
    own_branch = shown(view(client, w.secretary), "person_times")
    assert int(own_branch) < int(everything)  # the secretary's reach is branch_a's subtree

    # Same filter, other readers: each sees their own reach, not the figure cached before them.
    assert shown(view(client, w.secretary), "person_times") == own_branch
    assert shown(view(client, w.leader), "person_times") == everything

    # A wider grant takes effect at the next view, not when the cached page expires.
    GrantFactory(user=w.secretary, role=Role.LEADER, scope=Scope.ALL)
    assert shown(view(client, w.secretary), "person_times") == everything


def test_without_rollups_the_page_counts_the_rows_and_queues_nothing(client, metric_world, worker_behind, settings):
    w = metric_world
    settings.REPORTS_ROLLUPS = False
    before = int(shown(view(client, w.leader), "person_times"))
    new_record(w)
    page = view(client, w.leader)
    assert int(shown(page, "person_times")) == before + 1
    assert "data-pending" not in page and queued(worker_behind) == 0


def test_with_a_worker_that_runs_at_once_the_page_is_never_behind(client, metric_world, settings):
    """The immediate task backend (TASKS_IMMEDIATE, the suite's default) runs both tasks inside the
    view: the rollups' refresh and the recount, so even a cached page shows the new record."""
    w = metric_world
    settings.REPORTS_ROLLUPS = True
    settings.DASHBOARD_CACHE_SECONDS = 300
    caches["shared"].clear()
    before = int(shown(view(client, w.leader), "person_times"))
    new_record(w)
    page = view(client, w.leader)
    assert int(shown(page, "person_times")) == before + 1
    assert "data-pending" not in page
    caches["shared"].clear()


def test_the_worker_and_the_web_processes_share_one_cache_in_production_settings():
    """The recounts and the generation are written by the worker and read by gunicorn's
    processes: a per-process memory cache would keep them apart (the page would stay stale)."""
    from config import settings as production

    shared = production.CACHES["shared"]["BACKEND"]
    assert shared != "django.core.cache.backends.locmem.LocMemCache"
    if not production.REDIS_URL:
        assert shared == "django.core.cache.backends.filebased.FileBasedCache"
        assert production.CACHES["shared"]["LOCATION"] == production.VAR_DIR / "cache"

"""/healthz and /readyz as a load balancer and a monitoring script see them (issue 15 §2)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.audit.models import LoginLog
from xianfeng.health import checks
from xianfeng.health.models import WorkerHeartbeat
from xianfeng.residents.tests.factories import ResidentFactory, county_regions, make_id_number

from .tasks import noop

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(worker_id="ward-server:4242", *, seconds_ago=0, stopped=False, task=""):
    seen = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=worker_id.split(":")[0],
        pid=int(worker_id.split(":")[1]),
        queues="*",
        started_at=seen - datetime.timedelta(hours=1),
        last_seen_at=seen,
        stopped_at=seen if stopped else None,
        current_task=task,
        current_task_since=seen if task else None,
    )


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE
    return settings


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_answers_without_login_database_or_session(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise here
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_healthz_is_an_exact_path(client):
    assert client.get("/healthz/").status_code == 404  # no trailing-slash redirect to follow


# --- /readyz: shape and codes -----------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_shape_with_a_live_worker(client, database_queue):
    beat(seconds_ago=3)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    database, cache, queue, worker = (body["checks"][k] for k in ("database", "cache", "queue", "worker"))
    assert database["status"] == "ok" and database["vendor"] == connection.vendor and database["latency_ms"] >= 0
    assert cache["status"] == "ok" and cache["latency_ms"] >= 0
    assert queue == {
        "status": "ok",
        "backend": "database",
        "depth": 0,
        "oldest_age_seconds": None,
        "max_wait_seconds": 900,
    }
    assert worker["status"] == "up" and worker["alive"] == 1
    assert 3 <= worker["last_heartbeat_age_seconds"] < 10
    assert worker["stale_after_seconds"] == 45


@pytest.mark.django_db
def test_readyz_is_open_to_anonymous_and_writes_nothing(client, database_queue, django_assert_max_num_queries):
    beat()
    with django_assert_max_num_queries(3):  # SELECT 1, the queue, the workers
        response = client.get("/readyz")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    with CaptureQueriesContext(connection) as queries:
        client.get("/readyz")
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
    assert not LoginLog.objects.exists()


@pytest.mark.django_db
def test_readyz_of_a_signed_in_browser_does_not_refresh_its_session(login, world, database_queue):
    client = login(world.owner)
    client.get("/readyz")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert not any(q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")) for q in queries.captured_queries)


@pytest.mark.django_db
def test_no_personal_data_in_the_probes(client, database_queue):
    id_number = make_id_number(datetime.date(1958, 3, 14), serial=77)
    county_regions()
    resident = ResidentFactory(name="欧阳探针", id_number=id_number)
    noop.enqueue(resident.name, id_number)  # a waiting task whose arguments name the person
    beat(task="xianfeng.imports.tasks.run_import")
    for path in ("/readyz", "/readyz?strict=1", "/healthz"):
        text = client.get(path).content.decode("unicode_escape")
        assert resident.name not in text and id_number not in text and id_number[-6:] not in text
        assert "ward-server" not in text  # nor the machines' names: counts and ages only


@pytest.mark.django_db
def test_database_failure_is_503(client, database_queue, monkeypatch):
    def refused():
        return {"status": "fail", "vendor": "postgresql", "error": "OperationalError"}

    monkeypatch.setattr(checks, "check_database", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["queue"]["status"] == "not_measured"


@pytest.mark.django_db
def test_the_database_check_reports_a_failing_query(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise checks.connection.OperationalError("could not connect to server")

    monkeypatch.setattr(checks.connection, "cursor", broken_cursor)
    assert checks.check_database()["status"] == "fail"


@pytest.mark.django_db
def test_cache_failure_is_503(client, database_queue, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(checks.cache, "set", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"status": "fail", "error": "ConnectionError"}


@pytest.mark.django_db
def test_a_cache_that_loses_what_it_was_given_fails(client, database_queue, monkeypatch):
    monkeypatch.setattr(checks.cache, "get", lambda key, default=None: None)
    assert client.get("/readyz").status_code == 503


# --- the queue ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_depth_and_oldest_wait_leave_out_future_runs(database_queue):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    old = noop.enqueue()
    noop.enqueue()
    overdue = noop.using(run_after=now - datetime.timedelta(minutes=5)).enqueue()
    noop.using(run_after=now + datetime.timedelta(days=1)).enqueue()  # tomorrow's reminders: not waiting
    done = noop.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(enqueued_at=now - datetime.timedelta(minutes=2))
    DBTaskResult.objects.filter(pk=overdue.id).update(enqueued_at=now - datetime.timedelta(days=2))
    DBTaskResult.objects.filter(pk=done.id).update(status="SUCCESSFUL", enqueued_at=now - datetime.timedelta(days=9))

    queue, _workers = checks.check_queue_and_workers(now)
    assert queue["depth"] == 3
    # the overdue deferred run has waited since it fell due (5 min), not since it was enqueued
    assert queue["oldest_age_seconds"] == pytest.approx(300, abs=1)
    assert queue["status"] == "ok"


@pytest.mark.django_db
def test_an_old_queue_is_degraded_but_still_200_unless_strict(client, database_queue):
    from django_tasks_db.models import DBTaskResult

    beat()
    waiting = noop.enqueue()
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["queue"]["status"] == "old"
    assert body["checks"]["queue"]["oldest_age_seconds"] >= 3600
    assert client.get("/readyz?strict=1").status_code == 503


@pytest.mark.django_db
def test_without_a_database_queue_the_queue_is_not_measured(client):
    body = client.get("/readyz").json()  # the suite runs tasks immediately: there is no queue
    assert body["checks"]["queue"]["status"] == "not_measured"
    assert body["checks"]["worker"]["status"] == "not_measured"
    assert body["status"] == "ok"


# --- the worker -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_fresh_heartbeat_is_alive(database_queue):
    beat(seconds_ago=40)
    worker = checks.database_workers()
    assert worker["status"] == "up" and worker["alive"] == 1


@pytest.mark.django_db
def test_a_stale_heartbeat_is_down(client, database_queue):
    beat(seconds_ago=50)
    body = client.get("/readyz").json()
    assert body["checks"]["worker"]["status"] == "down"
    assert body["checks"]["worker"]["alive"] == 0
    assert body["checks"]["worker"]["last_heartbeat_age_seconds"] >= 50
    assert body["status"] == "degraded"
    assert client.get("/readyz").status_code == 200  # one dead worker must not empty the pool
    assert client.get("/readyz?strict=1").status_code == 503


@pytest.mark.django_db
def test_a_stopped_worker_is_down_at_once(database_queue):
    beat(seconds_ago=0, stopped=True)
    assert checks.database_workers()["status"] == "down"


@pytest.mark.django_db
def test_no_worker_ever_is_down(client, database_queue):
    worker = client.get("/readyz").json()["checks"]["worker"]
    assert worker == {"status": "down", "alive": 0, "last_heartbeat_age_seconds": None, "stale_after_seconds": 45}


@pytest.mark.django_db
def test_the_stale_window_follows_the_settings(database_queue):
    database_queue.WORKER_STALE_SECONDS = 5
    beat(seconds_ago=8)
    assert checks.database_workers()["status"] == "down"


# --- RQ (REDIS_URL set): rq's own figures -------------------------------------------------------


class FakeJob:
    def __init__(self, enqueued_at):
        self.enqueued_at = enqueued_at


class FakeQueue:
    def __init__(self, name, ages):
        now = timezone.now()
        self.name = name
        self.jobs = [FakeJob(now - datetime.timedelta(seconds=a)) for a in sorted(ages, reverse=True)]

    @property
    def count(self):
        return len(self.jobs)

    def get_jobs(self, offset, length):
        return self.jobs[offset : offset + length]


def test_rq_queues_and_workers_are_read_from_rq(monkeypatch):
    import django_rq
    import rq

    from xianfeng.health.checks import rq_queue_and_workers

    queues = {"default": FakeQueue("default", [30, 5]), "reports": FakeQueue("reports", [120])}
    registered = {"default": ["w1"], "reports": ["w1", "w2"]}  # w1 serves both: counted once
    monkeypatch.setattr(django_rq, "get_queue", lambda name: queues[name])
    monkeypatch.setattr(
        rq.Worker, "all", classmethod(lambda cls, queue: [type("W", (), {"name": n}) for n in registered[queue.name]])
    )
    backend = type("Backend", (), {"queues": {"default", "reports"}})()
    queue, workers = rq_queue_and_workers(backend)
    assert queue["depth"] == 3 and queue["oldest_age_seconds"] == pytest.approx(120, abs=2)
    assert workers == {"status": "up", "alive": 2, "last_heartbeat_age_seconds": None}
    registered.update(default=[], reports=[])
    assert rq_queue_and_workers(backend)[1]["status"] == "down"

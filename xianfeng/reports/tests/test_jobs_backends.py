"""A report job runs the same through both task backends (issue 11 §8, "CI runs the task tests on
both"): the database queue (django-tasks-db, the default) and RQ on Redis (django-tasks-rq, when
REDIS_URL is set). Each test commits for real (a worker reads committed rows), enqueues through
``job_start`` and runs one worker pass in this process; the page then serves the file.

Redis must be running at REDIS_TEST_URL (default redis://127.0.0.1:6379/15): it is here and in CI,
so a missing Redis fails the test with that message instead of skipping it.
"""

import io
import os
import signal
import uuid

import openpyxl
import pytest
import redis
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from xianfeng.reports.models import ReportJob
from xianfeng.reports.services_jobs import job_start

from .test_report_command import PERIOD, make_facts

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def downloaded_person_times(client, user, job) -> int:
    client.force_login(user)
    response = client.get(reverse("reports:job_download", args=[job.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {row[4]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}["person_times"]


def test_a_job_runs_on_the_database_queue(world, client):
    make_facts(world)
    queue = f"reports-test-{uuid.uuid4().hex[:8]}"
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [queue]}}
    with override_settings(TASKS=tasks, REPORTS_TASK_QUEUE=queue):
        job = job_start(acting_user=world.owner, kind="metrics_xlsx", params=PERIOD)
        job.refresh_from_db()
        assert job.status == ReportJob.Status.QUEUED and job.progress == 0  # waiting for a worker
        call_command("db_worker", queue_name=queue, batch=True, interval=0, startup_delay=False)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.progress == 100
    assert downloaded_person_times(client, world.owner, job) == 2


@pytest.fixture
def rq_queue():
    """A dedicated RQ queue on the test Redis, emptied and removed afterwards."""
    from rq import Queue

    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:  # pragma: no cover - only when Redis is down
        pytest.fail(f"Redis is required for the RQ backend test and is not reachable at {REDIS_TEST_URL}: {exc}")
    name = f"xf-reports-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, connection=connection)
    yield name, queue
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)
    connection.close()


def test_a_job_runs_on_rq(world, client, rq_queue):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    make_facts(world)
    name, queue = rq_queue
    tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    rq_queues = {name: {"URL": REDIS_TEST_URL}}
    with override_settings(TASKS=tasks, RQ_QUEUES=rq_queues, REPORTS_TASK_QUEUE=name):
        job = job_start(acting_user=world.owner, kind="metrics_xlsx", params=PERIOD)
        assert queue.count == 1  # on Redis, not run yet
        job.refresh_from_db()
        assert job.status == ReportJob.Status.QUEUED
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        # A worker installs SIGINT/SIGTERM handlers for a graceful stop; the test process keeps
        # its own (pytest-xdist stops its workers with them).
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            assert worker.work(burst=True) is True
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.progress == 100, job.message
    assert queue.count == 0
    assert downloaded_person_times(client, world.owner, job) == 2

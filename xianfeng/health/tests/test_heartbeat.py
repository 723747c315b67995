"""The worker's heartbeat row: written at start, on each beat and at a clean exit; pruned."""

import datetime
import signal

import pytest
from django.core.management import call_command
from django.utils import timezone

from xianfeng.health import checks
from xianfeng.health.heartbeat import LOST, RUNNING, STOPPED, Heartbeat, prune_stopped, worker_state
from xianfeng.health.models import WorkerHeartbeat

from .tasks import noop

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def signal_handlers():
    """The worker installs SIGINT/SIGTERM handlers: give pytest its own back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_started_worker_is_registered_and_alive(database_queue):
    heartbeat = Heartbeat(worker_id="ward-server:101", queues="default", interval=3600)
    heartbeat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="ward-server:101")
        assert row.pid > 0 and row.queues == "default" and row.stopped_at is None
        assert worker_state(row) == RUNNING
        assert checks.database_workers()["alive"] == 1
    finally:
        heartbeat.stop()
    row.refresh_from_db()
    assert row.stopped_at is not None and worker_state(row) == STOPPED
    assert checks.database_workers()["status"] == "down"


def test_a_beat_shows_the_running_task_and_since_when(database_queue):
    heartbeat = Heartbeat(worker_id="ward-server:102", queues="*", interval=3600)
    heartbeat.start()
    heartbeat.task_started("xianfeng.reports.tasks.build_report")
    heartbeat.beat()
    row = WorkerHeartbeat.objects.get(worker_id="ward-server:102")
    assert row.current_task == "xianfeng.reports.tasks.build_report"
    assert timezone.now() - row.current_task_since < datetime.timedelta(seconds=5)
    heartbeat.task_finished()
    heartbeat.beat()
    row.refresh_from_db()
    assert (row.current_task, row.current_task_since, row.tasks_done) == ("", None, 1)
    heartbeat.stop()


def test_a_restarted_worker_with_the_same_name_reuses_its_row(database_queue):
    first = Heartbeat(worker_id="container:1", queues="*", interval=3600)
    first.start()
    first.task_finished()
    first.stop()
    second = Heartbeat(worker_id="container:1", queues="*", interval=3600)
    second.start()
    row = WorkerHeartbeat.objects.get(worker_id="container:1")
    assert row.stopped_at is None and row.tasks_done == 0 and worker_state(row) == RUNNING
    second.stop()


def test_silence_is_lost_after_the_stale_window(settings):
    now = timezone.now()
    row = WorkerHeartbeat(last_seen_at=now - datetime.timedelta(seconds=44), stopped_at=None)
    assert worker_state(row, now) == RUNNING
    row.last_seen_at = now - datetime.timedelta(seconds=46)
    assert worker_state(row, now) == LOST


def test_rows_of_workers_gone_for_a_week_are_pruned():
    now = timezone.now()
    for worker_id, days in (("old:1", 8), ("recent:2", 6), ("vanished:3", 10)):
        seen = now - datetime.timedelta(days=days)
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=worker_id,
            pid=1,
            started_at=seen,
            last_seen_at=seen,
            stopped_at=seen if worker_id != "vanished:3" else None,
        )
    assert prune_stopped(now) == 2
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent:2"]


@pytest.mark.django_db(transaction=True)  # the worker loop closes connections in a transaction
def test_the_db_worker_command_beats_runs_tasks_and_marks_its_clean_exit(database_queue, signal_handlers):
    from django_tasks_db.models import DBTaskResult

    noop.enqueue("a")
    noop.enqueue("b")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    row = WorkerHeartbeat.objects.get()
    assert row.tasks_done == 2 and row.stopped_at is not None and row.current_task == ""
    assert ":" in row.worker_id and row.worker_id.endswith(f":{row.pid}")  # host:pid
    assert all(r.worker_ids == [row.worker_id] for r in DBTaskResult.objects.all())
    assert checks.database_workers()["status"] == "down"  # stopped cleanly: down at once


def test_a_worker_told_to_stop_while_it_registers_is_marked_stopped(database_queue, signal_handlers, monkeypatch):
    """SIGTERM right after start: the library's handler calls sys.exit(0) wherever the main thread
    is — here just after the heartbeat row was written. The worker must still read 已停止, not
    失联 45 s later (CI caught this race with a real process)."""

    def signal_arrives(self, now):
        raise SystemExit(0)

    monkeypatch.setattr(Heartbeat, "_prune", signal_arrives)  # runs right after the row is written
    with pytest.raises(SystemExit):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "w:1", verbosity=0)
    row = WorkerHeartbeat.objects.get(worker_id="w:1")
    assert row.stopped_at is not None and worker_state(row) == STOPPED


@pytest.mark.django_db(transaction=True)  # the worker loop closes connections in a transaction
def test_the_db_worker_command_keeps_the_librarys_options(database_queue, signal_handlers):
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "named-worker", verbosity=0
    )
    assert WorkerHeartbeat.objects.get().worker_id == "named-worker"

"""A task that runs once a day without a cron line (the reminders of issue 10, the retention run
of issue 15): the run enqueues the next one (tomorrow at its hour, Beijing time) through the tasks
backend, and a deployment's start script schedules the first one once, unless one is waiting.
The database backend's worker (``db_worker``) runs it when it is due."""

import datetime

from django.utils import timezone


def next_run_at(hour: int, now: datetime.datetime | None = None) -> datetime.datetime:
    """The next ``hour``:00 local time after ``now``."""
    now = timezone.localtime(now or timezone.now())
    run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return run if run > now else run + datetime.timedelta(days=1)


def pending_run(task_path: str):
    """The waiting run of ``task_path``, if the database backend holds one (other backends: None)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is the shipped default
        return None
    from django_tasks import TaskResultStatus

    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).order_by("run_after").first()


def schedule_next(task, task_path: str, run_after: datetime.datetime):
    """Enqueue ``task`` at ``run_after`` unless a run is waiting; None on a backend that cannot
    defer (the immediate backend of the tests would run it at once, and a self-scheduling task loop)."""
    if not task.get_backend().supports_defer:
        return None
    waiting = pending_run(task_path)
    if waiting is not None and waiting.run_after > timezone.now():
        return waiting
    return task.using(run_after=run_after).enqueue()

"""The daily reminder run, scheduled without a cron line (issue 10 §8): the task enqueues its
next run (tomorrow at REMINDER_HOUR) through the tasks backend, and ``make run`` / a deployment's
start script calls ``manage.py schedule_reminders`` once, which enqueues the first run unless one
is already waiting. The database backend's worker (``db_worker``) runs it when it is due."""

import datetime

from django.conf import settings
from django.utils import timezone

TASK_PATH = "xianfeng.programs.tasks.send_reminders"


def next_run_at(now: datetime.datetime | None = None) -> datetime.datetime:
    now = timezone.localtime(now or timezone.now())
    run = now.replace(hour=settings.REMINDER_HOUR, minute=0, second=0, microsecond=0)
    return run if run > now else run + datetime.timedelta(days=1)


def pending_run():
    """The waiting run, if the database backend holds one (other backends: None)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is the shipped default
        return None
    from django_tasks import TaskResultStatus

    return DBTaskResult.objects.filter(task_path=TASK_PATH, status=TaskResultStatus.READY).order_by("run_after").first()


def schedule_next_reminders(now: datetime.datetime | None = None):
    """Enqueue the next daily run unless one is waiting; None on a backend that cannot defer
    (the immediate backend of the tests runs tasks at once: a self-scheduling task would loop)."""
    from .tasks import send_reminders

    if not send_reminders.get_backend().supports_defer:
        return None
    waiting = pending_run()
    if waiting is not None and waiting.run_after > timezone.now():
        return waiting
    return send_reminders.using(run_after=next_run_at(now)).enqueue()

"""The nightly retention run, scheduled without a cron line like the reminders (xianfeng/core/daily.py):
the task enqueues its next run (tomorrow at RETENTION_HOUR, Beijing time) through the tasks
backend before it works, and a deployment's start script calls ``manage.py schedule_retention``
once, which enqueues the first run unless one is already waiting."""

import datetime

from django.conf import settings

from xianfeng.core import daily

TASK_PATH = "xianfeng.audit.tasks.run_retention"


def next_run_at(now: datetime.datetime | None = None) -> datetime.datetime:
    return daily.next_run_at(int(getattr(settings, "RETENTION_HOUR", 2)), now)


def pending_run():
    return daily.pending_run(TASK_PATH)


def schedule_next_retention(now: datetime.datetime | None = None):
    from .tasks import run_retention

    return daily.schedule_next(run_retention, TASK_PATH, next_run_at(now))

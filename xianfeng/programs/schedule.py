"""The daily reminder run, scheduled without a cron line (issue 10 §8; xianfeng/core/daily.py):
``make run`` / a deployment's start script calls ``manage.py schedule_reminders`` once, and each
run enqueues the next one (tomorrow at REMINDER_HOUR)."""

import datetime

from django.conf import settings

from xianfeng.core import daily

TASK_PATH = "xianfeng.programs.tasks.send_reminders"


def next_run_at(now: datetime.datetime | None = None) -> datetime.datetime:
    return daily.next_run_at(settings.REMINDER_HOUR, now)


def pending_run():
    return daily.pending_run(TASK_PATH)


def schedule_next_reminders(now: datetime.datetime | None = None):
    from .tasks import send_reminders

    return daily.schedule_next(send_reminders, TASK_PATH, next_run_at(now))

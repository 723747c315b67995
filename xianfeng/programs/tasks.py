from django_tasks import task

from . import derivation


@task()
def recompute_program(code: str) -> int:
    """After a settings change: every open enrollment's due date derived again."""
    return derivation.program_recompute(code)


@task()
def send_reminders() -> dict:
    """The daily digest; schedules tomorrow's run before it works, so one failure does not end
    the schedule (schedule.py)."""
    from . import reminders, schedule

    schedule.schedule_next_reminders()
    return reminders.send_daily_digests()

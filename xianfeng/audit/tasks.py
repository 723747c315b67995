from django_tasks import task


@task()
def run_retention() -> dict:
    """The nightly retention run: schedules tomorrow's first (so one failure does not end the
    schedule), then archives the audit logs and deletes expired uploads (retention.py)."""
    from . import retention, schedule

    schedule.schedule_next_retention()
    outcome = retention.retention_run()
    return {
        "archived_rows": outcome.run.archived_rows,
        "archive_files": outcome.run.archive_files,
        "files_purged": outcome.run.files_purged,
        "problems": outcome.problems,
    }

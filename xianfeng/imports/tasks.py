from django_tasks import task

from . import services


@task()
def process_import(job_id: int, commit: bool) -> None:
    services.process(job_id, commit=commit)


@task()
def build_error_workbook(job_id: int) -> None:
    """For a job without a stored error workbook (checked before they were stored, or the
    build failed): built here in the worker, never in a request."""
    services.job_error_workbook_build_saved(job_id)

from django_tasks import task

from . import services


@task()
def process_import(job_id: int, commit: bool) -> None:
    services.process(job_id, commit=commit)

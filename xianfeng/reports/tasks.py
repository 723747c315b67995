"""Background work of the reports app (exports, report generation) with progress.

The task only carries the job's id: the job row holds the parameters, the progress and the
result, so the page reads the same row whichever backend (database queue or RQ) ran it.
"""

from django_tasks import task

from . import services_jobs


@task()
def run_report_job(job_id: int) -> None:
    services_jobs.job_run(job_id)

"""Background work of the reports app: exports and report generation with progress, and the
rollups' refresh (rollups_background).

The task only carries the job's id: the job row holds the parameters, the progress and the
result, so the page reads the same row whichever backend (database queue or RQ) ran it.
"""

from django_tasks import task

from . import services_jobs


@task()
def run_report_job(job_id: int) -> None:
    services_jobs.job_run(job_id)


@task()
def refresh_rollups() -> int:
    """rollups_background.refresh_soon's task: the marked partitions, recomputed off the request."""
    from .rollups_background import run_refresh

    return run_refresh()


@task()
def recount_dashboard(user_id: int, query: str, language: str) -> bool:
    """dashboard_cache's recount of one user's dashboard for one filter, off the request."""
    from .dashboard_cache import recount

    return recount(user_id, query, language)

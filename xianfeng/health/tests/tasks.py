"""Tasks the health tests enqueue (importable by a real worker process too)."""

from django_tasks import task


@task
def noop(*args, **kwargs) -> str:
    return "done"

from django_tasks import task

from . import services


@task()
def recompute_program(code: str) -> int:
    """After a settings change: every open enrollment's due date derived again."""
    return services.program_recompute(code)

"""Deriving an enrollment's state, next due date and misses from its counted visits by its
program's rule (registry.Program.derive): after every visit, void, period and settings change.
Derived values are not a user's edit, so no ChangeLog row: the cause has its own."""

from django.db import transaction

from .configuration import program_settings
from .models import CLOSED_STATUSES, OPEN_STATUSES, Enrollment, Status
from .registry import Program, VisitFact, get_program


def visit_facts(enrollment: Enrollment) -> list[VisitFact]:
    rows = enrollment.visits.filter(counted=True).select_related("record").order_by("visited_on", "id")
    return [VisitFact(on=v.visited_on, kind=v.kind, reached=v.reached, data=v.record.result or {}) for v in rows]


def periods_of(enrollment: Enrollment) -> tuple:
    if enrollment.pk is None:
        return ()
    return tuple(enrollment.periods.order_by("start_on").values_list("kind", "start_on", "end_on"))


def derive(enrollment: Enrollment, prog: Program, *, visits: list[VisitFact], settings: dict) -> None:
    """Set the derived fields from the program's rule (not saved)."""
    derived = prog.derive(
        enrolled_on=enrollment.enrolled_on,
        data=enrollment.data,
        visits=visits,
        settings=settings,
        periods=periods_of(enrollment),
    )
    enrollment.state = derived.state
    enrollment.misses = derived.misses
    reached = [v.on for v in visits if v.reached]
    enrollment.last_visit_on = reached[-1] if reached else None
    if enrollment.status in CLOSED_STATUSES or enrollment.is_voided:
        enrollment.next_due_on = None
        return
    enrollment.next_due_on = derived.next_due_on
    if derived.lost:
        enrollment.status = Status.LOST
    elif reached:
        enrollment.status = Status.ACTIVE
    else:
        enrollment.status = Status.ENROLLED


DERIVED_FIELDS = ["state", "misses", "last_visit_on", "next_due_on", "status", "updated_at"]


def enrollment_recompute(enrollment: Enrollment, *, settings: dict | None = None) -> bool:
    """Derive the enrollment again (after a void, a period or a settings change); True if it
    changed. Not a user's edit: no ChangeLog row (the cause of the change has its own)."""
    prog = get_program(enrollment.program)
    settings = settings if settings is not None else program_settings(prog.code)
    before = [getattr(enrollment, f) for f in DERIVED_FIELDS[:-1]]
    derive(enrollment, prog, visits=visit_facts(enrollment), settings=settings)
    if [getattr(enrollment, f) for f in DERIVED_FIELDS[:-1]] == before:
        return False
    enrollment.save(update_fields=DERIVED_FIELDS)
    return True


def program_recompute(code: str, *, batch: int = 500) -> int:
    """Derive every open enrollment of a program again (after its settings changed)."""
    settings = program_settings(code)
    changed = 0
    ids = list(Enrollment.objects.live().filter(program=code, status__in=OPEN_STATUSES).values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for enrollment in Enrollment.objects.select_for_update().filter(pk__in=ids[start : start + batch]):
                changed += enrollment_recompute(enrollment, settings=settings)
    return changed

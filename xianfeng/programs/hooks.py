"""How programs plug into the service log: a visit's record is corrected here, not there, and a
voided record takes its visit out of the enrollment's history."""

from django.utils.translation import gettext as _

from xianfeng.servicelog import hooks as servicelog_hooks


def visit_edit_refusal(record) -> str | None:
    from .models import Visit

    if Visit.objects.filter(record_id=record.pk).exists():
        return _("这是随访项目的记录：请作废后在项目页面重新登记，以便按项目规则校验")
    return None


def visit_voided(record) -> None:
    from .derivation import enrollment_recompute
    from .models import Enrollment, Visit

    visit_ids = list(Visit.objects.filter(record_id=record.pk).values_list("enrollment_id", flat=True))
    if not visit_ids:
        return
    Visit.objects.filter(record_id=record.pk).update(counted=False)
    for enrollment in Enrollment.objects.select_for_update().filter(pk__in=visit_ids):
        enrollment_recompute(enrollment)


def visit_results(records) -> dict:
    """A visit's data as its program's form labels it (a follow-up's risk level, medication…)."""
    from .fields import display
    from .models import Visit
    from .registry import get_program

    ids = [r.pk for r in records]
    if not ids:
        return {}
    shown = {}
    visits = Visit.objects.filter(record_id__in=ids).select_related("enrollment", "record")
    for visit in visits:
        program = get_program(visit.enrollment.program)
        try:
            fields = list(program.visit_kind(visit.kind).fields)
        except Exception:  # a kind a program no longer has: show the stored keys as they are
            fields = [{"key": key, "label": key} for key in visit.record.result]
        shown[visit.record_id] = display(fields, visit.record.result or {})
    return shown


def register() -> None:
    servicelog_hooks.register_edit_guard(visit_edit_refusal)
    servicelog_hooks.register_void_listener(visit_voided)
    servicelog_hooks.register_result_reader(visit_results)

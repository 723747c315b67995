"""Changing a program's deployment settings (intervals, the open indicator rules): audited, and
what it affects is derived again — every open enrollment's due date, in the background."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xianfeng.accounts.scoping import CHANGE, can, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from .fields import clean_value
from .models import ProgramSetting
from .registry import get_program


@transaction.atomic
def program_setting_change(*, acting_user, program: str, key: str, value) -> ProgramSetting:
    if not can(acting_user, CHANGE, ProgramSetting):
        raise PermissionDenied
    prog = get_program(program)
    try:
        spec = prog.setting_spec(key)
    except KeyError:
        raise ValidationError({"key": f"{prog.name}: {key}?"}) from None
    try:
        value = clean_value(spec.as_field(), value)
    except ValidationError as exc:
        raise ValidationError({key: exc.messages}) from None
    row = ProgramSetting.objects.select_for_update().filter(program=prog.code, key=key).first()
    before = {"value": row.value} if row is not None else {"value": spec.default}
    if row is None:
        row = ProgramSetting(program=prog.code, key=key)
    if before["value"] == value and row.pk is not None:
        return row
    row.value = value
    row.updated_by = acting_user
    row.save()
    ensure_in_scope(acting_user, row, CHANGE)  # settings belong to no org: only an administrator over 全部
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=row,
        before=before,
        after={"value": value},
        note=f"{prog.name} · {spec.label}",
    )
    if spec.affects_due:
        from .tasks import recompute_program

        transaction.on_commit(lambda: recompute_program.enqueue(prog.code))
    return row

"""Voiding (DESIGN.md §4.1): records and activities are voided, never deleted. Shared by
``services.record_void`` and ``services_activities.activity_void``."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write


def void(*, acting_user, obj, reason: str, snapshot: Callable, already: str, uncount: Callable):
    """Take ``obj`` out of every count, with a reason; it stays readable and in the audit.

    Locks the row, checks it is in the user's change scope and not voided yet (``already``: the
    message, with ``%(t)s`` for when it was), stamps when, who and why, lets ``uncount(obj)`` take
    its parts out of the counts and writes the ChangeLog (``snapshot(obj)`` before and after).
    Call it inside the service's transaction. Returns the voided object as saved."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    ensure_in_scope(acting_user, obj, CHANGE)
    if obj.is_voided:
        voided = timezone.localtime(obj.voided_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(already % {"t": voided})
    before = snapshot(obj)
    obj.voided_at = timezone.now()
    obj.voided_by = acting_user
    obj.void_reason = reason[:200]
    obj.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    uncount(obj)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.VOID,
        obj=obj,
        before=before,
        after=snapshot(obj),
        note=reason,
    )
    return obj

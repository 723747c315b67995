"""Swaps between members on the duty roster (issue 12 §1): a member asks to hand their duty to a
colleague (a roster manager may ask for them); a roster manager approves — the duty moves to the
colleague in the same transaction, after the colleague's availability is checked again — or
rejects with a note; the one asking (or a manager) may withdraw a pending request.

Keyword-only, atomic, ``full_clean()``, a ChangeLog row in the same transaction, the scope
checked again after the write (services_roster.py holds the shift and assignment rules).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member

from .models import ShiftAssignment, SwapRequest
from .selectors_roster import has_started, may_manage
from .services_roster import _assignment_snapshot, _check_available

# --- swaps --------------------------------------------------------------------------------------


def _swap_snapshot(swap: SwapRequest, from_member: str = "") -> dict:
    data = snapshot(swap)
    data["from_member"] = from_member or swap.assignment.member.name
    data["to_member_name"] = swap.to_member.name
    return data


def _lock_swap(swap: SwapRequest) -> SwapRequest:
    return (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("assignment__shift__team__owner_org", "assignment__member", "to_member")
        .get(pk=swap.pk)
    )


@transaction.atomic
def swap_request(*, acting_user, assignment: ShiftAssignment, to_member: Member, reason: str) -> SwapRequest:
    """Ask to hand ``assignment`` to ``to_member``. Whoever sees the duty may call this; it is
    refused (a form error, not 403) unless it is the user's own duty or the user manages the roster."""
    assignment = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__team", "member")
        .get(pk=assignment.pk)
    )
    if not scoped(acting_user, ShiftAssignment, VIEW).filter(pk=assignment.pk).exists():
        raise PermissionDenied("assignment outside the user's scope")
    shift = assignment.shift
    own = assignment.member.user_id is not None and assignment.member.user_id == acting_user.pk
    if not own and not may_manage(acting_user, shift):
        raise ValidationError(_("只有本人或排班管理者可以为这条值班申请换班"))
    if has_started(shift):
        raise ValidationError(_("班次已开始，不能再申请换班"))
    if to_member.pk == assignment.member_id:
        raise ValidationError({"to_member": _("接班人员不能是本人")})
    if assignment.swap_requests.filter(status=SwapRequest.Status.PENDING).exists():
        raise ValidationError(_("这条值班已有待审批的换班申请"))
    _check_available(to_member, shift, "to_member")
    swap = SwapRequest(
        assignment=assignment,
        from_member=assignment.member,
        to_member=to_member,
        reason=(reason or "").strip(),
        requested_by=acting_user,
    )
    swap.full_clean(exclude=["requested_by", "decided_by"])
    try:
        with transaction.atomic():
            swap.save()
    except IntegrityError:  # a concurrent request for the same duty
        raise ValidationError(_("这条值班已有待审批的换班申请")) from None
    ensure_in_scope(acting_user, swap, VIEW)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=swap, after=_swap_snapshot(swap))
    return swap


def _decide(acting_user, swap: SwapRequest, status: str, note: str) -> SwapRequest:
    """Record the decision; the duty's member as before the decision stays in the log."""
    before = _swap_snapshot(swap)
    swap.status = status
    swap.decided_by = acting_user
    swap.decided_at = timezone.now()
    swap.decision_note = (note or "").strip()
    swap.full_clean(exclude=["requested_by", "decided_by"])
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    after = _swap_snapshot(swap, from_member=before["from_member"])
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=swap, before=before, after=after)
    return swap


def _pending(swap: SwapRequest) -> None:
    if swap.status != SwapRequest.Status.PENDING:
        raise ValidationError(_("该换班申请已处理（%(s)s）") % {"s": swap.get_status_display()})


@transaction.atomic
def swap_withdraw(*, acting_user, swap: SwapRequest) -> SwapRequest:
    """The one who asked, the duty's member or a roster manager withdraws a pending request."""
    swap = _lock_swap(swap)
    if not scoped(acting_user, SwapRequest, VIEW).filter(pk=swap.pk).exists():
        raise PermissionDenied("swap request outside the user's scope")
    own = swap.requested_by_id == acting_user.pk or swap.assignment.member.user_id == acting_user.pk
    if not own and not may_manage(acting_user, swap.assignment.shift):
        raise ValidationError(_("只有申请人或排班管理者可以撤回换班申请"))
    _pending(swap)
    return _decide(acting_user, swap, SwapRequest.Status.CANCELLED, "")


@transaction.atomic
def swap_approve(*, acting_user, swap: SwapRequest, note: str = "") -> SwapRequest:
    """Move the duty to the colleague, checking again that they are in the team and free."""
    swap = _lock_swap(swap)
    assignment = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("member", "shift__team")
        .get(pk=swap.assignment_id)
    )
    shift = assignment.shift
    ensure_in_scope(acting_user, shift, CHANGE)
    _pending(swap)
    if has_started(shift):
        raise ValidationError(_("班次已开始，不能再换班；请驳回该申请"))
    _check_available(swap.to_member, shift, "to_member")
    swap.assignment = assignment
    _decide(acting_user, swap, SwapRequest.Status.APPROVED, note)
    before = _assignment_snapshot(assignment)
    assignment.member = swap.to_member
    assignment.full_clean()
    assignment.save(update_fields=["member"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=assignment,
        before=before,
        after=_assignment_snapshot(assignment),
        note=_("换班申请 #%(n)d 批准") % {"n": swap.pk},
    )
    ensure_in_scope(acting_user, shift, CHANGE)
    return swap


@transaction.atomic
def swap_reject(*, acting_user, swap: SwapRequest, note: str) -> SwapRequest:
    swap = _lock_swap(swap)
    ensure_in_scope(acting_user, swap.assignment.shift, CHANGE)
    _pending(swap)
    if not (note or "").strip():
        raise ValidationError({"note": _("驳回时请写明原因")})
    return _decide(acting_user, swap, SwapRequest.Status.REJECTED, note)

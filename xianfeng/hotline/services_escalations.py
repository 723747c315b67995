"""Crisis escalations (issue 12 §1): opened by a high-risk call, they alert the duty supervisor at
once and stay open (red on their worklist, a banner on every page) until closed with an outcome.

Who supervises: the shift's supervisor, else the team's leader (队长) on the day, else nobody by
name — then every holder of "hotline.change" over the call sees it (selectors_calls). The time
allowed is settings.HOTLINE_ESCALATION_MINUTES from the moment it was raised; the time taken
(``minutes_to_handle``) runs from the call's start, as the issue asks ("time from call to
escalation handled").
"""

import datetime
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.teams.models import TeamMembership

from .models import Call, Escalation


def supervisor_for(call: Call):
    """The member to alert: the shift's supervisor, else the team's current leader, else None."""
    if call.shift_id and call.shift.supervisor_id:
        return call.shift.supervisor
    if call.team_id:
        day = call.served_on
        leader = (
            TeamMembership.objects.filter(
                Q(end_on__isnull=True) | Q(end_on__gte=day),
                team_id=call.team_id,
                role=TeamMembership.Role.LEADER,
                start_on__lte=day,
            )
            .select_related("member")
            .order_by("start_on", "id")
            .first()
        )
        if leader is not None:
            return leader.member
    return None


def escalation_open(
    *, acting_user, call: Call, raised_at: datetime.datetime | None = None, alert: bool = True
) -> Escalation:
    """Open the escalation of ``call`` (inside the caller's transaction) and alert on commit.
    A call has at most one escalation: a second request returns the first."""
    existing = Escalation.objects.filter(call=call).first()
    if existing is not None:
        return existing
    raised_at = raised_at or timezone.now()
    escalation = Escalation(
        call=call,
        supervisor=supervisor_for(call),
        raised_at=raised_at,
        due_at=raised_at + datetime.timedelta(minutes=settings.HOTLINE_ESCALATION_MINUTES),
    )
    escalation.full_clean(exclude=["call", "supervisor", "acknowledged_by", "closed_by"])
    escalation.save()
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=escalation, after=snapshot(escalation))
    if alert:
        from .alerts import send_escalation_alert

        pk = escalation.pk
        transaction.on_commit(lambda: send_escalation_alert(pk))
    return escalation


def _locked(acting_user, escalation: Escalation) -> Escalation:
    escalation = Escalation.objects.select_for_update(of=("self",)).select_related("call").get(pk=escalation.pk)
    ensure_in_scope(acting_user, escalation, CHANGE)
    if escalation.closed_at is not None:
        raise ValidationError(_("该危机升级已处理完毕，不能再修改"))
    return escalation


@transaction.atomic
def escalation_acknowledge(*, acting_user, escalation: Escalation) -> Escalation:
    """The supervisor takes the crisis over (the alert is seen); a second time changes nothing."""
    escalation = _locked(acting_user, escalation)
    if escalation.acknowledged_at is not None:
        return escalation
    before = snapshot(escalation)
    escalation.acknowledged_at = timezone.now()
    escalation.acknowledged_by = acting_user
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=escalation, before=before, after=snapshot(escalation)
    )
    return escalation


def minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole minutes, rounded up (a crisis handled in 30 min 20 s took 31 minutes), never negative."""
    return max(0, math.ceil((end - start).total_seconds() / 60))


def check_close(outcome: str, outcome_note: str) -> tuple[str, str]:
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("请选择处理结果：危机升级必须写明结果才能关闭")})
    if outcome not in Escalation.Outcome.values:
        raise ValidationError({"outcome": _("未知的处理结果")})
    return outcome, (outcome_note or "").strip()


@transaction.atomic
def escalation_close(
    *, acting_user, escalation: Escalation, outcome: str, outcome_note: str = "", closed_at=None
) -> Escalation:
    """Close with an outcome (required). Records the minutes from the call's start; in time when
    closed by ``due_at``. ``closed_at`` (default now) only for imports of past call logs."""
    outcome, outcome_note = check_close(outcome, outcome_note)
    escalation = _locked(acting_user, escalation)
    now = timezone.now()
    closed_at = closed_at or now
    if closed_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"closed_at": _("处理完成时间不能晚于现在")})
    before = snapshot(escalation)
    escalation.outcome = outcome
    escalation.outcome_note = outcome_note
    escalation.closed_at = closed_at
    escalation.closed_by = acting_user
    if escalation.acknowledged_at is None:  # closing it is taking it over
        escalation.acknowledged_at, escalation.acknowledged_by = closed_at, acting_user
    escalation.minutes_to_handle = minutes_between(escalation.call.started_at, closed_at)
    escalation.full_clean(exclude=["call", "supervisor", "acknowledged_by", "closed_by"])
    escalation.save()
    ensure_in_scope(acting_user, escalation, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=escalation, before=before, after=snapshot(escalation)
    )
    return escalation

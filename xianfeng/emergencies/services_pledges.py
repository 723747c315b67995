"""Writes of 请战书 (issue 13 §6): a member writes theirs on a phone while the emergency is active
and its call to serve is open; a secretary or the 党办 enters a paper pledge for a member of their
scope; the writer withdraws it while not yet selected; a manager declines it.

One live pledge per member and emergency (a withdrawn one does not count); a member already on
an active commando team (current membership, team not dissolved) cannot pledge again: they are
already serving. Keyword-only, atomic, scope checked before and after the write, ChangeLog in the
same transaction (DESIGN.md §4.1).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.selectors import own_member
from xianfeng.teams.models import Team, TeamMembership

from .models import Emergency, Pledge

MAX_TEXT = 5000
LIVE = (Pledge.Status.SUBMITTED, Pledge.Status.SELECTED, Pledge.Status.DECLINED)


@dataclass
class SavedPledge:
    pledge: Pledge
    created: bool  # False: the idempotency key named a pledge made before


def pledge_snapshot(pledge: Pledge) -> dict:
    return snapshot(pledge, exclude=("idempotency_key",))


def current_commando(member: Member, *, today: datetime.date | None = None, exclude_team=None):
    """The member's current membership of an active commando team (突击队), or None."""
    today = today or timezone.localdate()
    rows = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=today),
        member=member,
        start_on__lte=today,
        team__kind=Team.Kind.COMMANDO,
    ).filter(Q(team__active_to__isnull=True) | Q(team__active_to__gte=today))
    if exclude_team is not None:
        rows = rows.exclude(team=exclude_team)
    return rows.select_related("team").first()


def commando_error(member: Member, membership: TeamMembership) -> str:
    return _("%(m)s 已在突击队“%(t)s”中服务（自 %(d)s 起），不能再编入其他突击队") % {
        "m": member.name,
        "t": membership.team.name,
        "d": membership.start_on,
    }


def _emergency(acting_user, emergency: Emergency, today: datetime.date) -> Emergency:
    if not scoped(acting_user, Emergency, VIEW).filter(pk=emergency.pk).exists():
        raise ValidationError({"emergency": _("未找到该应急事件（或不在您的权限范围内）")})
    emergency = Emergency.objects.select_related("org").get(pk=emergency.pk)
    if not emergency.is_active(today):
        raise ValidationError({"emergency": _("该应急事件不在进行中，不能递交请战书")})
    if not emergency.pledges_open:
        raise ValidationError({"emergency": _("该应急事件暂未开放请战书")})
    return emergency


def _writer(acting_user, member: Member | None) -> Member:
    """The member the pledge is for: the user's own member, or a member of their scope."""
    mine = own_member(acting_user)
    if member is None:
        if mine is None:
            raise ValidationError({"member": _("您的账号未关联党员信息，请由支部代为登记")})
        return mine
    if mine is not None and member.pk == mine.pk:
        return mine
    if not scoped(acting_user, Member, VIEW).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("未找到该党员（或不在您的权限范围内）")})
    return member


def check_can_pledge(member: Member, emergency: Emergency, today: datetime.date) -> None:
    if not member.branch_id or not member.branch.path.startswith(emergency.org.path):
        raise ValidationError(
            {"member": _("%(m)s 不属于%(o)s，不能响应本次请战倡议") % {"m": member.name, "o": emergency.org}}
        )
    earlier = Pledge.objects.filter(emergency=emergency, member=member, status__in=LIVE).first()
    if earlier is not None:
        raise ValidationError(
            {
                "member": _("%(m)s 已于 %(d)s 递交过本次请战书（%(s)s），不能重复递交")
                % {"m": member.name, "d": earlier.written_on, "s": earlier.get_status_display()}
            }
        )
    membership = current_commando(member, today=today)
    if membership is not None:
        raise ValidationError({"member": commando_error(member, membership)})


@transaction.atomic
def pledge_submit(
    *,
    acting_user,
    emergency: Emergency,
    text: str,
    willing: str = Pledge.Willing.ANY,
    member: Member | None = None,
    written_on: datetime.date | None = None,
    idempotency_key: str = "",
) -> SavedPledge:
    """A member's 请战书 (``member`` omitted: the signed-in member's own; given: a paper pledge
    entered for a member of the user's scope). A repeated idempotency key returns the pledge
    saved before."""
    key = check_key(idempotency_key)
    earlier = replay(Pledge, acting_user, key)
    if earlier is not None:
        return SavedPledge(earlier, False)
    today = timezone.localdate()
    emergency = _emergency(acting_user, emergency, today)
    member = _writer(acting_user, member)
    # Lock the member: two taps at once cannot both pass the one-pledge check.
    member = Member.objects.select_for_update(of=("self",)).select_related("branch").get(pk=member.pk)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写请战书内容")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("请战书最长 %(n)d 字") % {"n": MAX_TEXT}})
    written_on = written_on or today
    if written_on > today:
        raise ValidationError({"written_on": _("日期不能晚于今天")})
    if written_on < emergency.start_on:
        raise ValidationError({"written_on": _("日期不能早于应急事件开始日期 %(d)s") % {"d": emergency.start_on}})
    check_can_pledge(member, emergency, today)
    pledge = Pledge(
        emergency=emergency,
        member=member,
        written_on=written_on,
        text=text,
        willing=willing,
        status=Pledge.Status.SUBMITTED,
        created_by=acting_user,
        idempotency_key=key,
    )
    pledge.full_clean(exclude=["emergency", "member", "team", "created_by"])
    earlier = save_new(pledge, acting_user=acting_user, key=key)
    if earlier is not None:
        return SavedPledge(earlier, False)
    ensure_in_scope(acting_user, pledge, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=pledge, after=pledge_snapshot(pledge))
    return SavedPledge(pledge, True)


def _locked(acting_user, pledge: Pledge) -> Pledge:
    pledge = (
        Pledge.objects.select_for_update(of=("self",)).select_related("member__branch", "emergency").get(pk=pledge.pk)
    )
    ensure_in_scope(acting_user, pledge, CHANGE)
    return pledge


def _is_writer(acting_user, pledge: Pledge) -> bool:
    return pledge.member.user_id is not None and pledge.member.user_id == acting_user.pk


@transaction.atomic
def pledge_withdraw(*, acting_user, pledge: Pledge, reason: str = "") -> Pledge:
    """The writer takes their pledge back while it has not been picked for a team."""
    pledge = _locked(acting_user, pledge)
    if pledge.status == Pledge.Status.WITHDRAWN:
        raise ValidationError(_("该请战书已撤回"))
    if pledge.status == Pledge.Status.SELECTED:
        raise ValidationError(_("已编入突击队“%(t)s”，不能撤回；请联系党办调整") % {"t": pledge.team})
    before = pledge_snapshot(pledge)
    pledge.status = Pledge.Status.WITHDRAWN
    pledge.save(update_fields=["status", "updated_at"])
    ensure_in_scope(acting_user, pledge, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=pledge,
        before=before,
        after=pledge_snapshot(pledge),
        note=_("撤回请战书") + (f"：{reason.strip()[:100]}" if reason.strip() else ""),
    )
    return pledge


@transaction.atomic
def pledge_decline(*, acting_user, pledge: Pledge, note: str = "") -> Pledge:
    """The committee does not place the volunteer for now (kept on record as 暂未安排)."""
    pledge = _locked(acting_user, pledge)
    if _is_writer(acting_user, pledge) and not acting_user.is_superuser:
        raise ValidationError(_("不能处理自己的请战书"))
    if pledge.status != Pledge.Status.SUBMITTED:
        raise ValidationError(_("只有“已提交”的请战书可以暂不安排（当前：%(s)s）") % {"s": pledge.get_status_display()})
    before = pledge_snapshot(pledge)
    pledge.status = Pledge.Status.DECLINED
    pledge.save(update_fields=["status", "updated_at"])
    ensure_in_scope(acting_user, pledge, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=pledge,
        before=before,
        after=pledge_snapshot(pledge),
        note=_("暂未安排") + (f"：{note.strip()[:100]}" if note.strip() else ""),
    )
    return pledge

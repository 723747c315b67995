"""Writes of the emergency's duty roster (issue 13 §6: closed-ward and on-site rosters with
transport): one shift, its correction, its voiding, and a team's shifts for a run of days in one
time slot (idempotent: a second run adds nobody twice).

A shift ends after it starts and lasts at most 24 hours; the pickup (if any) is before the start;
a member is never on two live shifts at once (in any emergency).
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
from xianfeng.servicelog.voiding import void
from xianfeng.teams.models import Team, TeamMembership

from .models import DutyShift, Emergency

MAX_SHIFT = datetime.timedelta(hours=24)
MAX_PICKUP_AHEAD = datetime.timedelta(hours=6)
MAX_BULK_DAYS = 31
EARLIEST, LATEST = datetime.datetime(1900, 1, 2), datetime.datetime(2199, 12, 30)
SHIFT_EDITABLE = {
    "site_kind",
    "site",
    "member",
    "team",
    "starts_at",
    "ends_at",
    "vehicle",
    "pickup_place",
    "pickup_at",
    "note",
}


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M")


def _emergency(acting_user, emergency: Emergency) -> Emergency:
    emergency = Emergency.objects.select_related("org").get(pk=emergency.pk)
    ensure_in_scope(acting_user, emergency, CHANGE)
    return emergency


def _check_refs(acting_user, member: Member | None, team: Team | None) -> None:
    if member is None:
        raise ValidationError({"member": _("请选择值班人员")})
    if not scoped(acting_user, Member, VIEW).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("未找到该人员（或不在您的权限范围内）")})
    if team is not None and not scoped(acting_user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})


def check_shift(shift: DutyShift, emergency: Emergency) -> None:
    """The shift's own rules: times, the emergency's period, the pickup, no overlap."""
    if shift.starts_at is None or shift.ends_at is None:
        raise ValidationError({"starts_at": _("请填写开始和结束时间")})
    for name in ("starts_at", "ends_at", "pickup_at"):
        value = getattr(shift, name)
        if value is not None and not (EARLIEST <= value.replace(tzinfo=None) <= LATEST):
            raise ValidationError({name: _("时间超出范围")})
    if shift.ends_at <= shift.starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间")})
    if shift.ends_at - shift.starts_at > MAX_SHIFT:
        raise ValidationError({"ends_at": _("一个班次最长 24 小时")})
    day = timezone.localtime(shift.starts_at).date()
    if day < emergency.start_on or (emergency.end_on is not None and day > emergency.end_on):
        raise ValidationError({"starts_at": _("班次须在应急事件期间（%(s)s 起）") % {"s": emergency.start_on}})
    if shift.pickup_at is not None:
        if shift.pickup_at >= shift.starts_at:
            raise ValidationError({"pickup_at": _("接送时间须早于上岗时间")})
        if shift.starts_at - shift.pickup_at > MAX_PICKUP_AHEAD:
            raise ValidationError({"pickup_at": _("接送时间最早为上岗前 6 小时")})
    if (shift.pickup_place or shift.pickup_at) and not (shift.pickup_place and shift.pickup_at):
        raise ValidationError({"pickup_place": _("接送须同时填写接送地点和接送时间")})
    clash = (
        DutyShift.objects.filter(member_id=shift.member_id, voided_at__isnull=True)
        .filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
        .exclude(pk=shift.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _("%(m)s 在 %(s)s–%(e)s 已有班次（%(p)s），时间重叠")
                % {"m": shift.member.name, "s": _local(clash.starts_at), "e": _local(clash.ends_at), "p": clash.site}
            }
        )


def _clean(shift: DutyShift) -> None:
    for name in ("starts_at", "ends_at", "pickup_at"):  # a time without a zone is local time
        value = getattr(shift, name)
        if value is not None and timezone.is_naive(value):
            if not (EARLIEST <= value <= LATEST):
                raise ValidationError({name: _("时间超出范围")})
            setattr(shift, name, timezone.make_aware(value))
    shift.site = (shift.site or "").strip()
    shift.vehicle = (shift.vehicle or "").strip()
    shift.pickup_place = (shift.pickup_place or "").strip()
    shift.note = (shift.note or "").strip()
    shift.full_clean(exclude=["emergency", "member", "team", "created_by", "voided_by"])


@transaction.atomic
def duty_shift_create(
    *,
    acting_user,
    emergency: Emergency,
    site: str,
    member: Member,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    site_kind: str = DutyShift.Site.WARD,
    team: Team | None = None,
    vehicle: str = "",
    pickup_place: str = "",
    pickup_at: datetime.datetime | None = None,
    note: str = "",
) -> DutyShift:
    emergency = _emergency(acting_user, emergency)
    _check_refs(acting_user, member, team)
    member = Member.objects.select_for_update().get(pk=member.pk)  # two shifts at once cannot both pass
    shift = DutyShift(
        emergency=emergency,
        site_kind=site_kind,
        site=site,
        member=member,
        team=team,
        starts_at=starts_at,
        ends_at=ends_at,
        vehicle=vehicle,
        pickup_place=pickup_place,
        pickup_at=pickup_at,
        note=note,
        created_by=acting_user,
    )
    _clean(shift)
    check_shift(shift, emergency)
    shift.save()
    ensure_in_scope(acting_user, shift, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=shift, after=snapshot(shift))
    return shift


@transaction.atomic
def duty_shift_update(*, acting_user, shift: DutyShift, **changes) -> DutyShift:
    unknown = set(changes) - SHIFT_EDITABLE
    if unknown:
        raise TypeError(f"duty_shift_update cannot change {sorted(unknown)}")
    shift = DutyShift.objects.select_for_update(of=("self",)).select_related("emergency").get(pk=shift.pk)
    ensure_in_scope(acting_user, shift, CHANGE)
    if shift.is_voided:
        raise ValidationError(_("该班次已作废"))
    if "member" in changes or "team" in changes:
        _check_refs(acting_user, changes.get("member", shift.member), changes.get("team", shift.team))
    before = snapshot(shift)
    for field, value in changes.items():
        setattr(shift, field, value)
    _clean(shift)
    check_shift(shift, shift.emergency)
    shift.save()
    ensure_in_scope(acting_user, shift, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=shift, before=before, after=snapshot(shift))
    return shift


@transaction.atomic
def duty_shift_void(*, acting_user, shift: DutyShift, reason: str) -> DutyShift:
    return void(
        acting_user=acting_user,
        obj=shift,
        reason=reason,
        snapshot=snapshot,
        already=_("该班次已于 %(t)s 作废"),
        uncount=lambda shift: None,
    )


@dataclass
class BulkResult:
    created: list
    skipped: int  # shifts that already existed (same member, start, end and post)


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


@transaction.atomic
def duty_shifts_bulk(
    *,
    acting_user,
    emergency: Emergency,
    team: Team,
    date_from: datetime.date,
    date_to: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    site: str,
    site_kind: str = DutyShift.Site.WARD,
    vehicle: str = "",
    pickup_place: str = "",
    pickup_minutes_before: int | None = None,
) -> BulkResult:
    """A shift for each current member of ``team`` on each day from ``date_from`` to ``date_to``
    in one time slot (an end time before the start time runs into the next day). A shift that is
    already on the roster is skipped; any other problem refuses the whole run."""
    emergency = _emergency(acting_user, emergency)
    if team is None or not scoped(acting_user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})
    if date_to < date_from:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期")})
    if (date_to - date_from).days >= MAX_BULK_DAYS:
        raise ValidationError({"date_to": _("一次最多排 %(n)d 天") % {"n": MAX_BULK_DAYS}})
    if start_time == end_time:
        raise ValidationError({"end_time": _("结束时间须不同于开始时间")})
    if pickup_minutes_before is not None and not 0 < pickup_minutes_before <= 360:
        raise ValidationError({"pickup_minutes_before": _("提前接送的分钟数须在 1 到 360 之间")})
    created, skipped, errors = [], 0, {}
    day = date_from
    while day <= date_to:
        starts = _aware(day, start_time)
        ends = _aware(day + datetime.timedelta(days=1 if end_time <= start_time else 0), end_time)
        current = TeamMembership.objects.filter(
            Q(end_on__isnull=True) | Q(end_on__gte=day), team=team, start_on__lte=day
        ).select_related("member")
        if not current.exists():
            errors.setdefault("team", []).append(_("%(d)s 该队没有在队成员") % {"d": day})
        for membership in current:
            member = membership.member
            same = DutyShift.objects.filter(
                emergency=emergency,
                member=member,
                starts_at=starts,
                ends_at=ends,
                site=site.strip(),
                voided_at__isnull=True,
            )
            if same.exists():
                skipped += 1
                continue
            pickup_at = starts - datetime.timedelta(minutes=pickup_minutes_before) if pickup_minutes_before else None
            try:
                created.append(
                    duty_shift_create(
                        acting_user=acting_user,
                        emergency=emergency,
                        site=site,
                        site_kind=site_kind,
                        member=member,
                        team=team,
                        starts_at=starts,
                        ends_at=ends,
                        vehicle=vehicle,
                        pickup_place=pickup_place if pickup_at else "",
                        pickup_at=pickup_at,
                    )
                )
            except ValidationError as exc:
                errors.setdefault("__all__", []).extend(f"{day} {member.name}：{m}" for m in exc.messages)
        day += datetime.timedelta(days=1)
    if errors:
        raise ValidationError(errors)
    return BulkResult(created, skipped)

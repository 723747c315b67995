"""Writes of the duty roster (issue 12 §1): shifts, who stands them, and swaps between members.

Rules, in the services so that pages and the API agree:

* A shift belongs to a 热线值守组 (team kind HOTLINE) the user manages ("hotlineroster.change"
  over the team's owner organization), on a day the team exists.
* Only a member of the team on the shift's day (TeamMembership start_on/end_on) stands a duty or
  supervises it; nobody stands two overlapping duties, in any team (a night shift runs past
  midnight, so the day before and after count too).
* A shift a call was logged to keeps its date and times and cannot be deleted: the call's place
  in the roster is history.
* A member asks to hand their duty to a colleague (a roster manager may ask for them); a roster
  manager approves — the duty moves to the colleague in the same transaction, after the
  colleague's availability is checked again — or rejects with a note. The one asking (or a
  manager) may withdraw a pending request.

Keyword-only, atomic, ``full_clean()``, a ChangeLog row in the same transaction, the scope
checked again after the write.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.teams.models import Team

from .models import Shift, ShiftAssignment, SwapRequest
from .selectors_roster import busy_with, has_ended, member_in_team, shift_window

MAX_GENERATE_DAYS = 92  # a quarter at a time
SHIFT_EDITABLE = {"date", "start_time", "end_time", "seats", "supervisor", "note"}
TIMING = {"date", "start_time", "end_time"}


def _busy_message(member: Member, shift: Shift) -> str:
    return _("%(name)s 在 %(day)s %(start)s–%(end)s 已有值班，不能重复安排") % {
        "name": member.name,
        "day": f"{shift.date:%m-%d}",
        "start": f"{shift.start_time:%H:%M}",
        "end": f"{shift.end_time:%H:%M}",
    }


def _not_in_team(member: Member, team: Team, day: datetime.date) -> str:
    return _("%(name)s 在 %(day)s 不是“%(team)s”的成员") % {
        "name": member.name,
        "day": f"{day:%Y-%m-%d}",
        "team": team.name,
    }


def _check_team(team: Team, day: datetime.date, field: str = "team") -> None:
    if team.kind != Team.Kind.HOTLINE:
        raise ValidationError({field: _("只有热线值守组可以排班")})
    if day < team.active_from or (team.active_to is not None and day > team.active_to):
        raise ValidationError({"date": _("%(day)s 值守组“%(team)s”不在存续期内") % {"day": day, "team": team.name}})


def _check_seats(seats) -> None:
    if seats is None or seats < 1:
        raise ValidationError({"seats": _("每个班次至少需要 1 人")})


def _check_supervisor(supervisor: Member | None, team: Team, day: datetime.date) -> None:
    if supervisor is not None and not member_in_team(supervisor, team, day):
        raise ValidationError({"supervisor": _not_in_team(supervisor, team, day)})


def _shift_snapshot(shift: Shift) -> dict:
    data = snapshot(shift)
    data["assignments"] = [a.member.name for a in shift.assignments.select_related("member").order_by("pk")]
    return data


def _lock_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update(of=("self",)).select_related("team__owner_org").get(pk=shift.pk)


# --- shifts -------------------------------------------------------------------------------------


@transaction.atomic
def shift_create(
    *,
    acting_user,
    team: Team,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    seats: int = 1,
    supervisor: Member | None = None,
    note: str = "",
) -> Shift:
    _check_team(team, date)
    _check_seats(seats)
    if Shift.objects.filter(team=team, date=date, start_time=start_time).exists():
        raise ValidationError({"start_time": _("该值守组在这一天这个时间已有班次")})
    _check_supervisor(supervisor, team, date)
    shift = Shift(
        team=team,
        date=date,
        start_time=start_time,
        end_time=end_time,
        seats=seats,
        supervisor=supervisor,
        note=(note or "").strip(),
        created_by=acting_user,
    )
    shift.full_clean(exclude=["created_by"])
    shift.save()
    ensure_in_scope(acting_user, shift, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=shift, after=_shift_snapshot(shift))
    return shift


@dataclass
class Generated:
    created: list[Shift]
    skipped: int  # slots that already had a shift


def parse_slots(*, text: str) -> list[tuple[datetime.time, datetime.time]]:
    """ "08:00-16:00, 16:00-24:00, 00:00-08:00" → [(08:00, 16:00), (16:00, 00:00), (00:00, 08:00)].
    "24:00" is midnight at the end of the day. One slot per start time."""
    slots = []
    for part in text.replace("，", ",").replace("；", ",").replace(";", ",").replace("\n", ",").split(","):
        part = part.strip().replace("–", "-").replace("—", "-").replace("~", "-").replace("～", "-")
        if not part:
            continue
        try:
            start_text, end_text = (p.strip() for p in part.split("-"))
            start, end = _clock(start_text, end=False), _clock(end_text, end=True)
        except ValueError:
            raise ValidationError({"slots": _("时段“%(p)s”格式不对，应写成 08:00-16:00") % {"p": part[:20]}}) from None
        slots.append((start, end))
    if not slots:
        raise ValidationError({"slots": _("请至少填写一个时段")})
    starts = [s for s, _e in slots]
    if len(set(starts)) != len(starts):
        raise ValidationError({"slots": _("时段的开始时间不能重复")})
    if len(slots) > 24:
        raise ValidationError({"slots": _("一天最多 24 个时段")})
    return slots


def _clock(text: str, *, end: bool) -> datetime.time:
    if end and text in ("24:00", "24"):
        return datetime.time(0, 0)
    hours, _sep, minutes = text.partition(":")
    return datetime.time(int(hours), int(minutes or 0))


@transaction.atomic
def shifts_generate(
    *,
    acting_user,
    team: Team,
    date_from: datetime.date,
    date_to: datetime.date,
    slots: list[tuple[datetime.time, datetime.time]],
    seats: int = 1,
    supervisor: Member | None = None,
) -> Generated:
    """One shift per day × slot; a slot that already has a shift (same team, day and start) is
    skipped, so running it twice makes nothing new. All or nothing."""
    if date_to < date_from:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期")})
    days = (date_to - date_from).days + 1
    if days > MAX_GENERATE_DAYS:
        raise ValidationError({"date_to": _("一次最多生成 %(n)d 天的班次") % {"n": MAX_GENERATE_DAYS}})
    existing = set(
        Shift.objects.filter(team=team, date__gte=date_from, date__lte=date_to).values_list("date", "start_time")
    )
    created, skipped = [], 0
    for offset in range(days):
        day = date_from + datetime.timedelta(days=offset)
        for start, end in slots:
            if (day, start) in existing:
                skipped += 1
                continue
            created.append(
                shift_create(
                    acting_user=acting_user,
                    team=team,
                    date=day,
                    start_time=start,
                    end_time=end,
                    seats=seats,
                    supervisor=supervisor,
                )
            )
    return Generated(created=created, skipped=skipped)


@transaction.atomic
def shift_update(*, acting_user, shift: Shift, **changes) -> Shift:
    unknown = set(changes) - SHIFT_EDITABLE
    if unknown:
        raise TypeError(f"shift_update cannot change {sorted(unknown)}")
    shift = _lock_shift(shift)
    ensure_in_scope(acting_user, shift, CHANGE)
    before = _shift_snapshot(shift)
    moved = any(changes[k] != getattr(shift, k) for k in TIMING if k in changes)
    if moved and shift.calls.exists():
        raise ValidationError({"date": _("已有来电登记在该班次，不能再改日期和时间")})
    for field, value in changes.items():
        setattr(shift, field, value.strip() if isinstance(value, str) else value)
    _check_team(shift.team, shift.date, field="date")
    _check_seats(shift.seats)
    if "supervisor" in changes or moved:
        _check_supervisor(shift.supervisor, shift.team, shift.date)
    clash = Shift.objects.filter(team=shift.team, date=shift.date, start_time=shift.start_time).exclude(pk=shift.pk)
    if clash.exists():
        raise ValidationError({"start_time": _("该值守组在这一天这个时间已有班次")})
    if moved:
        window = shift_window(shift.date, shift.start_time, shift.end_time)
        for assignment in shift.assignments.select_related("member"):
            if not member_in_team(assignment.member, shift.team, shift.date):
                raise ValidationError({"date": _not_in_team(assignment.member, shift.team, shift.date)})
            other = busy_with(assignment.member, window, exclude_shift=shift.pk)
            if other is not None:
                raise ValidationError({"start_time": _busy_message(assignment.member, other)})
    shift.full_clean(exclude=["created_by"])
    shift.save()
    ensure_in_scope(acting_user, shift, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=shift, before=before, after=_shift_snapshot(shift)
    )
    return shift


@transaction.atomic
def shift_delete(*, acting_user, shift: Shift) -> None:
    """Delete a shift no call was logged to (its assignments and swap requests go with it; the
    ChangeLog keeps who was on it)."""
    shift = _lock_shift(shift)
    ensure_in_scope(acting_user, shift, CHANGE)
    if shift.calls.exists():
        raise ValidationError(_("已有来电登记在该班次，不能删除"))
    before = _shift_snapshot(shift)
    changelog_write(actor=acting_user, action=ChangeLog.Action.DELETE, obj=shift, before=before)
    shift.delete()


# --- assignments --------------------------------------------------------------------------------


def _check_available(member: Member, shift: Shift, field: str) -> None:
    if not member_in_team(member, shift.team, shift.date):
        raise ValidationError({field: _not_in_team(member, shift.team, shift.date)})
    if shift.assignments.filter(member=member).exists():
        raise ValidationError({field: _("%(name)s 已在该班次") % {"name": member.name}})
    other = busy_with(member, shift_window(shift.date, shift.start_time, shift.end_time), exclude_shift=shift.pk)
    if other is not None:
        raise ValidationError({field: _busy_message(member, other)})


def _assignment_snapshot(assignment: ShiftAssignment) -> dict:
    data = snapshot(assignment)
    data["member_name"] = assignment.member.name
    data["shift_label"] = str(assignment.shift)
    return data


@transaction.atomic
def assignment_add(*, acting_user, shift: Shift, member: Member) -> ShiftAssignment:
    shift = _lock_shift(shift)
    ensure_in_scope(acting_user, shift, CHANGE)
    # A shift that has ended may still be filled in (who actually stood it, recorded afterwards);
    # the ChangeLog shows when. Taking someone off it is refused (assignment_remove).
    _check_available(member, shift, "member")
    assignment = ShiftAssignment(shift=shift, member=member)
    assignment.full_clean()
    assignment.save()
    ensure_in_scope(acting_user, shift, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.CREATE, obj=assignment, after=_assignment_snapshot(assignment)
    )
    return assignment


@transaction.atomic
def assignment_remove(*, acting_user, assignment: ShiftAssignment) -> None:
    """Take a member off a shift that has not ended (a past duty is history)."""
    assignment = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__team", "member")
        .get(pk=assignment.pk)
    )
    ensure_in_scope(acting_user, assignment.shift, CHANGE)
    if has_ended(assignment.shift):
        raise ValidationError(_("班次已结束，值守记录不能移除"))
    if assignment.swap_requests.filter(status=SwapRequest.Status.PENDING).exists():
        raise ValidationError(_("该值守安排有待审批的换班申请，请先批准、驳回或撤回"))
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.DELETE, obj=assignment, before=_assignment_snapshot(assignment)
    )
    assignment.delete()

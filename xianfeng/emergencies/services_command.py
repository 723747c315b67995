"""Writes of an emergency's command (issue 13 §6; DESIGN.md §4.1): the emergency itself, its call
to serve, the daily report's form, working groups and leadership meetings. Keyword-only, atomic,
the emergency locked and checked in the user's "emergencies.change" scope before the write and
again after it, ChangeLog in the same transaction. Leadership meetings are voided, never deleted.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.members.selectors import orgs_for
from xianfeng.servicelog.voiding import void

from . import report_form
from .models import DailyReport, Emergency, LeadershipMeeting, WorkingGroup

EMERGENCY_EDITABLE = {"name", "kind", "start_on", "end_on", "description", "org"}
GROUP_EDITABLE = {"name", "duties", "leader", "members", "order"}


def _locked(acting_user, emergency: Emergency) -> Emergency:
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    ensure_in_scope(acting_user, emergency, CHANGE)
    return emergency


def _log(acting_user, action: str, obj, before: dict | None, after: dict, note: str = "") -> None:
    ensure_in_scope(acting_user, obj, CHANGE)
    changelog_write(actor=acting_user, action=action, obj=obj, before=before, after=after, note=note)


def _check_org(acting_user, org) -> None:
    if org is None:
        raise ValidationError({"org": _("请选择牵头组织")})
    if not orgs_for(acting_user, "emergencies.change").filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或您无权在该组织下指挥应急事件）")})


def _check_dates(emergency: Emergency, today: datetime.date) -> None:
    if emergency.start_on > today:
        raise ValidationError({"start_on": _("开始日期不能晚于今天")})
    if emergency.end_on is not None and emergency.end_on < emergency.start_on:
        raise ValidationError({"end_on": _("结束日期不能早于开始日期")})


def _facts_within(emergency: Emergency) -> None:
    """The reports and meetings already recorded must stay within the emergency's dates."""
    reports = DailyReport.objects.filter(emergency=emergency, voided_at__isnull=True)
    meetings = LeadershipMeeting.objects.filter(emergency=emergency, voided_at__isnull=True)
    for qs, what in ((reports, "day"), (meetings, "held_on")):
        first = qs.order_by(what).values_list(what, flat=True).first()
        last = qs.order_by(f"-{what}").values_list(what, flat=True).first()
        if first is not None and first < emergency.start_on:
            raise ValidationError({"start_on": _("%(d)s 已有记录，开始日期不能晚于它") % {"d": first.isoformat()}})
        if last is not None and emergency.end_on is not None and last > emergency.end_on:
            raise ValidationError({"end_on": _("%(d)s 已有记录，结束日期不能早于它") % {"d": last.isoformat()}})


def _clean(obj) -> None:
    for name in ("name", "title", "description", "duties", "decisions", "call_text"):
        if hasattr(obj, name) and isinstance(getattr(obj, name), str):
            setattr(obj, name, getattr(obj, name).strip())
    obj.full_clean(exclude=["org", "emergency", "leader", "host", "voided_by"], validate_constraints=False)


# --- the emergency -----------------------------------------------------------------------------


@transaction.atomic
def emergency_create(
    *,
    acting_user,
    org,
    name: str,
    start_on: datetime.date,
    kind: str = Emergency.Kind.EPIDEMIC,
    end_on: datetime.date | None = None,
    description: str = "",
) -> Emergency:
    """Open an emergency run by ``org`` (an organization in the user's emergencies.change scope)."""
    _check_org(acting_user, org)
    emergency = Emergency(org=org, name=name, kind=kind, start_on=start_on, end_on=end_on, description=description)
    _clean(emergency)
    _check_dates(emergency, timezone.localdate())
    emergency.save()
    _log(acting_user, ChangeLog.Action.CREATE, emergency, None, snapshot(emergency))
    return emergency


@transaction.atomic
def emergency_update(*, acting_user, emergency: Emergency, **changes) -> Emergency:
    unknown = set(changes) - EMERGENCY_EDITABLE
    if unknown:
        raise TypeError(f"emergency_update cannot change {sorted(unknown)}")
    emergency = _locked(acting_user, emergency)
    before = snapshot(emergency)
    if "org" in changes and changes["org"] != emergency.org:
        _check_org(acting_user, changes["org"])
    for name, value in changes.items():
        setattr(emergency, name, value)
    _clean(emergency)
    _check_dates(emergency, timezone.localdate())
    _facts_within(emergency)
    emergency.save()
    _log(acting_user, ChangeLog.Action.UPDATE, emergency, before, snapshot(emergency))
    return emergency


@transaction.atomic
def emergency_close(*, acting_user, emergency: Emergency, end_on: datetime.date) -> Emergency:
    """End the emergency on ``end_on`` (not in the future); the call to serve closes with it."""
    emergency = _locked(acting_user, emergency)
    if end_on is None:
        raise ValidationError({"end_on": _("请填写结束日期")})
    if end_on > timezone.localdate():
        raise ValidationError({"end_on": _("结束日期不能晚于今天")})
    before = snapshot(emergency)
    emergency.end_on = end_on
    emergency.pledges_open = False
    _check_dates(emergency, timezone.localdate())
    _facts_within(emergency)
    emergency.save(update_fields=["end_on", "pledges_open", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, emergency, before, snapshot(emergency), note=_("结束应急事件"))
    return emergency


@transaction.atomic
def emergency_set_call(*, acting_user, emergency: Emergency, call_text: str, pledges_open: bool) -> Emergency:
    """The call to serve members read on their phones, and whether 请战书 are taken."""
    emergency = _locked(acting_user, emergency)
    before = snapshot(emergency)
    emergency.call_text = (call_text or "").strip()
    emergency.pledges_open = bool(pledges_open)
    if emergency.pledges_open and not emergency.call_text:
        raise ValidationError({"call_text": _("开放请战前请先填写请战倡议")})
    if emergency.pledges_open and not emergency.is_active():
        raise ValidationError({"pledges_open": _("该应急事件已结束，不能再接收请战书")})
    _clean(emergency)
    emergency.save(update_fields=["call_text", "pledges_open", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, emergency, before, snapshot(emergency), note=_("请战倡议"))
    return emergency


def used_report_codes(emergency: Emergency) -> set[str]:
    """The fields that have a number in a live report of the emergency."""
    used: set[str] = set()
    for counts in DailyReport.objects.filter(emergency=emergency, voided_at__isnull=True).values_list(
        "counts", flat=True
    ):
        used.update(code for code, value in (counts or {}).items() if value is not None)
    return used


@transaction.atomic
def emergency_set_report_fields(*, acting_user, emergency: Emergency, fields: list[dict]) -> Emergency:
    """Switch fields off or on, relabel, reorder, add custom ones (report_form.clean_fields)."""
    emergency = _locked(acting_user, emergency)
    before = snapshot(emergency)
    emergency.report_fields = report_form.clean_fields(
        fields, current=report_form.report_fields(emergency), used_codes=used_report_codes(emergency)
    )
    emergency.save(update_fields=["report_fields", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, emergency, before, snapshot(emergency), note=_("日报字段"))
    return emergency


# --- working groups --------------------------------------------------------------------------


def _check_members(acting_user, leader, members) -> list:
    visible = scoped(acting_user, Member, VIEW)
    if leader is not None and not visible.filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("未找到该人员（或不在您的权限范围内）")})
    members = list(members or [])
    ids = {m.pk for m in members}
    if ids and visible.filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"members": _("有成员未找到（或不在您的权限范围内）")})
    return members


def group_snapshot(group: WorkingGroup) -> dict:
    data = snapshot(group)
    if group.pk:
        data["members"] = sorted(group.members.values_list("pk", flat=True))
    return data


def _save_group(group: WorkingGroup) -> None:
    if WorkingGroup.objects.filter(emergency=group.emergency, name=group.name).exclude(pk=group.pk).exists():
        raise ValidationError({"name": _("该应急事件已有名为“%(n)s”的工作组") % {"n": group.name}})
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise ValidationError({"name": _("该应急事件已有名为“%(n)s”的工作组") % {"n": group.name}}) from None


@transaction.atomic
def working_group_create(
    *,
    acting_user,
    emergency: Emergency,
    name: str,
    duties: str = "",
    leader: Member | None = None,
    members=(),
    order: int | None = None,
) -> WorkingGroup:
    emergency = _locked(acting_user, emergency)
    members = _check_members(acting_user, leader, members)
    if order is None:
        order = WorkingGroup.objects.filter(emergency=emergency).count() + 1
    group = WorkingGroup(emergency=emergency, name=name, duties=duties, leader=leader, order=order)
    _clean(group)
    _save_group(group)
    group.members.set(members)
    _log(acting_user, ChangeLog.Action.CREATE, group, None, group_snapshot(group))
    return group


@transaction.atomic
def working_group_update(*, acting_user, group: WorkingGroup, **changes) -> WorkingGroup:
    unknown = set(changes) - GROUP_EDITABLE
    if unknown:
        raise TypeError(f"working_group_update cannot change {sorted(unknown)}")
    group = WorkingGroup.objects.select_for_update(of=("self",)).select_related("emergency").get(pk=group.pk)
    _locked(acting_user, group.emergency)
    before = group_snapshot(group)
    members = changes.pop("members", None)
    leader = changes.get("leader", group.leader)
    _check_members(acting_user, leader if "leader" in changes else None, members)
    for name, value in changes.items():
        setattr(group, name, value)
    _clean(group)
    _save_group(group)
    if members is not None:
        group.members.set(members)
    _log(acting_user, ChangeLog.Action.UPDATE, group, before, group_snapshot(group))
    return group


# --- leadership meetings --------------------------------------------------------------------


def meeting_snapshot(meeting: LeadershipMeeting) -> dict:
    data = snapshot(meeting)
    if meeting.pk:
        data["attendees"] = sorted(meeting.attendees.values_list("pk", flat=True))
    return data


@transaction.atomic
def leadership_meeting_create(
    *,
    acting_user,
    emergency: Emergency,
    held_on: datetime.date,
    title: str,
    host: Member | None = None,
    attendees=(),
    decisions: str = "",
) -> LeadershipMeeting:
    """A meeting of the leading group, on a day within the emergency and not in the future."""
    emergency = _locked(acting_user, emergency)
    attendees = _check_members(acting_user, None, attendees)
    if host is not None and not scoped(acting_user, Member, VIEW).filter(pk=host.pk).exists():
        raise ValidationError({"host": _("未找到该人员（或不在您的权限范围内）")})
    if held_on is None:
        raise ValidationError({"held_on": _("请填写会议日期")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("会议日期不能晚于今天")})
    if held_on < emergency.start_on or (emergency.end_on is not None and held_on > emergency.end_on):
        raise ValidationError({"held_on": _("会议日期须在应急事件期间（%(p)s）") % {"p": period_text(emergency)}})
    meeting = LeadershipMeeting(emergency=emergency, held_on=held_on, title=title, host=host, decisions=decisions)
    _clean(meeting)
    meeting.save()
    meeting.attendees.set(attendees)
    _log(acting_user, ChangeLog.Action.CREATE, meeting, None, meeting_snapshot(meeting))
    return meeting


@transaction.atomic
def leadership_meeting_void(*, acting_user, meeting: LeadershipMeeting, reason: str) -> LeadershipMeeting:
    return void(
        acting_user=acting_user,
        obj=meeting,
        reason=reason,
        snapshot=meeting_snapshot,
        already=_("该会议记录已于 %(t)s 作废"),
        uncount=lambda m: None,
    )


def period_text(emergency: Emergency) -> str:
    end = emergency.end_on.isoformat() if emergency.end_on else _("至今")
    return f"{emergency.start_on.isoformat()} ~ {end}"

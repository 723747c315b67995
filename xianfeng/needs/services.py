"""Writes of the needs ledger 民情台账 (issue 12 §2; DESIGN.md §4.1): keyword-only, atomic, the
need locked and checked in the user's "needs.change" scope before the write and again after it,
ChangeLog in the same transaction. Needs are voided, never deleted.

The life of a need: open (待办) → in progress (办理中, on assignment or when work starts) →
resolved (已解决: needs at least one service record as evidence) or closed unresolved (未解决,
with the reason). A closed need can be reopened with a reason; a voided need takes no action.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog import selectors as servicelog_selectors
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.voiding import void
from xianfeng.teams.models import Team

from .models import CLOSED_STATUSES, OPEN_STATUSES, Need, Status

# What need_update may change; assignment, status and evidence have their own services.
NEED_EDITABLE = {
    "title",
    "description",
    "category",
    "source",
    "raised_by_name",
    "raised_on",
    "due_on",
    "resident",
    "household",
    "org",
}
# Imported ledgers: a need closed as resolved before Xianfeng has no evidence record; its
# resolution note says so (see imports.py).
HISTORY_NOTE = "历史台账导入"


@dataclass
class Saved:
    need: Need
    created: bool  # False: the idempotency key named a need made before


def need_snapshot(need: Need, *, with_records: bool = True) -> dict:
    data = snapshot(need, exclude=("idempotency_key", "village_code", "township_code", "county_code"))
    if need.pk and with_records:
        data["records"] = sorted(need.records.values_list("pk", flat=True))
    return data


def _locked(acting_user, need: Need) -> Need:
    need = Need.objects.select_for_update().get(pk=need.pk)
    ensure_in_scope(acting_user, need, CHANGE)
    return need


def _live(need: Need) -> None:
    if need.is_voided:
        raise ValidationError(_("该诉求已作废，不能再办理"))


def _must_be_open(need: Need) -> None:
    _live(need)
    if need.status not in OPEN_STATUSES:
        raise ValidationError(_("该诉求已办结（%(s)s），如需继续办理请先重新打开") % {"s": need.get_status_display()})


def _log(acting_user, action, need: Need, before: dict | None, note: str = "") -> None:
    ensure_in_scope(acting_user, need, CHANGE)
    changelog_write(actor=acting_user, action=action, obj=need, before=before, after=need_snapshot(need), note=note)


# --- checks of the fields ------------------------------------------------------------------


def _subject(acting_user, resident: Resident | None, household: Household | None):
    """(resident, household, village code): a resident implies their household."""
    if resident is None and household is None:
        raise ValidationError({"resident": _("请选择提出诉求的居民或户")})
    if resident is not None:
        if not scoped(acting_user, Resident, VIEW).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": _("未找到该居民（或不在您的权限范围内）")})
        if resident.merged_into_id:
            raise ValidationError({"resident": _("该居民记录已合并到另一条记录，请在合并后的记录上登记")})
    if household is not None and not scoped(acting_user, Household, VIEW).filter(pk=household.pk).exists():
        raise ValidationError({"household": _("未找到该户（或不在您的权限范围内）")})
    if resident is not None and household is not None and resident.household_id != household.pk:
        raise ValidationError({"household": _("该居民不属于所选的户")})
    if resident is not None:
        return resident, resident.household, resident.village_id
    return None, household, household.village_id


def _check_member(acting_user, member, on: datetime.date) -> None:
    """A member the user may name: those in scope, themselves and their teammates."""
    if member is None:
        return
    if not servicelog_selectors.provider_queryset(acting_user, on).filter(pk=member.pk).exists():
        raise ValidationError({"assigned_member": _("未找到该成员（或不在您的权限范围内）")})


def _check_team(acting_user, team) -> None:
    if team is None:
        return
    if not scoped(acting_user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"assigned_team": _("未找到该队伍（或不在您的权限范围内）")})
    if team.active_to is not None and team.active_to < timezone.localdate():
        raise ValidationError({"assigned_team": _("该队伍已撤销")})


def _check_org(acting_user, org) -> None:
    if org is not None and not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})


def _check_dates(need: Need, today: datetime.date) -> None:
    if need.raised_on > today:
        raise ValidationError({"raised_on": _("反映日期不能晚于今天")})
    if need.due_on is not None and need.due_on < need.raised_on:
        raise ValidationError({"due_on": _("办结期限不能早于反映日期")})


def _default_org(acting_user, need: Need):
    """The responsible organization: the assignee's branch, the team's owner, the recorder's
    branch, or the user's own organization."""
    if need.assigned_member is not None and need.assigned_member.branch_id:
        return need.assigned_member.branch
    if need.assigned_team is not None:
        return need.assigned_team.owner_org
    if need.recorded_by_member is not None and need.recorded_by_member.branch_id:
        return need.recorded_by_member.branch
    return acting_user.org if getattr(acting_user, "org_id", None) else None


def _clean(need: Need) -> None:
    need.title = (need.title or "").strip()
    need.description = (need.description or "").strip()
    need.raised_by_name = (need.raised_by_name or "").strip()
    need.full_clean(
        exclude=[
            "org",
            "resident",
            "household",
            "assigned_member",
            "assigned_team",
            "recorded_by_member",
            "created_by",
            "voided_by",
        ]
    )


# --- create and correct ----------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    acting_user,
    title: str,
    category: str,
    resident: Resident | None = None,
    household: Household | None = None,
    description: str = "",
    source: str = "visit",
    raised_by_name: str = "",
    raised_on: datetime.date | None = None,
    org: Organization | None = None,
    assigned_member=None,
    assigned_team=None,
    due_on: datetime.date | None = None,
    recorded_by_member=None,
    idempotency_key: str = "",
) -> Saved:
    """Record a need raised by or for a resident or household. Given an assignee (a member or a
    team) it starts in progress. Returns the need and whether it is new (an idempotency key
    repeated by the same user names the need made before)."""
    key = check_key(idempotency_key)
    earlier = replay(Need, acting_user, key)
    if earlier is not None:
        return Saved(earlier, False)
    today = timezone.localdate()
    resident, household, village = _subject(acting_user, resident, household)
    raised_on = raised_on or today
    _check_member(acting_user, assigned_member, today)
    _check_team(acting_user, assigned_team)
    _check_org(acting_user, org)
    need = Need(
        title=title,
        description=description,
        category=category,
        source=source,
        resident=resident,
        household=household,
        raised_by_name=raised_by_name,
        raised_on=raised_on,
        recorded_by_member=recorded_by_member or servicelog_selectors.own_member(acting_user),
        assigned_member=assigned_member,
        assigned_team=assigned_team,
        due_on=due_on,
        status=Status.IN_PROGRESS if (assigned_member or assigned_team) else Status.OPEN,
        created_by=acting_user,
        idempotency_key=key,
    )
    need.org = org or _default_org(acting_user, need)
    if need.org is None:
        raise ValidationError({"org": _("请选择责任组织")})
    need.set_place(village)
    _check_dates(need, today)
    _clean(need)
    earlier = save_new(need, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request
        return Saved(earlier, False)
    _log(acting_user, ChangeLog.Action.CREATE, need, None)
    return Saved(need, True)


@transaction.atomic
def need_update(*, acting_user, need: Need, **changes) -> Need:
    """Correct what was recorded; the ChangeLog keeps what it was. Closed needs are reopened first."""
    unknown = set(changes) - NEED_EDITABLE
    if unknown:
        raise TypeError(f"need_update cannot change {sorted(unknown)}")
    need = _locked(acting_user, need)
    _must_be_open(need)
    before = need_snapshot(need)
    if "resident" in changes or "household" in changes:
        # A new resident brings their own household unless one is given with them.
        household_default = None if "resident" in changes else need.household
        resident = changes.pop("resident", need.resident)
        household = changes.pop("household", household_default)
        resident, household, village = _subject(acting_user, resident, household)
        need.resident, need.household = resident, household
        need.set_place(village)
    if "org" in changes:
        _check_org(acting_user, changes["org"])
        if changes["org"] is None:
            raise ValidationError({"org": _("请选择责任组织")})
    for field, value in changes.items():
        setattr(need, field, value)
    _check_dates(need, timezone.localdate())
    _clean(need)
    need.save()
    _log(acting_user, ChangeLog.Action.UPDATE, need, before)
    return need


# --- the life of a need ----------------------------------------------------------------------


@transaction.atomic
def need_assign(
    *, acting_user, need: Need, member=None, team=None, due_on: datetime.date | None = None, note: str = ""
) -> Need:
    """Make a member and/or a team responsible (with a due date); an open need is then in progress."""
    if member is None and team is None:
        raise ValidationError({"assigned_member": _("请选择责任人或责任队伍")})
    need = _locked(acting_user, need)
    _must_be_open(need)
    _check_member(acting_user, member, timezone.localdate())
    _check_team(acting_user, team)
    before = need_snapshot(need)
    need.assigned_member = member
    need.assigned_team = team
    if due_on is not None:
        need.due_on = due_on
    _check_dates(need, timezone.localdate())
    need.status = Status.IN_PROGRESS
    need.save(update_fields=["assigned_member", "assigned_team", "due_on", "status", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, need, before, note=note.strip() or _("分派"))
    return need


@transaction.atomic
def need_start(*, acting_user, need: Need) -> Need:
    """Mark an open need as being worked on."""
    need = _locked(acting_user, need)
    _must_be_open(need)
    if need.status == Status.IN_PROGRESS:
        raise ValidationError(_("该诉求已在办理中"))
    before = need_snapshot(need)
    need.status = Status.IN_PROGRESS
    need.save(update_fields=["status", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, need, before, note=_("开始办理"))
    return need


def evidence_problems(acting_user, need: Need, records) -> list[str]:
    """Why each record cannot prove that ``need`` was resolved ([] when all can). A record is
    evidence when it is live, within the user's view, for the same resident or household (or
    one of the household's members) and served on or after the day the need was raised."""
    problems = []
    visible = set(
        scoped(acting_user, ServiceRecord, VIEW).filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True)
    )
    for record in records:
        label = f"#{record.pk}"
        if record.pk not in visible:
            problems.append(_("未找到服务记录 %(r)s（或不在您的权限范围内）") % {"r": label})
            continue
        if record.is_voided:
            problems.append(_("服务记录 %(r)s 已作废") % {"r": label})
        elif not _same_subject(need, record):
            problems.append(_("服务记录 %(r)s 的服务对象不是该诉求的居民或户") % {"r": label})
        elif record.served_on < need.raised_on:
            problems.append(_("服务记录 %(r)s 早于诉求的反映日期") % {"r": label})
    return problems


def _same_subject(need: Need, record: ServiceRecord) -> bool:
    if need.resident_id and record.resident_id == need.resident_id:
        return True
    if need.household_id:
        if record.household_id == need.household_id:
            return True
        if record.resident_id and record.resident.household_id == need.household_id:
            return True
    return False


@transaction.atomic
def need_resolve(
    *, acting_user, need: Need, records, resolution_note: str = "", closed_on: datetime.date | None = None
) -> Need:
    """Close a need as resolved, with the service records that resolved it (at least one)."""
    need = _locked(acting_user, need)
    _must_be_open(need)
    records = list(ServiceRecord.objects.select_related("resident").filter(pk__in=[r.pk for r in records or []]))
    if not records:
        raise ValidationError({"records": _("请至少选择一条服务记录作为解决依据（如送药上门、代办代购的记录）")})
    problems = evidence_problems(acting_user, need, records)
    if problems:
        raise ValidationError({"records": problems})
    today = timezone.localdate()
    closed_on = closed_on or today
    if closed_on > today:
        raise ValidationError({"closed_on": _("办结日期不能晚于今天")})
    if closed_on < need.raised_on:
        raise ValidationError({"closed_on": _("办结日期不能早于反映日期")})
    latest = max(r.served_on for r in records)
    if closed_on < latest:
        raise ValidationError({"closed_on": _("办结日期不能早于所选服务记录的日期（%(d)s）") % {"d": latest}})
    before = need_snapshot(need)
    need.status = Status.RESOLVED
    need.closed_on = closed_on
    need.resolution_note = (resolution_note or "").strip()
    need.close_reason = ""
    need.save(update_fields=["status", "closed_on", "resolution_note", "close_reason", "updated_at"])
    need.records.add(*records)
    _log(acting_user, ChangeLog.Action.UPDATE, need, before, note=_("办结：已解决"))
    return need


@transaction.atomic
def need_close_unresolved(*, acting_user, need: Need, reason: str, closed_on: datetime.date | None = None) -> Need:
    """Close a need that could not be resolved; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写未能解决的原因")})
    need = _locked(acting_user, need)
    _must_be_open(need)
    today = timezone.localdate()
    closed_on = closed_on or today
    if closed_on > today or closed_on < need.raised_on:
        raise ValidationError({"closed_on": _("办结日期须在反映日期和今天之间")})
    before = need_snapshot(need)
    need.status = Status.UNRESOLVED
    need.closed_on = closed_on
    need.close_reason = reason[:200]
    need.save(update_fields=["status", "closed_on", "close_reason", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, need, before, note=_("办结：未解决（%(r)s）") % {"r": reason[:100]})
    return need


@transaction.atomic
def need_reopen(*, acting_user, need: Need, reason: str) -> Need:
    """Open a closed need again (the problem came back, closed by mistake). Its evidence stays
    linked; the ChangeLog keeps how it had been closed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写重新打开的原因")})
    need = _locked(acting_user, need)
    _live(need)
    if need.status not in CLOSED_STATUSES:
        raise ValidationError(_("该诉求尚未办结，无需重新打开"))
    before = need_snapshot(need)
    need.status = Status.IN_PROGRESS if (need.assigned_member_id or need.assigned_team_id) else Status.OPEN
    need.closed_on = None
    need.close_reason = ""
    need.save(update_fields=["status", "closed_on", "close_reason", "updated_at"])
    _log(acting_user, ChangeLog.Action.UPDATE, need, before, note=_("重新打开：%(r)s") % {"r": reason[:200]})
    return need


@transaction.atomic
def need_void(*, acting_user, need: Need, reason: str) -> Need:
    """A need recorded by mistake (a duplicate, the wrong person): out of every figure, still readable."""
    return void(
        acting_user=acting_user,
        obj=need,
        reason=reason,
        snapshot=need_snapshot,
        already=_("该诉求已于 %(t)s 作废"),
        uncount=lambda need: None,  # the figures read only live needs
    )


@transaction.atomic
def need_resolve_with_new_record(*, acting_user, need: Need, record_fields: dict, resolution_note: str = "") -> Need:
    """Record the service that resolved the need on the spot (through the service log's own
    service, with its permission and rules) and close the need with it: both or neither."""
    from xianfeng.servicelog.services import record_create

    subject = {"resident": need.resident} if need.resident_id else {"household": need.household}
    saved = record_create(acting_user=acting_user, **subject, **record_fields)
    return need_resolve(
        acting_user=acting_user,
        need=need,
        records=[saved.record],
        resolution_note=resolution_note,
    )

"""Writes of hotline calls (issue 12 §1): log, correct, void — each with its ServiceRecord, so a
call is one more 人次 of 心理援助热线 (or 线上心理服务) in every figure.

Who may log a call: a holder of "hotline.change" over the organization that owns the duty team
(the call's ``org``). The shift is the one given, else the team's shift covering the call's start;
a member not assigned to that shift is allowed but flagged (``off_roster``, issue 12 "bad input").
A high-risk call (rules.must_escalate) always opens an escalation in the same transaction, and
its alert leaves on commit. Nothing is half-saved: the call, its record, its escalation and their
ChangeLog rows are one transaction.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, NO_GRANT, VIEW, ensure_in_scope, permission_filter, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.residents.validators import validate_phone
from xianfeng.servicelog import selectors as servicelog_selectors
from xianfeng.servicelog.derived import derived_record_create, derived_record_void
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.models import ServiceType
from xianfeng.teams.models import Team, TeamMembership

from . import rules
from .models import CHANNEL_SERVICE_TYPE, MAX_CALL_MINUTES, Call, Escalation, Shift
from .services_escalations import escalation_open

FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # a phone's clock a little ahead is not the future
CALLER_FIELDS = {"caller_gender", "caller_age_group", "callback_phone", "region"}
CALL_FIELDS = {
    "started_at",
    "duration_minutes",
    "channel",
    "taken_by",
    "team",
    "shift",
    "topic",
    "intervention",
    "outcome",
    "note",
    *CALLER_FIELDS,
    *rules.RISK_FIELDS,
}
UPDATE_FIELDS = {"duration_minutes", "topic", "intervention", "outcome", "note", *CALLER_FIELDS, *rules.RISK_FIELDS}


@dataclass
class SavedCall:
    call: Call
    created: bool  # False: the idempotency key named a call logged before
    escalation: Escalation | None = None


def call_snapshot(call: Call) -> dict:
    return snapshot(call, exclude=("idempotency_key", "village_code", "township_code", "county_code"))


# --- who may log for which team ------------------------------------------------------------


def loggable_teams(user, on: datetime.date | None = None) -> list[Team]:
    """Active 热线值守组 the user may log calls for: teams whose owner organization lies in the
    user's "hotline.change" grants (the permission applied to Team rows, as scoped() would; a
    supervising doctor reads no team list, yet logs for the hotline they supervise)."""
    on = on or timezone.localdate()
    if user.is_superuser:
        teams = Team.objects.all()
    else:
        allowed = permission_filter(user, Team, "hotline.change")
        if allowed is NO_GRANT:
            return []
        teams = Team.objects.all() if allowed is None else Team.objects.filter(allowed)
    teams = teams.filter(Q(active_to__isnull=True) | Q(active_to__gte=on), kind=Team.Kind.HOTLINE)
    return list(teams.select_related("owner_org").order_by("name"))


def _ensure_may_log(user, call: Call) -> None:
    """After the write: the call lies in the user's "hotline.change" grants themselves (not only
    through owning it, which every author does) — nobody logs a call into another org."""
    if user.is_superuser:
        return
    allowed = permission_filter(user, Call, "hotline.change")
    if allowed is NO_GRANT:
        raise PermissionDenied
    if allowed is not None and not Call.objects.filter(allowed, pk=call.pk).exists():
        raise PermissionDenied


# --- shifts --------------------------------------------------------------------------------


def shift_covering(team: Team, when: datetime.datetime) -> tuple[Shift | None, bool]:
    """The team's shift covering the moment ``when`` (a night shift runs past midnight), and
    whether the team keeps a roster for that day at all."""
    local = timezone.localtime(when)
    day, moment = local.date(), local.time()
    shifts = list(Shift.objects.filter(team=team, date__in=[day - datetime.timedelta(days=1), day]))
    rostered = any(s.date == day for s in shifts)
    for shift in sorted(shifts, key=lambda s: (s.date, s.start_time), reverse=True):
        if shift.date == day:
            covers = moment >= shift.start_time if shift.overnight else shift.start_time <= moment < shift.end_time
        else:
            covers = shift.overnight and moment < shift.end_time
        if covers:
            return shift, True
    return None, rostered


def _team_and_shift(user, fields: dict) -> tuple[Team, Shift | None]:
    shift, team = fields.get("shift"), fields.get("team")
    if shift is not None:
        if not scoped(user, Shift, VIEW).filter(pk=shift.pk).exists():
            raise ValidationError({"shift": _("未找到该班次（或不在您的权限范围内）")})
        if team is not None and team.pk != shift.team_id:
            raise ValidationError({"shift": _("该班次不属于所选值守组")})
        team = shift.team
    if team is None:
        teams = loggable_teams(user)
        if len(teams) != 1:
            raise ValidationError({"team": _("请选择值守组")})
        team = teams[0]
    if team.kind != Team.Kind.HOTLINE:
        raise ValidationError({"team": _("“%(t)s”不是热线值守组") % {"t": team.name}})
    if team.pk not in {t.pk for t in loggable_teams(user)}:
        raise ValidationError({"team": _("您不能为该值守组登记来电")})
    return team, shift


def _check_taken_by(user, member: Member | None, team: Team, shift: Shift | None, day) -> Member:
    if member is None:
        member = servicelog_selectors.own_member(user)
        if member is None:
            raise ValidationError({"taken_by": _("请选择接线人员（您的账号未关联人员）")})
        return member
    if member == servicelog_selectors.own_member(user):
        return member
    in_team = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=day), team=team, member=member, start_on__lte=day
    ).exists()
    on_shift = shift is not None and shift.assignments.filter(member=member).exists()
    if in_team or on_shift or scoped(user, Member, VIEW).filter(pk=member.pk).exists():
        return member
    raise ValidationError({"taken_by": _("未找到该接线人员（或不在您的权限范围内）")})


# --- the caller and the screen -------------------------------------------------------------


def _region_code(code) -> str:
    code = (code or "").strip() if isinstance(code, str) else (code.pk if code is not None else "")
    if code and not Region.objects.filter(pk=code).exists():
        raise ValidationError({"region": _("未知的行政区划代码“%(c)s”") % {"c": code}})
    return code


def _check_started_at(started_at, now) -> datetime.datetime:
    if started_at is None:
        raise ValidationError({"started_at": _("请填写来电时间")})
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at)
    if started_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"started_at": _("来电时间不能晚于现在")})
    if started_at.year < 2000:
        raise ValidationError({"started_at": _("来电时间有误")})
    return started_at


def _check_duration(value) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"duration_minutes": _("通话时长须为整数分钟")})
    if value < 0 or value > MAX_CALL_MINUTES:
        raise ValidationError({"duration_minutes": _("通话时长须在 0 到 %(m)s 分钟之间") % {"m": MAX_CALL_MINUTES}})
    return value


def _apply_caller(call: Call, fields: dict) -> None:
    if "caller_gender" in fields:
        call.caller_gender = fields["caller_gender"] or ""
    if "caller_age_group" in fields:
        call.caller_age_group = fields["caller_age_group"] or ""
    if "callback_phone" in fields:
        try:
            call.callback_phone = validate_phone(fields["callback_phone"])
        except ValidationError as exc:
            raise ValidationError({"callback_phone": exc.messages}) from None
    if "region" in fields:
        call.set_place(_region_code(fields["region"]))


def _full_clean(call: Call) -> None:
    call.full_clean(exclude=["org", "taken_by", "team", "shift", "created_by", "voided_by", "record"])


def build_call(acting_user, fields: dict, *, now: datetime.datetime) -> Call:
    """A new, unsaved call from ``fields``, every rule checked (also used by the import's check)."""
    unknown = set(fields) - CALL_FIELDS
    if unknown:
        raise TypeError(f"call_log got unknown fields {sorted(unknown)}")
    started_at = _check_started_at(fields.get("started_at"), now)
    duration = _check_duration(fields.get("duration_minutes"))
    team, shift = _team_and_shift(acting_user, fields)
    day = timezone.localtime(started_at).date()
    taken_by = _check_taken_by(acting_user, fields.get("taken_by"), team, shift, day)
    rostered = shift is not None
    if shift is None:
        shift, rostered = shift_covering(team, started_at)
    off_roster = rostered and (shift is None or not shift.assignments.filter(member=taken_by).exists())
    if not fields.get("topic"):
        raise ValidationError({"topic": _("请选择主要问题")})
    if not fields.get("outcome"):
        raise ValidationError({"outcome": _("请选择处理结果")})
    call = Call(
        org=team.owner_org,
        served_on=day,
        started_at=started_at,
        duration_minutes=duration,
        channel=fields.get("channel") or Call._meta.get_field("channel").default,
        taken_by=taken_by,
        team=team,
        shift=shift,
        off_roster=off_roster,
        topic=fields["topic"],
        intervention=(fields.get("intervention") or "").strip(),
        outcome=fields["outcome"],
        note=(fields.get("note") or "").strip(),
        created_by=acting_user,
        **{field: bool(fields.get(field)) for field in rules.RISK_FIELDS},
    )
    call.risk_level = rules.risk_level(rules.answers_of(call))
    _apply_caller(call, fields)
    _full_clean(call)
    return call


# --- the call's service record ---------------------------------------------------------------


def _service_type(channel: str) -> ServiceType:
    return ServiceType.objects.get(code=CHANNEL_SERVICE_TYPE[channel])


def _record(acting_user, call: Call):
    """心理援助热线 / 线上心理服务 for nobody by name (the caller is anonymous), at the caller's
    region if given; the duty member's hours are the call's duration."""
    service_type = _service_type(call.channel)
    return derived_record_create(
        acting_user=acting_user,
        service_type=service_type,
        org=call.org,
        served_on=call.served_on,
        place_code=call.place_code,
        providers=[(call.taken_by, rules.hours_of(call.duration_minutes))],
        team=call.team,
        result=_result(service_type, call),
        note=_("热线来电 #%(n)s") % {"n": call.pk},
    )


def _result(service_type: ServiceType, call: Call) -> dict:
    """The call's minutes, where the type has that result field (心理援助热线 has; 线上心理服务
    has none: its records must stay valid against their type's fields)."""
    keys = {field.get("key") for field in service_type.result_fields or []}
    return {"minutes": call.duration_minutes} if "minutes" in keys else {}


def _rederive_record(call: Call) -> None:
    """Keep the record in step with a corrected call: minutes, hours, place."""
    record = call.record
    if record is None or record.is_voided:
        return
    record.result = _result(record.service_type, call)
    record.set_place(call.place_code)
    record.save(update_fields=["result", "village_code", "township_code", "county_code", "updated_at"])
    record.providers.update(
        hours=rules.hours_of(call.duration_minutes),
        village_code=record.village_code,
        township_code=record.township_code,
        county_code=record.county_code,
    )


# --- the services ----------------------------------------------------------------------------


@transaction.atomic
def call_log(
    *, acting_user, idempotency_key: str = "", escalation_raised_at=None, alert: bool = True, **fields
) -> SavedCall:
    """Log a call with its record (and its escalation when rules.must_escalate).

    Fields: started_at (required, not in the future), duration_minutes (0–600), channel,
    taken_by (default the user's member), team or shift, topic and outcome (required),
    intervention, note, the six risk answers, and the optional caller: caller_gender,
    caller_age_group, callback_phone, region (a region code). The same user and
    ``idempotency_key`` return the call logged before, with no second record.
    ``escalation_raised_at`` and ``alert=False``: only for imports of past logs (an escalation
    raised then, closed in the same import: nobody is alerted about a crisis long handled)."""
    key = check_key(idempotency_key)
    earlier = replay(Call, acting_user, key)
    if earlier is not None:
        return SavedCall(earlier, False, Escalation.objects.filter(call=earlier).first())
    call = build_call(acting_user, fields, now=timezone.now())
    call.idempotency_key = key
    earlier = save_new(call, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request
        return SavedCall(earlier, False, Escalation.objects.filter(call=earlier).first())
    call.record = _record(acting_user, call)
    call.save(update_fields=["record"])
    _ensure_may_log(acting_user, call)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=call, after=call_snapshot(call))
    escalation = None
    if rules.must_escalate(call):
        escalation = escalation_open(acting_user=acting_user, call=call, raised_at=escalation_raised_at, alert=alert)
    return SavedCall(call, True, escalation)


@transaction.atomic
def call_update(*, acting_user, call: Call, **changes) -> Call:
    """Correct a call: topic, intervention, outcome, note, duration, the caller's details, and the
    risk screen — upwards only (a "yes" once given stays: the call was screened at that risk).
    A correction that makes the call high risk (or 危机升级) opens its escalation."""
    unknown = set(changes) - UPDATE_FIELDS
    if unknown:
        raise TypeError(f"call_update cannot change {sorted(unknown)}")
    call = Call.objects.select_for_update(of=("self",)).select_related("record", "org").get(pk=call.pk)
    ensure_in_scope(acting_user, call, CHANGE)
    if call.is_voided:
        raise ValidationError(_("该来电已作废，不能修改"))
    before = call_snapshot(call)
    for field in rules.RISK_FIELDS:
        if field in changes:
            if getattr(call, field) and not changes[field]:
                label = Call._meta.get_field(field).verbose_name
                raise ValidationError({field: _("风险筛查只能补充，不能撤回已回答“是”的“%(q)s”") % {"q": label}})
            setattr(call, field, bool(changes[field]))
    call.risk_level = rules.risk_level(rules.answers_of(call))
    if "duration_minutes" in changes:
        call.duration_minutes = _check_duration(changes["duration_minutes"])
    for field in ("topic", "outcome"):
        if field in changes:
            if not changes[field]:
                raise ValidationError({field: _("此项必填")})
            setattr(call, field, changes[field])
    for field in ("intervention", "note"):
        if field in changes:
            setattr(call, field, (changes[field] or "").strip())
    _apply_caller(call, changes)
    _full_clean(call)
    call.save()
    _rederive_record(call)
    ensure_in_scope(acting_user, call, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=call, before=before, after=call_snapshot(call)
    )
    if rules.must_escalate(call):
        escalation_open(acting_user=acting_user, call=call)
    return call


@transaction.atomic
def call_void(*, acting_user, call: Call, reason: str) -> Call:
    """Take a call out of every count (its record too), with a reason. An open escalation must
    be closed first: a crisis is never dropped by voiding its call."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    call = Call.objects.select_for_update(of=("self",)).select_related("record", "org").get(pk=call.pk)
    ensure_in_scope(acting_user, call, CHANGE)
    if call.is_voided:
        at = timezone.localtime(call.voided_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(_("该来电已于 %(t)s 作废") % {"t": at})
    if Escalation.objects.filter(call=call, closed_at__isnull=True).exists():
        raise ValidationError(_("该来电的危机升级尚未关闭：请先处理并关闭危机升级，再作废来电"))
    before = call_snapshot(call)
    call.voided_at = timezone.now()
    call.voided_by = acting_user
    call.void_reason = reason[:200]
    call.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    derived_record_void(acting_user=acting_user, record=call.record, reason=reason)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.VOID, obj=call, before=before, after=call_snapshot(call), note=reason
    )
    return call

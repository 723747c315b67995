"""Writes of activities (DESIGN.md §4.1): keyword-only, atomic, scope re-checked after the write,
ChangeLog in the same transaction. Activities are voided, never deleted.

An activity's parts (participants with their hours, quantities) are rewritten by
``services_participants`` and copy its organization, day and place and whether it counts (held
and not voided) on every write, so rollups read them alone. Named attendees become one
ServiceRecord each (``services_attendees``). An activity's photos and attachments are written
by ``services_evidence``.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.regions.models import Region
from xianfeng.teams.models import Team

from . import rules, selectors
from .idempotency import check_key, replay, save_new
from .models import Activity, ServiceType
from .services_participants import replace_participants, replace_quantities, sync_parts
from .voiding import void

ACTIVITY_EDITABLE = {
    "title",
    "kind",
    "service_types",
    "start_at",
    "end_at",
    "org",
    "teams",
    "place",
    "region",
    "headcount",
    "note",
    "participants",
    "quantities",
}
MAX_DAYS = 31  # an activity longer than a month is a programme, not an event
MAX_DAYS_AHEAD = 3 * 366  # how far ahead an activity may be planned


@dataclass
class SavedActivity:
    activity: Activity
    created: bool  # False: the idempotency key named an activity made before


def _snapshot(activity: Activity) -> dict:
    data = snapshot(activity, exclude=("idempotency_key", "village_code", "township_code", "county_code"))
    data["service_types"] = sorted(activity.service_types.values_list("code", flat=True))
    data["teams"] = sorted(activity.teams.values_list("name", flat=True))
    data["participants"] = [
        f"{p.member.name} {p.hours}h" for p in activity.participants.select_related("member").order_by("id")
    ]
    data["quantities"] = [
        f"{q.service_type.code} {q.quantity}{q.unit}" for q in activity.quantities.select_related("service_type")
    ]
    return data


@transaction.atomic
def activity_create(*, acting_user, idempotency_key: str = "", status: str = Activity.Status.PLANNED, **fields):
    """Create an activity; returns SavedActivity(activity, created).

    Fields: title (required), kind, service_types, start_at (required), end_at, org (default the
    first team's organization, else the user's own branch), teams, place, region (a township or
    a village), headcount, note, participants [(member, hours)], quantities [(type, quantity,
    unit)]. The same user and ``idempotency_key`` return the activity made before."""
    key = check_key(idempotency_key)
    earlier = replay(Activity, acting_user, key)
    if earlier is not None:
        return SavedActivity(earlier, False)
    unknown = set(fields) - ACTIVITY_EDITABLE
    if unknown:
        raise TypeError(f"activity_create got unknown fields {sorted(unknown)}")
    if status not in Activity.Status.values:
        raise ValidationError({"status": _("未知的状态")})
    activity = Activity(created_by=acting_user, idempotency_key=key, status=status)
    related = _fill(acting_user, activity, fields, now=timezone.now())
    earlier = save_new(activity, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request
        return SavedActivity(earlier, False)
    _save_related(acting_user, activity, related, fields)
    ensure_in_scope(acting_user, activity, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=activity, after=_snapshot(activity))
    return SavedActivity(activity, True)


def _locked(acting_user, activity: Activity) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    ensure_in_scope(acting_user, activity, CHANGE)
    if activity.is_voided:
        raise ValidationError(_("该活动已作废，不能修改"))
    return activity


@transaction.atomic
def activity_update(*, acting_user, activity: Activity, **changes) -> Activity:
    """Correct or complete an activity; the ChangeLog keeps what it was."""
    unknown = set(changes) - ACTIVITY_EDITABLE
    if unknown:
        raise TypeError(f"activity_update cannot change {sorted(unknown)}")
    activity = _locked(acting_user, activity)
    before = _snapshot(activity)
    current = {
        "title": activity.title,
        "kind": activity.kind,
        "service_types": list(activity.service_types.all()),
        "start_at": activity.start_at,
        "end_at": activity.end_at,
        "org": activity.org,
        "teams": list(activity.teams.all()),
        "place": activity.place,
        "region": activity.region,
        "headcount": activity.headcount,
        "note": activity.note,
    }
    if "org" not in changes and "teams" in changes:
        current.pop("org")  # derived again from the new teams
    current.update(changes)
    related = _fill(acting_user, activity, current, now=timezone.now(), existing=True)
    activity.save()
    _save_related(acting_user, activity, related, changes)
    ensure_in_scope(acting_user, activity, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=activity, before=before, after=_snapshot(activity)
    )
    return activity


TRANSITIONS = {
    Activity.Status.PLANNED: {Activity.Status.HELD, Activity.Status.CANCELLED},
    Activity.Status.CANCELLED: {Activity.Status.PLANNED},
}


@transaction.atomic
def activity_set_status(*, acting_user, activity: Activity, status: str) -> Activity:
    """计划中 → 已举办 / 已取消 (a cancelled one may be planned again). Held needs its start passed."""
    activity = _locked(acting_user, activity)
    if status not in Activity.Status.values:
        raise ValidationError({"status": _("未知的状态")})
    if status == activity.status:
        return activity
    if status not in TRANSITIONS.get(activity.status, set()):
        raise ValidationError(
            {
                "status": _("“%(a)s”的活动不能改为“%(b)s”（已举办的活动如有错误请作废）")
                % {"a": activity.get_status_display(), "b": Activity.Status(status).label}
            }
        )
    if status == Activity.Status.HELD and activity.start_at > timezone.now():
        raise ValidationError({"status": _("活动尚未开始，不能标记为已举办")})
    before = _snapshot(activity)
    activity.status = status
    activity.save(update_fields=["status", "updated_at"])
    sync_parts(activity)
    ensure_in_scope(acting_user, activity, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=activity, before=before, after=_snapshot(activity)
    )
    return activity


@transaction.atomic
def activity_void(*, acting_user, activity: Activity, reason: str) -> Activity:
    """Take an activity (its 场次, headcount, hours and quantities) out of every count, with a
    reason. Its named attendees' records are separate facts and stay as they are."""
    return void(
        acting_user=acting_user,
        obj=activity,
        reason=reason,
        snapshot=_snapshot,
        already=_("该活动已于 %(t)s 作废"),
        uncount=sync_parts,
    )


@transaction.atomic
def activity_set_participants(*, acting_user, activity: Activity, participants) -> Activity:
    """Replace the participating members: [(member, hours)] or [(member, hours, role)]."""
    return activity_update(acting_user=acting_user, activity=activity, participants=participants)


@transaction.atomic
def activity_set_quantities(*, acting_user, activity: Activity, quantities) -> Activity:
    """Replace the quantities: [(service type, quantity, unit or "")], one row per type."""
    return activity_update(acting_user=acting_user, activity=activity, quantities=quantities)


# --- filling an activity from its fields ---------------------------------------------------


def _fill(acting_user, activity: Activity, fields: dict, *, now: datetime.datetime, existing: bool = False) -> dict:
    """Check the fields against the rules and the user's scope; set them on ``activity``.
    Returns the related values (service types, teams) to save after the activity."""
    title = (fields.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写活动名称")})
    kind = fields.get("kind") or Activity.Kind.CONCENTRATED
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": _("未知的活动类型")})
    start_at, end_at = _check_times(fields.get("start_at"), fields.get("end_at"), now=now)
    if activity.status == Activity.Status.HELD and start_at > now:
        raise ValidationError({"start_at": _("已举办的活动开始时间不能晚于现在")})
    stypes = _check_types(acting_user, fields.get("service_types") or [], activity if existing else None)
    teams = list(dict.fromkeys(fields.get("teams") or []))
    if teams:
        visible = set(scoped(acting_user, Team).filter(pk__in=[t.pk for t in teams]).values_list("pk", flat=True))
        outside = [t.name for t in teams if t.pk not in visible]
        if outside:
            raise ValidationError({"teams": _("未找到队伍（或不在您的权限范围内）：%(n)s") % {"n": "、".join(outside)}})
    region = fields.get("region")
    if region is not None and not isinstance(region, Region):
        region = Region.objects.filter(pk=str(region)).first()
        if region is None:
            raise ValidationError({"region": _("未知的区划代码：%(c)s") % {"c": fields.get("region")}})
    if region is not None and len(region.code) not in (9, 12):
        raise ValidationError(
            {"region": _("所在地须是乡镇（9 位代码）或村（12 位代码），不能是“%(n)s”") % {"n": region.name}}
        )
    org = fields.get("org") or (teams[0].owner_org if teams else None)
    if org is None:
        own = selectors.own_member(acting_user)
        org = own.branch if own is not None else None
    if org is None:
        raise ValidationError({"org": _("请选择主办组织（或选择队伍）")})
    activity.title = title
    activity.kind = kind
    activity.start_at = start_at
    activity.end_at = end_at
    activity.served_on = timezone.localtime(start_at).date()
    activity.org = org
    activity.place = (fields.get("place") or "").strip()
    activity.region = region
    activity.set_place(region.code if region is not None else "")
    activity.headcount = _headcount(fields.get("headcount"))
    activity.note = (fields.get("note") or "").strip()
    activity.full_clean(exclude=["created_by", "voided_by", "org", "region", "idempotency_key"])
    return {"service_types": stypes, "teams": teams}


def _check_times(start_at, end_at, *, now: datetime.datetime):
    if start_at is None:
        raise ValidationError({"start_at": _("请填写开始时间")})
    if not isinstance(start_at, datetime.datetime):
        raise ValidationError({"start_at": _("请填写有效的开始时间")})
    if timezone.is_naive(start_at):
        start_at = timezone.make_aware(start_at)
    if end_at is not None and timezone.is_naive(end_at):
        end_at = timezone.make_aware(end_at)
    start_day = timezone.localtime(start_at).date()
    if start_day < rules.EARLIEST_SERVICE_DAY:
        raise ValidationError({"start_at": _("开始时间不能早于 %(d)s") % {"d": rules.EARLIEST_SERVICE_DAY}})
    if start_day > timezone.localtime(now).date() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"start_at": _("开始时间太远：最多提前 3 年计划")})
    if end_at is not None:
        if end_at < start_at:
            raise ValidationError({"end_at": _("结束时间不能早于开始时间")})
        if end_at - start_at > datetime.timedelta(days=MAX_DAYS):
            raise ValidationError({"end_at": _("一次活动最长 %(n)d 天") % {"n": MAX_DAYS}})
    return start_at, end_at


def _headcount(value) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({"headcount": _("服务人数应为整数")}) from None
    if number < 0:
        raise ValidationError({"headcount": _("服务人数不能为负数")})
    if number > 1_000_000:
        raise ValidationError({"headcount": _("服务人数不能超过 1000000")})
    return number


def _check_types(acting_user, stypes, activity: Activity | None) -> list[ServiceType]:
    stypes = list(dict.fromkeys(stypes))
    kept = set(activity.service_types.values_list("pk", flat=True)) if activity is not None else set()
    health = selectors.may_record_health(acting_user)
    for stype in stypes:
        if not stype.active and stype.pk not in kept:
            raise ValidationError({"service_types": _("服务类型“%(t)s”已停用") % {"t": stype.name}})
        if stype.is_health and not health and stype.pk not in kept:
            raise ValidationError({"service_types": _("您没有登记健康类服务（%(t)s）的权限") % {"t": stype.name}})
    return stypes


def _save_related(acting_user, activity: Activity, related: dict, fields: dict) -> None:
    activity.service_types.set(related["service_types"])
    activity.teams.set(related["teams"])
    if fields.get("participants") is not None:
        replace_participants(acting_user, activity, fields["participants"])
    if fields.get("quantities") is not None:
        replace_quantities(acting_user, activity, fields["quantities"])
    sync_parts(activity)

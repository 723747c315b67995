"""Writes of the 三会一课 and the other meetings of organizational life (issue 13 §1; DESIGN.md
§4.1): keyword-only, atomic, the meeting checked in the user's "partylife.change" scope before the
write and again after it, ChangeLog in the same transaction. Meetings are voided, never deleted.

Rules:
- A meeting is recorded after it was held: ``held_on`` is not after today.
- The roll is the party members (预备 and 正式) of the meeting's organization and the ones below
  it; 正式党员 have the vote. A 支部党员大会 and a 民主评议党员 take the whole roll; other meetings
  may list only those expected (a 支委会's members). Leave and absence need a reason.
- Quorum (《中国共产党支部工作条例（试行）》第十五条; models.QUORUM_KINDS): more than half of the
  members with a vote must be present. Such a meeting without a quorum can only be saved as
  无效 (is_valid False); marking it valid is refused with the numbers, and nothing is saved.
- A meeting saved as 无效 carries its explanation (``invalid_note``: 未达法定人数，改期另行召开);
  a valid meeting carries none.
- Host and recorder are members of the meeting's branch; a 主题党日 may be linked to one of the
  branch's service-log activities, or recorded as a new volunteer activity at the same time
  (through the service log's own service, with the present members as participants).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.pipeline import Stage
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.idempotency import check_key, replay, save_new
from xianfeng.servicelog.models import Activity
from xianfeng.servicelog.voiding import void

from . import selectors_meetings as selectors
from .compliance import BRANCH_KINDS
from .models import QUORUM_KINDS, Attendance, ComplianceRule, Meeting, MeetingKind, Period

MEETING_EDITABLE = {
    "org",
    "kind",
    "title",
    "held_on",
    "start_time",
    "place",
    "host",
    "recorder",
    "topics",
    "resolutions",
    "minutes",
    "is_valid",
    "invalid_note",
    "activity",
}
WHOLE_ROLL_KINDS = frozenset({MeetingKind.BRANCH_ASSEMBLY, MeetingKind.APPRAISAL})
MAX_COUNT = 100_000  # more than any branch's roll: a typed count beyond it is an error, not a 500
Status = Attendance.Status


@dataclass
class SavedMeeting:
    meeting: Meeting
    created: bool  # False: the idempotency key named a meeting made before


@dataclass(frozen=True)
class Roll:
    """An attendance as checked: the rows to save and the counts they give."""

    rows: list
    expected: int
    present: int


def meeting_snapshot(meeting: Meeting) -> dict:
    data = snapshot(meeting, exclude=("idempotency_key",))
    if meeting.pk:
        data["attendance"] = sorted(
            f"{member_id}:{status}" for member_id, status in meeting.attendance.values_list("member_id", "status")
        )
    return data


def _log(acting_user, action, meeting: Meeting, before: dict | None, note: str = "") -> None:
    ensure_in_scope(acting_user, meeting, CHANGE)
    changelog_write(
        actor=acting_user, action=action, obj=meeting, before=before, after=meeting_snapshot(meeting), note=note
    )


def _locked(acting_user, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    ensure_in_scope(acting_user, meeting, CHANGE)
    if meeting.is_voided:
        raise ValidationError(_("该会议记录已作废，不能修改"))
    return meeting


# --- checks -------------------------------------------------------------------------------------


def _check_org(acting_user, org: Organization | None) -> Organization:
    if org is None:
        raise ValidationError({"org": _("请选择召开会议的组织")})
    if not selectors.meeting_orgs(acting_user, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    if org.kind not in (*BRANCH_KINDS, Organization.Kind.GROUP):
        raise ValidationError({"org": _("只有党支部、临时党支部、党总支和党小组记录组织生活会议")})
    return org


def _check_kind(meeting: Meeting) -> None:
    if meeting.kind not in MeetingKind.values:
        raise ValidationError({"kind": _("未知的会议类型")})
    if meeting.kind == MeetingKind.GROUP and meeting.org.kind not in (
        Organization.Kind.GROUP,
        Organization.Kind.BRANCH,
        Organization.Kind.TEMP_BRANCH,
    ):
        raise ValidationError({"kind": _("党小组会由党小组或党支部召开")})
    if meeting.org.kind == Organization.Kind.GROUP and meeting.kind not in (MeetingKind.GROUP, MeetingKind.TALK):
        raise ValidationError({"kind": _("党小组只召开党小组会（或谈心谈话），其他会议请以党支部名义记录")})


def _check_day(meeting: Meeting, today: datetime.date) -> None:
    if meeting.held_on is None:
        raise ValidationError({"held_on": _("请填写会议日期")})
    if meeting.held_on > today:
        raise ValidationError({"held_on": _("会议日期不能晚于今天：尚未召开的会议不能记录")})
    org = meeting.org
    if meeting.held_on < org.active_from:
        raise ValidationError({"held_on": _("会议日期早于该组织的成立日期（%(d)s）") % {"d": org.active_from}})
    if org.active_to is not None and meeting.held_on > org.active_to:
        raise ValidationError({"held_on": _("会议日期晚于该组织的撤销日期（%(d)s）") % {"d": org.active_to}})


def _check_people(acting_user, meeting: Meeting) -> None:
    people = selectors.branch_people(acting_user, meeting.org)
    for field, label in (("host", _("主持人")), ("recorder", _("记录人"))):
        member = getattr(meeting, field)
        if member is not None and not people.filter(pk=member.pk).exists():
            raise ValidationError({field: _("%(f)s须是本支部的成员：%(n)s") % {"f": label, "n": member.name}})


def _check_activity(acting_user, meeting: Meeting) -> None:
    activity = meeting.activity
    if activity is None:
        return
    if meeting.kind != MeetingKind.THEME_DAY:
        raise ValidationError({"activity": _("只有主题党日可以关联志愿服务活动")})
    candidates = selectors.theme_day_activities(acting_user, meeting.org)
    linked_here = meeting.pk and Meeting.objects.filter(pk=meeting.pk, activity=activity).exists()
    if not linked_here and not candidates.filter(pk=activity.pk).exists():
        raise ValidationError(
            {"activity": _("未找到该活动（须是本支部未作废、未关联其他会议的活动，且在您的权限范围内）")}
        )


def _check_counts(expected, present) -> tuple[int, int]:
    def number(value, field, label):
        try:
            value = int(value or 0)
        except (TypeError, ValueError):
            raise ValidationError({field: _("%(f)s应为整数") % {"f": label}}) from None
        if value < 0 or value > MAX_COUNT:
            raise ValidationError({field: _("%(f)s应在 0 到 %(m)d 之间") % {"f": label, "m": MAX_COUNT}})
        return value

    expected = number(expected, "expected_count", _("应到人数"))
    present = number(present, "present_count", _("实到人数"))
    if present > expected:
        raise ValidationError({"present_count": _("实到人数不能多于应到人数")})
    return expected, present


def check_roll(acting_user, org: Organization, kind: str, rows) -> Roll:
    """Check an attendance (``[(member, status, reason)]``) against the organization's roll."""
    roll = {m.pk: m for m in selectors.roll(acting_user, org)}
    problems, seen, out = [], set(), []
    for member, status, reason in rows:
        reason = (reason or "").strip()
        if member.pk in seen:
            problems.append(_("%(n)s 重复出现") % {"n": member.name})
            continue
        seen.add(member.pk)
        if member.pk not in roll:
            problems.append(_("%(n)s 不是%(o)s的党员（或不在您的权限范围内）") % {"n": member.name, "o": org.name})
            continue
        if status not in Status.values:
            problems.append(_("%(n)s：未知的出席情况") % {"n": member.name})
            continue
        if status != Status.PRESENT and not reason:
            problems.append(
                _("%(n)s：%(s)s须填写原因") % {"n": member.name, "s": Status(status).label},
            )
            continue
        if len(reason) > 100:
            problems.append(_("%(n)s：原因最长 100 个字") % {"n": member.name})
            continue
        voting = roll[member.pk].party_stage == Stage.FULL
        out.append(
            Attendance(member=member, status=status, reason=reason if status != Status.PRESENT else "", voting=voting)
        )
    if kind in WHOLE_ROLL_KINDS:
        missing = [m.name for pk, m in roll.items() if pk not in seen]
        if missing:
            problems.append(
                _("%(k)s须登记全体党员的出席情况，尚缺：%(n)s")
                % {"k": MeetingKind(kind).label, "n": "、".join(missing[:20])}
            )
    if problems:
        raise ValidationError({"attendance": problems})
    if not out:
        raise ValidationError({"attendance": _("请至少登记一名党员的出席情况")})
    counted = [a for a in out if a.voting] if kind in QUORUM_KINDS else out
    present = sum(1 for a in counted if a.status == Status.PRESENT)
    return Roll(rows=out, expected=len(counted), present=present)


def check_quorum(meeting: Meeting) -> None:
    """A meeting that needs a quorum may be valid only with more than half present."""
    if meeting.needs_quorum and meeting.is_valid and not meeting.has_quorum:
        raise ValidationError(
            {
                "is_valid": _(
                    "%(k)s须有半数以上有表决权的党员到会：应到 %(e)d 人，实到 %(p)d 人，未达到法定人数，"
                    "不能标为有效。请核对出席情况，或保存为无效会议并说明情况。"
                )
                % {"k": meeting.get_kind_display(), "e": meeting.expected_count, "p": meeting.present_count}
            }
        )


def check_invalid_note(meeting: Meeting) -> None:
    """An invalid meeting says why (stored on the row, shown on its page and in the list); a valid
    one keeps no explanation."""
    note = (meeting.invalid_note or "").strip()
    if meeting.is_valid:
        meeting.invalid_note = ""
        return
    if not note:
        raise ValidationError({"invalid_note": _("会议标为无效时须填写无效说明，如：到会人数未过半数，改期另行召开")})
    if len(note) > 200:
        raise ValidationError({"invalid_note": _("无效说明最长 200 个字")})
    meeting.invalid_note = note


def _clean(meeting: Meeting) -> None:
    for name in ("title", "place", "topics", "resolutions", "minutes"):
        setattr(meeting, name, (getattr(meeting, name) or "").strip())
    if not meeting.title:
        meeting.title = meeting.get_kind_display()
    meeting.full_clean(exclude=["org", "host", "recorder", "activity", "created_by", "voided_by", "idempotency_key"])


def _save_roll(meeting: Meeting, roll: Roll) -> None:
    meeting.attendance.all().delete()
    for row in roll.rows:
        row.meeting = meeting
    Attendance.objects.bulk_create(roll.rows)


def _new_activity(acting_user, meeting: Meeting, roll: Roll | None, hours: Decimal, region=None):
    """The 主题党日 recorded as a held volunteer activity, its present members as participants."""
    from xianfeng.servicelog.services_activities import activity_create

    start = timezone.make_aware(datetime.datetime.combine(meeting.held_on, meeting.start_time or datetime.time(9, 0)))
    if meeting.start_time is None:
        # No time given: 9:00, or now for a theme day recorded this morning before nine (a held
        # activity cannot start in the future).
        start = min(start, timezone.now())
    participants = [(a.member, hours) for a in (roll.rows if roll else []) if a.status == Status.PRESENT]
    saved = activity_create(
        acting_user=acting_user,
        status=Activity.Status.HELD,
        title=meeting.title,
        kind=Activity.Kind.OTHER,
        start_at=start,
        org=selectors.branch_of(meeting.org),
        region=region,
        place=meeting.place,
        note=_("主题党日：%(t)s") % {"t": meeting.title},
        participants=participants,
    )
    return saved.activity


# --- create, correct, void -----------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    acting_user,
    org: Organization,
    kind: str,
    held_on: datetime.date,
    title: str = "",
    start_time: datetime.time | None = None,
    place: str = "",
    host=None,
    recorder=None,
    topics: str = "",
    resolutions: str = "",
    minutes: str = "",
    is_valid: bool = True,
    invalid_note: str = "",
    attendance=None,
    expected_count: int | None = None,
    present_count: int | None = None,
    activity: Activity | None = None,
    record_activity: bool = False,
    activity_region=None,
    activity_hours: Decimal | float = Decimal("2"),
    note: str = "",
    idempotency_key: str = "",
) -> SavedMeeting:
    """Record a meeting that was held, with its attendance (``[(member, status, reason)]``) or,
    for a past meeting without a roll, its expected and present counts. Returns the meeting and
    whether it is new (the same user and idempotency key return the meeting made before)."""
    key = check_key(idempotency_key)
    earlier = replay(Meeting, acting_user, key)
    if earlier is not None:
        return SavedMeeting(earlier, False)
    org = _check_org(acting_user, org)
    meeting = Meeting(
        org=org,
        kind=kind,
        title=title,
        held_on=held_on,
        start_time=start_time,
        place=place,
        host=host,
        recorder=recorder,
        topics=topics,
        resolutions=resolutions,
        minutes=minutes,
        is_valid=bool(is_valid),
        invalid_note=invalid_note or "",
        activity=activity,
        created_by=acting_user,
        idempotency_key=key,
    )
    _check_kind(meeting)
    _check_day(meeting, timezone.localdate())
    _check_people(acting_user, meeting)
    if record_activity and activity is not None:
        raise ValidationError({"activity": _("请选择已有活动，或同时记为志愿服务活动，二者选一")})
    if record_activity and kind != MeetingKind.THEME_DAY:
        raise ValidationError({"activity": _("只有主题党日可以同时记为志愿服务活动")})
    _check_activity(acting_user, meeting)
    roll = None
    if attendance:
        roll = check_roll(acting_user, org, kind, attendance)
        meeting.expected_count, meeting.present_count = roll.expected, roll.present
    else:
        meeting.expected_count, meeting.present_count = _check_counts(expected_count, present_count)
    check_quorum(meeting)
    check_invalid_note(meeting)
    _clean(meeting)
    earlier = save_new(meeting, acting_user=acting_user, key=key)
    if earlier is not None:  # the same key saved by a concurrent request
        return SavedMeeting(earlier, False)
    if roll is not None:
        _save_roll(meeting, roll)
    if record_activity:
        meeting.activity = _new_activity(
            acting_user, meeting, roll, Decimal(str(activity_hours)), region=activity_region
        )
        meeting.save(update_fields=["activity", "updated_at"])
    _log(acting_user, ChangeLog.Action.CREATE, meeting, None, note=(note or "").strip()[:200])
    return SavedMeeting(meeting, True)


@transaction.atomic
def meeting_update(*, acting_user, meeting: Meeting, note: str = "", **changes) -> Meeting:
    """Correct a meeting's record; the ChangeLog keeps what it was. The attendance has its own
    service (attendance_set)."""
    unknown = set(changes) - MEETING_EDITABLE
    if unknown:
        raise TypeError(f"meeting_update cannot change {sorted(unknown)}")
    meeting = _locked(acting_user, meeting)
    before = meeting_snapshot(meeting)
    if "org" in changes and changes["org"] != meeting.org:
        _check_org(acting_user, changes["org"])
        if meeting.attendance.exists():
            raise ValidationError({"org": _("已登记出席情况的会议不能改换组织（请作废后重新登记）")})
    kind_before = meeting.kind
    for field, value in changes.items():
        setattr(meeting, field, value)
    _check_kind(meeting)
    _check_day(meeting, timezone.localdate())
    _check_people(acting_user, meeting)
    _check_activity(acting_user, meeting)
    if meeting.kind != kind_before and meeting.attendance.exists():
        # The counts depend on the kind (only voting members count towards a quorum).
        rows = [(a.member, a.status, a.reason) for a in meeting.attendance.select_related("member")]
        roll = check_roll(acting_user, meeting.org, meeting.kind, rows)
        meeting.expected_count, meeting.present_count = roll.expected, roll.present
    check_quorum(meeting)
    check_invalid_note(meeting)
    _clean(meeting)
    meeting.save()
    _log(acting_user, ChangeLog.Action.UPDATE, meeting, before, note=(note or "").strip()[:200])
    return meeting


@transaction.atomic
def attendance_set(
    *,
    acting_user,
    meeting: Meeting,
    rows,
    is_valid: bool | None = None,
    invalid_note: str | None = None,
    note: str = "",
) -> Meeting:
    """Replace the meeting's attendance with ``rows`` (``[(member, status, reason)]``) and
    recompute the counts. ``is_valid`` and ``invalid_note`` (when given) are set at the same time:
    a meeting that loses its quorum must be marked invalid, with its explanation, in the same
    step, or nothing is saved."""
    meeting = _locked(acting_user, meeting)
    before = meeting_snapshot(meeting)
    roll = check_roll(acting_user, meeting.org, meeting.kind, rows)
    meeting.expected_count, meeting.present_count = roll.expected, roll.present
    if is_valid is not None:
        meeting.is_valid = bool(is_valid)
    if invalid_note is not None:
        meeting.invalid_note = invalid_note
    check_quorum(meeting)
    check_invalid_note(meeting)
    meeting.save(update_fields=["expected_count", "present_count", "is_valid", "invalid_note", "updated_at"])
    _save_roll(meeting, roll)
    _log(acting_user, ChangeLog.Action.UPDATE, meeting, before, note=(note or "").strip()[:200] or _("登记出席情况"))
    return meeting


@transaction.atomic
def meeting_void(*, acting_user, meeting: Meeting, reason: str) -> Meeting:
    """A meeting recorded by mistake: out of the calendar and every figure, still readable."""
    return void(
        acting_user=acting_user,
        obj=meeting,
        reason=reason,
        snapshot=meeting_snapshot,
        already=_("该会议记录已于 %(t)s 作废"),
        uncount=lambda meeting: None,  # the calendar and figures read only live meetings
    )


# --- local rules -----------------------------------------------------------------------------------

RULE_EDITABLE = {"kind", "period", "min_count", "start_on", "end_on", "note"}


def _check_rule(acting_user, rule: ComplianceRule) -> None:
    if rule.org_id is None:
        raise ValidationError({"org": _("请选择适用组织")})
    if not selectors.rule_orgs(acting_user).filter(pk=rule.org_id).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    if rule.kind not in MeetingKind.values:
        raise ValidationError({"kind": _("未知的会议类型")})
    if rule.period not in Period.values:
        raise ValidationError({"period": _("未知的周期")})
    if rule.min_count is None or not 0 <= int(rule.min_count) <= 31:
        raise ValidationError({"min_count": _("至少次数应在 0 到 31 之间（0 表示不作要求）")})
    if rule.end_on is not None and rule.start_on and rule.end_on < rule.start_on:
        raise ValidationError({"end_on": _("终止日期不能早于起始日期")})
    rule.note = (rule.note or "").strip()
    rule.full_clean(exclude=["org"])


def _rule_log(acting_user, action, rule: ComplianceRule, before, note: str = "") -> None:
    ensure_in_scope(acting_user, rule, CHANGE)
    changelog_write(actor=acting_user, action=action, obj=rule, before=before, after=snapshot(rule), note=note)


@transaction.atomic
def compliance_rule_create(
    *,
    acting_user,
    org: Organization,
    kind: str,
    period: str,
    min_count: int,
    start_on: datetime.date,
    end_on: datetime.date | None = None,
    note: str = "",
) -> ComplianceRule:
    """A local rule replacing the national default of one kind of meeting for ``org`` and the
    organizations below it, from ``start_on``."""
    rule = ComplianceRule(
        org=org, kind=kind, period=period, min_count=min_count, start_on=start_on, end_on=end_on, note=note
    )
    _check_rule(acting_user, rule)
    rule.save()
    _rule_log(acting_user, ChangeLog.Action.CREATE, rule, None)
    return rule


@transaction.atomic
def compliance_rule_update(*, acting_user, rule: ComplianceRule, **changes) -> ComplianceRule:
    unknown = set(changes) - RULE_EDITABLE
    if unknown:
        raise TypeError(f"compliance_rule_update cannot change {sorted(unknown)}")
    rule = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
    ensure_in_scope(acting_user, rule, CHANGE)
    before = snapshot(rule)
    for field, value in changes.items():
        setattr(rule, field, value)
    _check_rule(acting_user, rule)
    rule.save()
    _rule_log(acting_user, ChangeLog.Action.UPDATE, rule, before)
    return rule


@transaction.atomic
def compliance_rule_end(*, acting_user, rule: ComplianceRule, end_on: datetime.date | None = None) -> ComplianceRule:
    """Stop a local rule (the default, or an organization's above, applies again the next day)."""
    rule = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
    ensure_in_scope(acting_user, rule, CHANGE)
    end_on = end_on or timezone.localdate()
    if rule.end_on is not None and rule.end_on <= end_on:
        raise ValidationError({"end_on": _("该规则已于 %(d)s 终止") % {"d": rule.end_on}})
    if end_on < rule.start_on:
        raise ValidationError({"end_on": _("终止日期不能早于起始日期")})
    before = snapshot(rule)
    rule.end_on = end_on
    rule.save(update_fields=["end_on", "updated_at"])
    _rule_log(acting_user, ChangeLog.Action.UPDATE, rule, before, note=_("终止规则"))
    return rule

"""Meetings through their services: quorum refused with its numbers and nothing saved, reasons
for leave and absence, the roll, future dates, scope, idempotency, voiding, the 主题党日 that is
also a volunteer activity, and the local rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.partylife import services_meetings as services
from xianfeng.partylife.models import Attendance, ComplianceRule, Meeting, MeetingKind, Period
from xianfeng.servicelog.models import Activity

from .factories_meetings import DAY, TODAY, all_present, meeting, meetings_world

P, L, A = Attendance.Status.PRESENT, Attendance.Status.LEAVE, Attendance.Status.ABSENT


@pytest.fixture
def w(world):
    return meetings_world(world)


def test_a_committee_meeting_with_everyone_present(w):
    m = meeting(w, kind=MeetingKind.COMMITTEE, held_on=TODAY - 3 * DAY, host=w.sec, recorder=w.full[2])
    # Quorum kinds count the members with a vote (正式党员): 4, all present.
    assert (m.expected_count, m.present_count, m.is_valid) == (4, 4, True)
    assert m.attendance.count() == 5
    assert not m.attendance.get(member=w.probationary).voting
    log = ChangeLog.objects.get(model="partylife.Meeting", object_id=str(m.pk))
    assert log.action == ChangeLog.Action.CREATE


def test_an_assembly_without_quorum_cannot_be_valid_and_nothing_is_saved(w):
    rows = [
        (w.full[0], P, ""),
        (w.full[1], P, ""),
        (w.full[2], L, "出差"),
        (w.full[3], A, "值班"),
        (w.probationary, P, ""),
    ]
    with pytest.raises(ValidationError) as exc:
        meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=rows)
    message = exc.value.message_dict["is_valid"][0]
    assert "应到 4 人，实到 2 人" in message
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
    assert not ChangeLog.objects.filter(model="partylife.Meeting").exists()
    # The same meeting saved as invalid is kept, and does not count on the calendar.
    with pytest.raises(ValidationError) as exc:  # an invalid meeting says why
        meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=rows, is_valid=False, invalid_note="  ")
    assert "须填写无效说明" in exc.value.message_dict["invalid_note"][0]
    assert not Meeting.objects.exists()
    m = meeting(
        w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=rows, is_valid=False, invalid_note=" 未达法定人数，另行召开 "
    )
    assert (m.expected_count, m.present_count, m.is_valid) == (4, 2, False)
    assert m.invalid_note == "未达法定人数，另行召开"


def test_leave_or_absence_needs_a_reason(w):
    rows = [(m, P, "") for m in w.roll[:-1]] + [(w.probationary, A, "  ")]
    with pytest.raises(ValidationError) as exc:
        meeting(w, kind=MeetingKind.LECTURE, attendance=rows)
    assert "钱预备：缺席须填写原因" in exc.value.message_dict["attendance"]
    assert not Meeting.objects.exists()


def test_the_roll_is_the_branch_party_members(w):
    with pytest.raises(ValidationError) as exc:
        meeting(w, kind=MeetingKind.LECTURE, attendance=[*all_present(w), (w.volunteer, P, "")])
    assert any("孙群众" in e for e in exc.value.message_dict["attendance"])
    with pytest.raises(ValidationError):
        meeting(w, kind=MeetingKind.LECTURE, attendance=[(w.other, P, "")])
    # An assembly takes the whole roll.
    with pytest.raises(ValidationError) as exc:
        meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=all_present(w)[:-1])
    assert "尚缺：钱预备" in exc.value.message_dict["attendance"][0]


def test_a_meeting_in_the_future_cannot_be_recorded(w):
    with pytest.raises(ValidationError) as exc:
        meeting(w, held_on=TODAY + DAY)
    assert "held_on" in exc.value.message_dict


def test_host_must_be_a_member_of_the_branch(w):
    with pytest.raises(ValidationError) as exc:
        meeting(w, host=w.other)
    assert "host" in exc.value.message_dict


def test_past_meeting_with_counts_only(w):
    m = meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=None, expected_count=30, present_count=25)
    assert (m.expected_count, m.present_count, m.has_quorum) == (30, 25, True)
    with pytest.raises(ValidationError):
        meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, attendance=None, expected_count=30, present_count=15)
    with pytest.raises(ValidationError) as exc:
        meeting(w, kind=MeetingKind.LECTURE, attendance=None, expected_count=10**30, present_count=1)
    assert "expected_count" in exc.value.message_dict


def test_the_outsider_cannot_record_for_another_branch(w):
    with pytest.raises((ValidationError, PermissionDenied)):
        meeting(w, user=w.outsider)
    with pytest.raises(PermissionDenied):
        meeting(w, user=w.reader)  # a leader only reads
    assert not Meeting.objects.exists()


def test_idempotency_key_returns_the_meeting_made_before(w):
    first = services.meeting_create(
        acting_user=w.secretary,
        org=w.branch_a,
        kind=MeetingKind.LECTURE,
        held_on=TODAY,
        attendance=all_present(w),
        idempotency_key="abc",
    )
    again = services.meeting_create(
        acting_user=w.secretary,
        org=w.branch_a,
        kind=MeetingKind.LECTURE,
        held_on=TODAY,
        attendance=all_present(w),
        idempotency_key="abc",
    )
    assert first.created and not again.created and first.meeting.pk == again.meeting.pk
    assert first.meeting.title == "党课"  # the kind when no title is given


def test_attendance_set_recomputes_and_guards_the_quorum(w):
    m = meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY)
    rows = [
        (w.full[0], P, ""),
        (w.full[1], A, "病假"),
        (w.full[2], A, "出差"),
        (w.full[3], P, ""),
        (w.probationary, P, ""),
    ]
    with pytest.raises(ValidationError):
        services.attendance_set(acting_user=w.secretary, meeting=m, rows=rows)
    m.refresh_from_db()
    assert (m.present_count, m.attendance.filter(status=P).count()) == (4, 5)  # unchanged
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(acting_user=w.secretary, meeting=m, rows=rows, is_valid=False)
    assert "invalid_note" in exc.value.message_dict
    m = services.attendance_set(acting_user=w.secretary, meeting=m, rows=rows, is_valid=False, invalid_note="病假多")
    assert (m.expected_count, m.present_count, m.is_valid, m.invalid_note) == (4, 2, False, "病假多")
    assert m.attendance.get(member=w.full[1]).reason == "病假"


def test_update_and_void(w):
    m = meeting(w, kind=MeetingKind.LECTURE, title="党课：条例学习")
    m = services.meeting_update(acting_user=w.secretary, meeting=m, place="三楼会议室", minutes="记录")
    assert m.place == "三楼会议室"
    with pytest.raises(ValidationError):
        services.meeting_update(acting_user=w.secretary, meeting=m, held_on=TODAY + DAY)
    services.meeting_void(acting_user=w.secretary, meeting=m, reason="重复登记")
    m.refresh_from_db()
    assert m.is_voided
    with pytest.raises(ValidationError):
        services.meeting_update(acting_user=w.secretary, meeting=m, place="x")
    with pytest.raises(ValidationError):
        services.meeting_void(acting_user=w.secretary, meeting=m, reason="again")


def test_a_theme_day_also_recorded_as_a_volunteer_activity(w):
    rows = [*all_present(w)[:-1], (w.probationary, L, "值班")]
    m = meeting(w, kind=MeetingKind.THEME_DAY, title="主题党日：义诊进社区", attendance=rows, record_activity=True)
    activity = m.activity
    assert activity.status == Activity.Status.HELD and activity.org == w.branch_a
    assert set(activity.participants.values_list("member__name", flat=True)) == {m.name for m in w.full}
    # A lecture cannot be a volunteer activity; an activity links to one meeting only.
    with pytest.raises(ValidationError):
        meeting(w, kind=MeetingKind.LECTURE, record_activity=True)
    with pytest.raises(ValidationError):
        meeting(w, kind=MeetingKind.THEME_DAY, activity=activity)


def test_group_meetings_by_the_group(w):
    m = meeting(w, kind=MeetingKind.GROUP, org=w.group_a, attendance=[(w.full[3], P, "")])
    assert (m.expected_count, m.present_count) == (1, 1)
    with pytest.raises(ValidationError):
        meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, org=w.group_a, attendance=[(w.full[3], P, "")])


def test_local_rules(w):
    rule = services.compliance_rule_create(
        acting_user=w.owner,
        org=w.branch_a,
        kind=MeetingKind.GROUP,
        period=Period.QUARTER,
        min_count=1,
        start_on=TODAY.replace(month=1, day=1),
        note="本支部党小组每季度一次",
    )
    assert ComplianceRule.objects.count() == 1
    with pytest.raises(ValidationError):
        services.compliance_rule_update(acting_user=w.owner, rule=rule, min_count=99)
    with pytest.raises(ValidationError):
        services.compliance_rule_create(
            acting_user=w.owner,
            org=w.branch_b,
            kind=MeetingKind.GROUP,
            period=Period.MONTH,
            min_count=1,
            start_on=TODAY,
        )
    ended = services.compliance_rule_end(acting_user=w.owner, rule=rule, end_on=TODAY)
    assert ended.end_on == TODAY
    with pytest.raises(ValidationError):
        services.compliance_rule_end(acting_user=w.owner, rule=rule, end_on=TODAY)


def test_the_invalid_note_is_kept_while_invalid_and_cleared_when_valid(w):
    m = meeting(w, kind=MeetingKind.LECTURE, is_valid=False, invalid_note="主讲人临时缺席，仅自学")
    m = services.meeting_update(acting_user=w.secretary, meeting=m, place="三楼")
    assert m.invalid_note == "主讲人临时缺席，仅自学"
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(acting_user=w.secretary, meeting=m, invalid_note="")
    assert "invalid_note" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.meeting_update(acting_user=w.secretary, meeting=m, invalid_note="长" * 201)
    m = services.meeting_update(acting_user=w.secretary, meeting=m, is_valid=True)
    assert (m.is_valid, m.invalid_note) == (True, "")
    log = ChangeLog.objects.filter(model="partylife.Meeting", object_id=str(m.pk)).order_by("-at", "-pk").first()
    assert log.before["invalid_note"] == "主讲人临时缺席，仅自学" and log.after["invalid_note"] == ""


def test_a_theme_day_recorded_before_nine_in_the_morning_starts_now(w, monkeypatch):
    # With no start time the activity starts at 9:00; recorded at 07:30 the same day, 9:00 would be
    # in the future, which a held activity refuses. It starts at the time of recording instead.
    early = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(7, 30)))
    monkeypatch.setattr(timezone, "now", lambda: early)
    m = meeting(w, kind=MeetingKind.THEME_DAY, held_on=timezone.localdate(), record_activity=True)
    assert m.activity.start_at == early and m.activity.status == Activity.Status.HELD

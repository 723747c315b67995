"""The duty roster through its services: shifts, generation, assignments, gaps and swaps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.hotline import selectors_roster as selectors
from xianfeng.hotline import services_roster as services
from xianfeng.hotline import services_roster_swaps as swaps
from xianfeng.hotline.models import Call, Shift, ShiftAssignment, SwapRequest, Topic
from xianfeng.teams.models import TeamMembership

from .factories import DAY, T0, T8, T16, ShiftFactory, roster_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return roster_world()


def _shift(w, day=None, start=T8, end=T16, seats=2, user=None):
    return services.shift_create(
        acting_user=user or w.manager,
        team=w.team,
        date=day or w.today + DAY,
        start_time=start,
        end_time=end,
        seats=seats,
    )


def _assign(w, shift, member, user=None):
    return services.assignment_add(acting_user=user or w.manager, shift=shift, member=member)


# --- shifts --------------------------------------------------------------------------------------


def test_a_manager_creates_a_shift_and_the_changelog_has_it(w):
    shift = _shift(w)
    assert (shift.team, shift.seats, shift.created_by) == (w.team, 2, w.manager)
    log = ChangeLog.objects.get(model="hotline.Shift", object_id=str(shift.pk))
    assert log.action == "create" and log.after["seats"] == 2


def test_an_outsider_cannot_create_a_shift_for_another_branchs_team(w):
    with pytest.raises(PermissionDenied):
        _shift(w, user=w.outsider)
    assert not Shift.objects.exists()


def test_only_a_hotline_team_gets_a_roster_and_two_shifts_cannot_share_a_start(w):
    from xianfeng.teams.tests.factories import TeamFactory

    with pytest.raises(ValidationError) as exc:
        services.shift_create(
            acting_user=w.manager,
            team=TeamFactory(owner_org=w.branch),
            date=w.today,
            start_time=T8,
            end_time=T16,
        )
    assert "team" in exc.value.message_dict
    _shift(w)
    with pytest.raises(ValidationError) as exc:
        _shift(w, end=datetime.time(12))
    assert "start_time" in exc.value.message_dict


def test_the_supervisor_must_be_in_the_team(w):
    with pytest.raises(ValidationError) as exc:
        services.shift_create(
            acting_user=w.manager,
            team=w.team,
            date=w.today,
            start_time=T8,
            end_time=T16,
            supervisor=w.stranger,
        )
    assert "外科医生" in exc.value.message_dict["supervisor"][0]


def test_generate_a_week_of_three_slots_then_again_makes_nothing_new(w):
    slots = services.parse_slots(text="08:00-16:00, 16:00-24:00，00:00-08:00")
    assert slots == [(T8, T16), (T16, T0), (T0, T8)]
    first = services.shifts_generate(
        acting_user=w.manager, team=w.team, date_from=w.today, date_to=w.today + 6 * DAY, slots=slots, seats=2
    )
    assert (len(first.created), first.skipped) == (21, 0)
    again = services.shifts_generate(
        acting_user=w.manager, team=w.team, date_from=w.today, date_to=w.today + 6 * DAY, slots=slots, seats=2
    )
    assert (len(again.created), again.skipped) == (0, 21)
    assert Shift.objects.count() == 21
    night = Shift.objects.get(date=w.today, start_time=T16)
    assert night.overnight  # 16:00–24:00 ends at midnight


def test_generate_is_all_or_nothing(w):
    slots = [(T8, T16)]
    with pytest.raises(ValidationError):
        services.shifts_generate(
            acting_user=w.manager, team=w.team, date_from=w.today, date_to=w.today + DAY, slots=slots, seats=0
        )
    assert not Shift.objects.exists()


@pytest.mark.parametrize("text", ["", "8点到16点", "08:00-16:00, 08:00-12:00", "25:00-26:00"])
def test_bad_slots_are_refused_with_a_message_on_slots(text):
    with pytest.raises(ValidationError) as exc:
        services.parse_slots(text=text)
    assert "slots" in exc.value.message_dict


def test_a_shift_a_call_was_logged_to_keeps_its_time_and_cannot_be_deleted(w):
    shift = _shift(w, day=w.today)
    from django.utils import timezone

    Call.objects.create(
        org=w.branch,
        served_on=w.today,
        started_at=timezone.now(),
        duration_minutes=10,
        taken_by=w.zhou,
        team=w.team,
        shift=shift,
        topic=Topic.SLEEP,
    )
    with pytest.raises(ValidationError):
        services.shift_delete(acting_user=w.manager, shift=shift)
    with pytest.raises(ValidationError):
        services.shift_update(acting_user=w.manager, shift=shift, start_time=datetime.time(9))
    services.shift_update(acting_user=w.manager, shift=shift, seats=3, note="加一人")
    shift.refresh_from_db()
    assert (shift.seats, shift.note, shift.start_time) == (3, "加一人", T8)


def test_deleting_a_shift_takes_its_assignments_and_logs_who_was_on_it(w):
    shift = _shift(w)
    _assign(w, shift, w.zhou)
    services.shift_delete(acting_user=w.manager, shift=shift)
    assert not Shift.objects.exists() and not ShiftAssignment.objects.exists()
    log = ChangeLog.objects.get(model="hotline.Shift", action="delete")
    assert log.before["assignments"] == ["周值守"]


# --- assignments ---------------------------------------------------------------------------------


def test_a_member_not_in_the_team_on_that_day_is_refused(w):
    shift = _shift(w)
    with pytest.raises(ValidationError) as exc:
        _assign(w, shift, w.stranger)
    assert "不是“心理援助热线值守组”的成员" in exc.value.message_dict["member"][0]
    # A membership that ended before the shift's day does not count either.
    TeamMembership.objects.filter(member=w.wang).update(end_on=w.today)
    with pytest.raises(ValidationError):
        _assign(w, shift, w.wang)


def test_no_double_booking_on_overlapping_shifts_even_past_midnight(w):
    night = _shift(w, start=datetime.time(22), end=datetime.time(6))
    _assign(w, night, w.zhou)
    morning = _shift(w, day=w.today + 2 * DAY, start=datetime.time(5), end=datetime.time(13))
    with pytest.raises(ValidationError) as exc:
        _assign(w, morning, w.zhou)
    assert "已有值班" in exc.value.message_dict["member"][0]
    later = _shift(w, day=w.today + 2 * DAY, start=datetime.time(6), end=datetime.time(14))
    _assign(w, later, w.zhou)  # starts when the night ends
    with pytest.raises(ValidationError):
        _assign(w, later, w.zhou)  # already on it
    assert ShiftAssignment.objects.filter(member=w.zhou).count() == 2


def test_a_past_duty_may_be_filled_in_but_not_taken_away(w):
    past = ShiftFactory(team=w.team, date=w.today - 2 * DAY)
    _assign(w, past, w.zhou)  # who actually stood it, recorded afterwards
    with pytest.raises(ValidationError):
        services.assignment_remove(acting_user=w.manager, assignment=past.assignments.get())
    with pytest.raises(ValidationError):  # nor swapped
        swaps.swap_request(acting_user=w.duty, assignment=past.assignments.get(), to_member=w.li, reason="x")
    assert past.assignments.get().member == w.zhou


def test_remove_an_assignment(w):
    shift = _shift(w)
    assignment = _assign(w, shift, w.zhou)
    with pytest.raises(PermissionDenied):
        services.assignment_remove(acting_user=w.duty, assignment=assignment)  # reads the roster only
    services.assignment_remove(acting_user=w.manager, assignment=assignment)
    assert not shift.assignments.exists()


# --- gaps ----------------------------------------------------------------------------------------


def test_a_shift_with_fewer_members_than_seats_is_a_gap(w):
    full = _shift(w, seats=1)
    _assign(w, full, w.zhou)
    half = _shift(w, start=T16, end=T0, seats=2)
    _assign(w, half, w.li)
    empty = _shift(w, day=w.today + 3 * DAY)
    beyond = _shift(w, day=w.today + 20 * DAY)
    gaps = list(selectors.roster_gaps(w.manager, w.today, w.today + 14 * DAY))
    assert gaps == [half, empty]
    assert beyond not in gaps
    assert [g.staffed for g in gaps] == [1, 0]
    assert list(selectors.roster_gaps(w.outsider, w.today, w.today + 14 * DAY)) == []


# --- swaps ---------------------------------------------------------------------------------------


def test_swap_approved_moves_the_duty_to_the_colleague(w):
    shift = _shift(w)
    assignment = _assign(w, shift, w.zhou)
    swap = swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.wang, reason="孩子生病")
    assert swap.status == SwapRequest.Status.PENDING and swap.requested_by == w.duty
    swaps.swap_approve(acting_user=w.doctor, swap=swap, note="同意")
    assignment.refresh_from_db()
    swap.refresh_from_db()
    assert assignment.member == w.wang
    assert (swap.status, swap.decided_by, swap.decision_note) == (SwapRequest.Status.APPROVED, w.doctor, "同意")
    logs = ChangeLog.objects.filter(model="hotline.SwapRequest", object_id=str(swap.pk)).order_by("pk")
    assert [log.action for log in logs] == ["create", "update"]
    assert logs.last().after["from_member"] == "周值守"
    moved = ChangeLog.objects.get(model="hotline.ShiftAssignment", action="update")
    assert (moved.before["member_name"], moved.after["member_name"]) == ("周值守", "王值守")


def test_swap_approval_checks_the_colleague_again(w):
    shift = _shift(w)
    assignment = _assign(w, shift, w.zhou)
    swap = swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.wang, reason="有事")
    _assign(w, _shift(w, start=datetime.time(12), end=datetime.time(20), seats=1), w.wang)  # now busy
    with pytest.raises(ValidationError) as exc:
        swaps.swap_approve(acting_user=w.manager, swap=swap)
    assert "王值守" in exc.value.message_dict["to_member"][0]
    assignment.refresh_from_db()
    assert assignment.member == w.zhou


def test_someone_elses_duty_cannot_be_swapped_by_a_reader(w):
    assignment = _assign(w, _shift(w), w.zhou)
    with pytest.raises(ValidationError):  # sees the roster, but it is not their duty
        swaps.swap_request(acting_user=w.volunteer, assignment=assignment, to_member=w.li, reason="x")
    with pytest.raises(PermissionDenied):  # does not even see it
        swaps.swap_request(acting_user=w.outsider, assignment=assignment, to_member=w.li, reason="x")
    # A roster manager may ask on the member's behalf.
    swaps.swap_request(acting_user=w.manager, assignment=assignment, to_member=w.li, reason="代为申请")


def test_the_colleague_must_be_in_the_team_free_and_not_the_member(w):
    shift = _shift(w)
    assignment = _assign(w, shift, w.zhou)
    _assign(w, shift, w.li)
    for colleague in (w.stranger, w.zhou, w.li):
        with pytest.raises(ValidationError) as exc:
            swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=colleague, reason="x")
        assert "to_member" in exc.value.message_dict
    assert not SwapRequest.objects.exists()


def test_one_pending_request_per_duty_withdraw_and_reject(w):
    assignment = _assign(w, _shift(w), w.zhou)
    swap = swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.wang, reason="有事")
    with pytest.raises(ValidationError):
        swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.li, reason="有事")
    with pytest.raises(ValidationError):
        swaps.swap_withdraw(acting_user=w.volunteer, swap=swap)  # not theirs
    swaps.swap_withdraw(acting_user=w.duty, swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED
    second = swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.li, reason="还是有事")
    with pytest.raises(PermissionDenied):
        swaps.swap_reject(acting_user=w.duty, swap=second, note="不行")  # duty staff do not manage
    with pytest.raises(ValidationError) as exc:
        swaps.swap_reject(acting_user=w.manager, swap=second, note=" ")
    assert "note" in exc.value.message_dict
    swaps.swap_reject(acting_user=w.manager, swap=second, note="人手不够")
    second.refresh_from_db()
    assert (second.status, second.decision_note) == (SwapRequest.Status.REJECTED, "人手不够")
    with pytest.raises(ValidationError):
        swaps.swap_approve(acting_user=w.manager, swap=second)
    assignment.refresh_from_db()
    assert assignment.member == w.zhou

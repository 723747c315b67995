"""The duty roster's pages as a roster manager, a duty member, the supervising doctor and an
outsider would use them; and the home panel that flags gaps in advance."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.core.home import home_panels
from xianfeng.hotline import services_roster as services
from xianfeng.hotline import services_roster_swaps as swaps
from xianfeng.hotline.home_roster import roster_panel
from xianfeng.hotline.models import Call, Shift, ShiftAssignment, SwapRequest, Topic

from .factories import DAY, T0, T8, T16, roster_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return roster_world()


def _shift(w, day, start=T8, end=T16, seats=2, members=()):
    shift = services.shift_create(
        acting_user=w.manager, team=w.team, date=day, start_time=start, end_time=end, seats=seats
    )
    for member in members:
        services.assignment_add(acting_user=w.manager, shift=shift, member=member)
    return shift


def _html(response) -> str:
    return response.content.decode()


def test_the_month_shows_gaps_in_red_and_my_duty_marked(w, login):
    tomorrow = w.today + DAY
    mine = _shift(w, tomorrow, members=[w.zhou, w.li])
    gap = _shift(w, tomorrow, start=T16, end=T0, members=[w.wang])
    client = login(w.duty)
    html = _html(client.get(reverse("hotline:roster") + f"?team={w.team.pk}&month={tomorrow:%Y-%m}"))
    assert f'data-shift="{mine.pk}"' in html and f'data-shift="{gap.pk}"' in html
    assert 'data-gap="1"' in html and "缺 1 人" in html
    assert 'data-mine="1"' in html  # 周值守 (rexian) is on the morning shift
    assert 'id="roster-gaps"' in html  # the next 14 days' gaps listed above
    assert "新建班次" not in html  # duty staff read the roster only


def test_an_unknown_or_out_of_reach_team_is_404_and_bad_params_fall_back(w, login):
    client = login(w.manager)
    assert client.get(reverse("hotline:roster") + f"?team={w.other_team.pk}").status_code == 404
    assert client.get(reverse("hotline:roster") + "?team=99999999999999999999999").status_code == 200
    assert client.get(reverse("hotline:roster") + "?month=9999-99").status_code == 200
    htmx = client.get(reverse("hotline:roster") + f"?team={w.team.pk}", HTTP_HX_REQUEST="true")
    assert "<html" not in _html(htmx) and "roster-calendar" in _html(htmx)


def test_a_manager_creates_a_shift_and_generates_a_week(w, login):
    client = login(w.manager)
    assert client.get(reverse("hotline:shift_new")).status_code == 200
    response = client.post(
        reverse("hotline:shift_new"),
        {
            "team": w.team.pk,
            "date": (w.today + DAY).isoformat(),
            "start_time": "08:00",
            "end_time": "16:00",
            "seats": 2,
            "supervisor": w.sun.pk,
        },
    )
    shift = Shift.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotline:shift_detail", args=[shift.pk])
    assert shift.supervisor == w.sun
    data = {
        "team": w.team.pk,
        "date_from": (w.today + DAY).isoformat(),
        "date_to": (w.today + 7 * DAY).isoformat(),
        "slots": "08:00-16:00, 16:00-24:00, 00:00-08:00",
        "seats": 2,
    }
    assert client.post(reverse("hotline:roster_generate"), data).status_code == 302
    assert Shift.objects.count() == 21  # 7 days × 3, tomorrow's 08:00 kept
    bad = client.post(reverse("hotline:roster_generate"), {**data, "slots": "早班"})
    assert bad.status_code == 400 and "格式不对" in _html(bad)


def test_the_supervisor_outside_the_team_is_an_error_beside_the_field(w, login):
    client = login(w.manager)
    response = client.post(
        reverse("hotline:shift_new"),
        {"team": w.team.pk, "date": w.today.isoformat(), "start_time": "08:00", "end_time": "16:00", "seats": 1},
    )
    assert response.status_code == 302
    shift = Shift.objects.get()
    other = client.post(
        reverse("hotline:shift_edit", args=[shift.pk]),
        {
            "date": w.today.isoformat(),
            "start_time": "08:00",
            "end_time": "16:00",
            "seats": 1,
            "supervisor": w.stranger.pk,
        },
    )
    assert other.status_code == 400 and "invalid-feedback" in _html(other)


def test_assign_and_remove_from_the_shift_page(w, login):
    shift = _shift(w, w.today + DAY)
    client = login(w.manager)
    page = _html(client.get(reverse("hotline:shift_detail", args=[shift.pk])))
    assert "安排值守" in page and "王值守" in page and "外科医生" not in page  # the team's members only
    client.post(reverse("hotline:assignment_add", args=[shift.pk]), {"member": w.wang.pk})
    client.post(reverse("hotline:assignment_add", args=[shift.pk]), {"member": w.stranger.pk})  # not in the team
    assignment = ShiftAssignment.objects.get()
    assert assignment.member == w.wang
    client.post(reverse("hotline:assignment_remove", args=[assignment.pk]))
    assert not ShiftAssignment.objects.exists()


def test_the_calls_of_a_shift_are_a_count_for_the_roster_reader_and_a_list_for_the_hotline(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    Call.objects.create(  # written directly: the call log's own rules are not under test here
        org=w.branch,
        served_on=w.today,
        started_at=timezone.now(),
        duration_minutes=12,
        taken_by=w.zhou,
        team=w.team,
        shift=shift,
        topic=Topic.SLEEP,
        note="来电者失眠三周",
    )
    volunteer = _html(login(w.volunteer).get(reverse("hotline:shift_detail", args=[shift.pk])))
    assert 'id="shift-call-count">1<' in volunteer and "睡眠问题" not in volunteer
    doctor = _html(login(w.doctor).get(reverse("hotline:shift_detail", args=[shift.pk])))
    assert "睡眠问题" in doctor and "来电者失眠三周" not in doctor
    # A shift with a call logged to it cannot be deleted: the confirmation page says so.
    delete = _html(login(w.manager).get(reverse("hotline:shift_delete", args=[shift.pk])))
    assert "不能删除" in delete


def test_delete_a_shift_after_confirmation(w, login):
    shift = _shift(w, w.today + DAY)
    client = login(w.manager)
    assert "确认删除" in _html(client.get(reverse("hotline:shift_delete", args=[shift.pk])))
    assert client.post(reverse("hotline:shift_delete", args=[shift.pk])).status_code == 302
    assert not Shift.objects.exists()


def test_an_outsider_gets_404_and_a_reader_403_on_managing(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    assignment = shift.assignments.get()
    outsider = login(w.outsider)
    for url in (
        reverse("hotline:shift_detail", args=[shift.pk]),
        reverse("hotline:shift_edit", args=[shift.pk]),
        reverse("hotline:assignment_swap", args=[assignment.pk]),
    ):
        assert outsider.get(url).status_code == 404
    duty = login(w.duty)
    assert duty.get(reverse("hotline:shift_edit", args=[shift.pk])).status_code == 403
    assert duty.get(reverse("hotline:shift_new")).status_code == 403
    assert duty.post(reverse("hotline:assignment_remove", args=[assignment.pk])).status_code == 403


def test_a_duty_member_asks_to_swap_and_a_manager_approves(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    assignment = shift.assignments.get()
    duty = login(w.duty)
    form = _html(duty.get(reverse("hotline:assignment_swap", args=[assignment.pk])))
    assert "王值守" in form and "外科医生" not in form
    response = duty.post(
        reverse("hotline:assignment_swap", args=[assignment.pk]), {"to_member": w.wang.pk, "reason": "孩子发烧"}
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    listing = _html(login(w.manager).get(reverse("hotline:swap_list")))
    assert "孩子发烧" in listing and reverse("hotline:swap_approve", args=[swap.pk]) in listing
    assert login(w.duty).post(reverse("hotline:swap_approve", args=[swap.pk])).status_code == 403
    login(w.doctor).post(reverse("hotline:swap_approve", args=[swap.pk]), {"note": "同意"})
    assignment.refresh_from_db()
    assert assignment.member == w.wang


def test_a_reader_who_is_not_the_member_gets_a_form_error_not_403(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    assignment = shift.assignments.get()
    response = login(w.volunteer).post(
        reverse("hotline:assignment_swap", args=[assignment.pk]), {"to_member": w.wang.pk, "reason": "替他申请"}
    )
    assert response.status_code == 400 and "只有本人或排班管理者" in _html(response)
    assert not SwapRequest.objects.exists()


def test_reject_needs_a_reason_and_withdraw(w, login):
    shift = _shift(w, w.today + DAY, members=[w.zhou])
    assignment = shift.assignments.get()
    swap = swaps.swap_request(acting_user=w.duty, assignment=assignment, to_member=w.li, reason="有事")
    manager = login(w.manager)
    manager.post(reverse("hotline:swap_reject", args=[swap.pk]), {"note": ""})
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING
    login(w.duty).post(reverse("hotline:swap_withdraw", args=[swap.pk]))
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED
    assert "已撤回" in _html(login(w.duty).get(reverse("hotline:swap_list")))


# --- the home panel ------------------------------------------------------------------------------


class _Request:
    def __init__(self, user):
        self.user = user


def test_the_home_panel_flags_next_weeks_gaps_to_a_manager_and_duties_to_the_member(w):
    _shift(w, w.today + DAY, members=[w.zhou, w.li])  # staffed
    gap = _shift(w, w.today + 2 * DAY, members=[w.zhou])
    _shift(w, w.today + 10 * DAY)  # a gap beyond the week
    panel = roster_panel(_Request(w.manager))
    assert panel["gap_count"] == 1 and [g.pk for g in panel["gaps"]] == [gap.pk]
    duty = roster_panel(_Request(w.duty))
    assert duty["gaps"] is None and len(duty["duties"]) == 2
    assert roster_panel(_Request(w.outsider))["gap_count"] == 0
    assert roster_panel(_Request(w.volunteer)) is not None  # 李值守 is on tomorrow's shift


def test_the_home_panel_is_on_the_home_page_in_two_queries(w, django_assert_max_num_queries):
    _shift(w, w.today + 2 * DAY, members=[w.zhou])
    request = _Request(w.doctor)
    roster_panel(request)  # grants cached
    with django_assert_max_num_queries(2):
        panel = roster_panel(request)
    assert panel["gap_count"] == 1
    assert "hotline-roster" in [p["key"] for p in home_panels(request)]


def test_the_home_page_shows_my_duty_now(w, login):
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    day = (now - datetime.timedelta(hours=1)).date()
    _shift(w, day, start=start, end=end, members=[w.zhou])
    html = _html(login(w.duty).get(reverse("core:home")))
    assert 'id="home-roster"' in html and "值班中" in html

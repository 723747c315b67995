"""The phone's clock at sync: a date left at its default follows the server's clock (and the user is
told), a date the user chose that is later than the server's today is refused naming the clock."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.devices.models import SyncedEntry
from xianfeng.needs.models import Need
from xianfeng.servicelog.models import ServiceRecord

from .sync_world import DAY, build, client_of, delivery, entry, results, sync

TODAY = timezone.localdate()


@pytest.fixture
def w(world):
    return build(world)


def test_a_phone_a_day_fast_with_the_default_date_saves_todays_date_and_says_so(w):
    phone_now = timezone.now() + DAY
    ahead = entry(
        "record",
        delivery(w, served_on=(TODAY + DAY).isoformat()),
        user=w.volunteer,
        made_at=phone_now,
        date_defaulted=True,
    )
    response = sync(client_of(w.volunteer), [ahead], sent_at=phone_now)
    body = response.json()
    assert -86400 - 5 <= body["clock_skew_seconds"] <= -86400 + 5
    answer = body["results"][0]
    assert answer["status"] == "created", answer
    assert ServiceRecord.objects.get().served_on == TODAY
    assert "手机时钟快了 1 天" in answer["message"] and TODAY.isoformat() in answer["message"]
    receipt = SyncedEntry.objects.get()
    assert abs(receipt.made_at - timezone.now()) < datetime.timedelta(minutes=1)  # made "now" on a fast clock


def test_a_phone_a_day_fast_with_a_chosen_date_is_refused_naming_the_clock(w):
    phone_now = timezone.now() + DAY
    chosen = entry("record", delivery(w, served_on=(TODAY + DAY).isoformat()), user=w.volunteer, made_at=phone_now)
    answer = results(sync(client_of(w.volunteer), [chosen], sent_at=phone_now))[0]
    assert answer["status"] == "refused"
    assert answer["message"] == "服务日期晚于今天：手机时钟可能快了 1 天，请改正日期后重新同步"
    assert list(answer["errors"]) == ["served_on"]
    assert not ServiceRecord.objects.exists()


def test_an_entry_made_days_ago_offline_keeps_its_day(w):
    """Made three days ago with the default date, synced today: the day it was made, not today."""
    made = timezone.now() - 3 * DAY
    old = entry("record", delivery(w, served_on=(TODAY - 3 * DAY).isoformat()), user=w.volunteer, made_at=made)
    old["date_defaulted"] = True
    answer = results(sync(client_of(w.volunteer), [old]))[0]
    assert answer["status"] == "created" and answer["message"] == ""
    assert ServiceRecord.objects.get().served_on == timezone.localdate(made)


def test_a_phone_a_day_slow_moves_a_defaulted_need_to_the_server_day(w):
    phone_now = timezone.now() - DAY
    need = entry(
        "need",
        {"title": "需要轮椅", "category": "assistive", "resident_id": w.resident.pk},
        user=w.volunteer,
        made_at=phone_now,
        date_defaulted=True,
    )
    answer = results(sync(client_of(w.volunteer), [need], sent_at=phone_now))[0]
    assert answer["status"] == "created", answer
    assert Need.objects.get().raised_on == TODAY and "手机时钟慢了 1 天" in answer["message"]


def test_a_right_clock_and_a_chosen_past_date_change_nothing(w):
    past = entry("record", delivery(w, served_on=(TODAY - 2 * DAY).isoformat()), user=w.volunteer)
    answer = results(sync(client_of(w.volunteer), [past]))[0]
    assert answer["status"] == "created" and answer["message"] == ""
    assert ServiceRecord.objects.get().served_on == TODAY - 2 * DAY


# --- a call's time -----------------------------------------------------------------------------


@pytest.fixture
def duty(world):
    from xianfeng.devices.services import device_register
    from xianfeng.hotline.tests.calls_world import build_calls_world

    cw = build_calls_world(world)
    device_register(acting_user=cw.duty, client_id="duty-phone", secret="d" * 40)
    return cw


def call_payload(started: datetime.datetime) -> dict:
    return {"started_at": started.isoformat(), "duration_minutes": 10, "topic": "sleep", "outcome": "advice"}


def test_a_call_logged_on_a_phone_an_hour_fast_at_its_default_time_is_moved_back(duty):
    from xianfeng.hotline.models import Call

    phone_now = timezone.now() + datetime.timedelta(hours=1)
    logged = entry("call", call_payload(phone_now), user=duty.duty, made_at=phone_now, date_defaulted=True)
    answer = results(sync(client_of(duty.duty), [logged], device="duty-phone", sent_at=phone_now))[0]
    assert answer["status"] == "created", answer
    assert abs(Call.objects.get().started_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert "手机时钟快了 1 小时" in answer["message"] and "来电时间已按服务器时间改为" in answer["message"]


def test_a_call_time_chosen_an_hour_ahead_is_refused_naming_the_clock(duty):
    from xianfeng.hotline.models import Call

    phone_now = timezone.now() + datetime.timedelta(hours=1)
    logged = entry("call", call_payload(phone_now), user=duty.duty, made_at=phone_now)
    answer = results(sync(client_of(duty.duty), [logged], device="duty-phone", sent_at=phone_now))[0]
    assert answer["status"] == "refused" and list(answer["errors"]) == ["started_at"]
    assert answer["message"] == "来电时间晚于现在：手机时钟可能快了 1 小时，请改正时间后重新同步"
    assert not Call.objects.exists()

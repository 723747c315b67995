"""Logging, correcting and voiding calls (services_calls.py): the record that counts the call, the
idempotency key, the off-roster flag, the rules on time and duration, and the escalation a
high-risk call always opens."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.hotline.models import Call, Escalation, Shift
from xianfeng.hotline.services_calls import call_update, call_void
from xianfeng.hotline.services_escalations import escalation_close
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.services import record_update, record_void

from .calls_world import HIGH, build_calls_world, leader, log


@pytest.fixture
def cw(world):
    return build_calls_world(world)


def counted_calls(org) -> int:
    """人次 of the hotline as the figures count them: the counted records of its two types."""
    return ServiceRecord.objects.filter(
        org=org, voided_at__isnull=True, service_type__code__in=["hotline_call", "online_consult"]
    ).count()


def test_a_call_is_one_more_person_time_through_its_record(cw):
    before = counted_calls(cw.world.branch_a)
    saved = log(cw.duty, duration_minutes=50, channel="online")
    call = saved.call
    assert saved.created and saved.escalation is None
    assert counted_calls(cw.world.branch_a) == before + 1
    record = call.record
    assert record.service_type.code == "online_consult"
    assert record.resident is None and record.household is None and record.place_code == ""
    assert record.result == {}  # 线上心理服务 has no minutes field (心理援助热线 has)
    assert [(p.member, p.hours) for p in record.providers.all()] == [(cw.duty_member, Decimal("0.8"))]
    assert call.taken_by == cw.duty_member  # defaulted to the duty member's own member
    assert call.org == cw.world.branch_a and call.team == cw.team and call.shift == cw.shift
    assert not call.off_roster
    assert ChangeLog.objects.filter(model="hotline.Call", object_id=str(call.pk), action="create").exists()


def test_a_short_call_still_counts_a_tenth_of_an_hour(cw):
    call = log(cw.duty, duration_minutes=2).call
    assert call.record.providers.get().hours == Decimal("0.1")


def test_the_callers_region_places_the_record(cw):
    from xianfeng.residents.tests.factories import VILLAGE_A, county_regions

    county_regions()
    call = log(cw.duty, region=VILLAGE_A).call
    assert call.village_code == VILLAGE_A
    assert call.record.village_code == VILLAGE_A and call.record.township_code == VILLAGE_A[:9]


def test_the_same_key_twice_is_one_call_and_one_record(cw):
    first = log(cw.duty, idempotency_key="tap-1")
    records = ServiceRecord.objects.count()
    second = log(cw.duty, idempotency_key="tap-1")
    assert not second.created and second.call.pk == first.call.pk
    assert ServiceRecord.objects.count() == records
    assert Call.objects.count() == 1


def test_a_member_not_on_the_shift_is_allowed_and_flagged(cw):
    call = log(cw.duty, taken_by=cw.mate).call
    assert call.off_roster
    assert call.shift == cw.shift


def test_a_call_outside_every_shift_of_a_rostered_day_is_flagged(cw):
    cw.shift.delete()
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=3)).time() if now.hour >= 4 else datetime.time(23, 0)
    end = (now - datetime.timedelta(hours=2)).time() if now.hour >= 4 else datetime.time(23, 30)
    Shift.objects.create(team=cw.team, date=now.date(), start_time=start, end_time=end)
    call = log(cw.duty).call
    assert call.shift is None and call.off_roster


def test_a_team_without_roster_that_day_is_not_flagged(cw):
    cw.shift.delete()
    call = log(cw.duty).call
    assert call.shift is None and not call.off_roster


def test_a_night_shift_covers_the_small_hours(cw):
    two_days_ago = timezone.localdate() - datetime.timedelta(days=2)
    night = Shift.objects.create(
        team=cw.team, date=two_days_ago, start_time=datetime.time(22, 0), end_time=datetime.time(8, 0)
    )
    night.assignments.create(member=cw.duty_member)
    at = timezone.make_aware(datetime.datetime.combine(two_days_ago + datetime.timedelta(days=1), datetime.time(2, 30)))
    call = log(cw.duty, started_at=at).call
    assert call.shift == night and not call.off_roster
    assert call.served_on == two_days_ago + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"started_at": None}, "started_at"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"duration_minutes": -1}, "duration_minutes"),
        ({"topic": ""}, "topic"),
        ({"outcome": ""}, "outcome"),
        ({"callback_phone": "12345"}, "callback_phone"),
        ({"region": "999999"}, "region"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(cw, fields, field):
    records = ServiceRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        log(cw.duty, **fields)
    assert field in caught.value.message_dict
    assert Call.objects.count() == 0 and ServiceRecord.objects.count() == records


def test_a_call_in_the_future_is_refused_but_a_phone_clock_a_little_ahead_is_not(cw):
    with pytest.raises(ValidationError) as caught:
        log(cw.duty, started_at=timezone.now() + datetime.timedelta(minutes=30))
    assert "started_at" in caught.value.message_dict
    assert log(cw.duty, started_at=timezone.now() + datetime.timedelta(minutes=3)).created


def test_the_callback_phone_is_stored_encrypted_and_shown_masked(cw):
    call = log(cw.duty, callback_phone="139 1234 5678").call
    call.refresh_from_db()
    assert call.callback_phone == "13912345678"
    assert call.callback_phone_masked != "13912345678" and "5678" in call.callback_phone_masked
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT callback_phone FROM hotline_call WHERE id = %s", [call.pk])
        assert "13912345678" not in cursor.fetchone()[0]


def test_a_clerk_without_hotline_rights_cannot_log(cw):
    with pytest.raises(ValidationError) as caught:
        log(cw.owner, team=cw.team, taken_by=cw.mate)
    assert "team" in caught.value.message_dict


def test_a_duty_member_cannot_log_for_another_orgs_team(cw):
    with pytest.raises(ValidationError) as caught:
        log(cw.duty, team=cw.team_b)
    assert "team" in caught.value.message_dict
    assert Call.objects.count() == 0


def test_high_risk_always_escalates_to_the_shift_supervisor_even_if_resolved(cw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        saved = log(cw.duty, outcome="resolved", **HIGH)
    assert saved.call.risk_level == "high"
    escalation = saved.escalation
    assert escalation is not None and escalation.supervisor == cw.doctor_member
    assert escalation.due_at - escalation.raised_at == datetime.timedelta(minutes=30)
    assert len(callbacks) == 1  # the alert leaves only once the call is committed


def test_outcome_crisis_escalates_a_call_screened_low(cw):
    saved = log(cw.duty, outcome="crisis", self_harm=True)
    assert saved.call.risk_level == "low" and saved.escalation is not None


def test_without_a_shift_supervisor_the_team_leader_supervises(cw):
    cw.shift.supervisor = None
    cw.shift.save()
    leader(cw.team, cw.mate)
    assert log(cw.duty, **HIGH).escalation.supervisor == cw.mate


def test_without_supervisor_or_leader_nobody_is_named(cw):
    cw.shift.supervisor = None
    cw.shift.save()
    assert log(cw.duty, **HIGH).escalation.supervisor is None


def test_update_corrects_and_rederives_the_record(cw):
    call = log(cw.duty, duration_minutes=10).call
    call_update(acting_user=cw.duty, call=call, duration_minutes=90, topic="grief", intervention="倾听、情绪稳定化")
    call.refresh_from_db()
    record = ServiceRecord.objects.get(pk=call.record_id)
    assert call.topic == "grief" and record.result == {"minutes": 90}
    assert record.providers.get().hours == Decimal("1.5")


def test_the_risk_screen_only_goes_up_and_a_rise_to_high_escalates(cw):
    call = log(cw.duty, suicidal_ideation=True).call
    assert call.risk_level == "medium"
    with pytest.raises(ValidationError) as caught:
        call_update(acting_user=cw.duty, call=call, suicidal_ideation=False)
    assert "suicidal_ideation" in caught.value.message_dict
    call_update(acting_user=cw.duty, call=call, suicide_attempt=True)
    call.refresh_from_db()
    assert call.risk_level == "high" and Escalation.objects.filter(call=call).exists()


def test_void_takes_the_call_and_its_record_out_of_the_counts(cw):
    call = log(cw.duty).call
    before = counted_calls(cw.world.branch_a)
    with pytest.raises(ValidationError):
        call_void(acting_user=cw.duty, call=call, reason=" ")
    call_void(acting_user=cw.duty, call=call, reason="重复登记")
    call.refresh_from_db()
    assert call.is_voided and ServiceRecord.objects.get(pk=call.record_id).is_voided
    assert counted_calls(cw.world.branch_a) == before - 1


def test_an_open_escalation_must_be_closed_before_voiding(cw):
    saved = log(cw.duty, **HIGH)
    with pytest.raises(ValidationError):
        call_void(acting_user=cw.duty, call=saved.call, reason="录错")
    escalation_close(acting_user=cw.doctor, escalation=saved.escalation, outcome="safe")
    call_void(acting_user=cw.duty, call=saved.call, reason="录错")


def test_the_record_is_changed_only_through_the_call(cw):
    call = log(cw.duty).call
    with pytest.raises(ValidationError):
        record_update(acting_user=cw.admin, record=call.record, note="改")
    with pytest.raises(ValidationError):
        record_void(acting_user=cw.admin, record=call.record, reason="作废")
    assert not ServiceRecord.objects.get(pk=call.record_id).is_voided

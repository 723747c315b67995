"""Crisis escalations: the alert that leaves at once (and never leaks the caller's phone), closing
with an outcome, the minutes to handle, in time or late, and the red banner on every page."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.hotline import alerts
from xianfeng.hotline.models import Escalation
from xianfeng.hotline.services_escalations import escalation_acknowledge, escalation_close

from .calls_world import HIGH, build_calls_world, log

PHONE = "13912345678"


@pytest.fixture
def cw(world):
    return build_calls_world(world)


def test_a_high_risk_call_alerts_the_supervisor_by_mail_without_the_phone(
    cw, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_CHANNELS = ["email"]
    with django_capture_on_commit_callbacks(execute=True):
        saved = log(cw.duty, callback_phone=PHONE, **HIGH)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sun@example.org"]
    assert f"#{saved.call.pk}" in message.subject
    assert PHONE not in message.subject + message.body and "5678" not in message.body
    assert reverse("hotline:escalation_detail", args=[saved.escalation.pk]) in message.body
    assert Escalation.objects.get(pk=saved.escalation.pk).alerted


class BrokenChannel:
    name = "broken"

    def send(self, *, member, subject, body):
        raise ConnectionError("gateway down")


def test_a_failing_channel_is_logged_and_the_call_stays_saved(cw, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(alerts, "configured_channels", lambda: [BrokenChannel()])
    with django_capture_on_commit_callbacks(execute=True):
        saved = log(cw.duty, **HIGH)
    escalation = Escalation.objects.get(pk=saved.escalation.pk)
    assert not escalation.alerted and escalation.is_open


def test_without_a_supervisor_the_hotline_change_holders_in_scope_are_alerted(
    cw, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_CHANNELS = ["email"]
    cw.shift.supervisor = None
    cw.shift.save()
    cw.duty.email = "zhou@example.org"
    cw.duty.save()
    cw.duty_b.email = "wu@example.org"
    cw.duty_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        log(cw.duty, **HIGH)
    assert sorted(m.to[0] for m in mail.outbox) == ["sun@example.org", "zhou@example.org"]


def test_closing_needs_an_outcome(cw):
    escalation = log(cw.duty, **HIGH).escalation
    with pytest.raises(ValidationError) as caught:
        escalation_close(acting_user=cw.doctor, escalation=escalation, outcome="")
    assert "outcome" in caught.value.message_dict
    assert Escalation.objects.get(pk=escalation.pk).is_open


def test_closing_in_time_records_the_minutes_from_the_call(cw):
    started = timezone.now() - datetime.timedelta(minutes=12)
    escalation = log(cw.duty, started_at=started, **HIGH).escalation
    escalation_acknowledge(acting_user=cw.doctor, escalation=escalation)
    closed = escalation_close(
        acting_user=cw.doctor, escalation=escalation, outcome="family", outcome_note="已联系其母亲"
    )
    assert closed.minutes_to_handle in (12, 13)
    assert closed.handled_in_time and closed.closed_by == cw.doctor and closed.acknowledged_by == cw.doctor
    with pytest.raises(ValidationError):
        escalation_close(acting_user=cw.doctor, escalation=escalation, outcome="safe")


def test_closing_after_the_due_time_is_late(cw):
    escalation = log(cw.duty, **HIGH).escalation
    Escalation.objects.filter(pk=escalation.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    closed = escalation_close(acting_user=cw.doctor, escalation=escalation, outcome="safe")
    assert closed.handled_in_time is False


def test_someone_out_of_scope_cannot_close(cw):
    from django.core.exceptions import PermissionDenied

    escalation = log(cw.duty, **HIGH).escalation
    with pytest.raises(PermissionDenied):
        escalation_close(acting_user=cw.duty_b, escalation=escalation, outcome="safe")


def test_the_banner_shows_on_every_page_until_closed(cw, login, rf):
    escalation = log(cw.duty, **HIGH).escalation
    request = rf.get("/")
    request.user = cw.doctor
    banner = alerts.escalation_banner(request)["hotline_alert"]
    with CaptureQueriesContext(connection) as queries:
        assert banner.count == 1 and banner.overdue == 0
    assert len(queries) <= 1
    from django.template.loader import render_to_string

    html = render_to_string("hotline/_escalation_banner.html", {"hotline_alert": banner})
    assert 'data-hotline-alert="1"' in html and reverse("hotline:escalation_list") in html
    escalation_close(acting_user=cw.doctor, escalation=escalation, outcome="safe")
    request.user = cw.doctor
    assert not alerts.escalation_banner(request)["hotline_alert"]


def test_no_banner_and_no_query_for_users_without_hotline_rights(cw, rf):
    log(cw.duty, **HIGH)
    request = rf.get("/")
    request.user = cw.owner
    from xianfeng.accounts.scoping import active_grants

    active_grants(cw.owner)  # loaded once per request for the sidebar already
    with CaptureQueriesContext(connection) as queries:
        assert alerts.escalation_banner(request) == {"hotline_alert": None}
    assert len(queries) == 0


def test_the_banner_is_for_the_supervisor_not_for_another_supervisors_duty_member(cw, rf):
    log(cw.duty, **HIGH)  # supervised by 孙督导
    request = rf.get("/")
    request.user = cw.duty
    assert not alerts.escalation_banner(request)["hotline_alert"]

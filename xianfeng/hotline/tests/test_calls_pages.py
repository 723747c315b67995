"""The call-log pages as the duty member, the supervisor and a clerk (who has no hotline rights)
would use them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from xianfeng.audit.models import AccessLog
from xianfeng.hotline.models import Call, Escalation

from .calls_world import HIGH, build_calls_world, log

PHONE = "13912345678"


@pytest.fixture
def cw(world):
    return build_calls_world(world)


def form_data(**overrides):
    data = {
        "idempotency_key": "k-1",
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "25",
        "channel": "phone",
        "topic": "depression",
        "outcome": "crisis",
        "intervention": "稳定情绪，确认安全",
        "suicidal_ideation": "1",
        "suicide_plan": "1",
        "suicide_attempt": "0",
        "means_access": "1",
        "violence_risk": "0",
        "self_harm": "0",
        "callback_phone": PHONE,
    }
    return data | overrides


def test_duty_member_logs_a_high_risk_call_on_the_phone_form(cw, login):
    client = login(cw.duty)
    page = client.get(reverse("hotline:call_new"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "保存后将立即通知督导" in html and "data-risk-answer" in html
    assert 'name="team"' in html  # the only team is preselected (hidden)
    response = client.post(reverse("hotline:call_new"), form_data())
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotline:call_detail", args=[call.pk])
    assert call.risk_level == "high" and call.taken_by == cw.duty_member and call.team == cw.team
    assert Escalation.objects.filter(call=call, supervisor=cw.doctor_member).exists()
    again = client.post(reverse("hotline:call_new"), form_data())  # a double tap
    assert again.status_code == 302 and Call.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert PHONE not in detail and "5678" in detail
    assert "危机升级处理中" in detail


def test_a_bad_form_comes_back_with_errors_beside_the_fields(cw, login):
    client = login(cw.duty)
    future = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("hotline:call_new"), form_data(started_at=future, callback_phone="123"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "来电时间不能晚于现在" in html and "不是有效的电话号码" in html
    assert Call.objects.count() == 0


def test_the_list_masks_numbers_flags_off_roster_and_filters(cw, login):
    high = log(cw.duty, callback_phone=PHONE, **HIGH).call
    off = log(cw.duty, taken_by=cw.mate).call
    client = login(cw.duty)
    html = client.get(reverse("hotline:call_list")).content.decode()
    assert PHONE not in html and f'data-call="{high.pk}"' in html and "data-off-roster" in html
    only_off = client.get(reverse("hotline:call_list"), {"off_roster": "1"}).content.decode()
    assert f'data-call="{off.pk}"' in only_off and f'data-call="{high.pk}"' not in only_off
    open_only = client.get(reverse("hotline:call_list"), {"open_escalation": "1"}).content.decode()
    assert f'data-call="{high.pk}"' in open_only and f'data-call="{off.pk}"' not in open_only
    by_number = client.get(reverse("hotline:call_list"), {"q": f"#{off.pk}"}).content.decode()
    assert f'data-call="{off.pk}"' in by_number and f'data-call="{high.pk}"' not in by_number
    risky = client.get(reverse("hotline:call_list"), {"risk_level": "high"}).content.decode()
    assert f'data-call="{high.pk}"' in risky and f'data-call="{off.pk}"' not in risky
    for params in ({"page": "99999999999999999999"}, {"q": "9" * 40}, {"date_from": "99999-01-01"}):
        assert client.get(reverse("hotline:call_list"), params).status_code == 200


def test_the_list_costs_the_same_queries_for_many_rows(cw, login):
    client = login(cw.doctor)
    log(cw.duty, **HIGH)
    client.get(reverse("hotline:call_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("hotline:call_list"))
    for _n in range(6):
        log(cw.duty, taken_by=cw.mate)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("hotline:call_list"))
    assert len(many) == len(few)


def test_supervisor_sees_the_alert_acknowledges_and_closes_with_an_outcome(cw, login):
    escalation = log(cw.duty, **HIGH).escalation
    client = login(cw.doctor)
    home = client.get(reverse("core:home"))
    keys = [p["key"] for p in home.context["panels"]]
    assert "hotline-escalations" in keys
    assert f'data-escalation="{escalation.pk}"' in home.content.decode()
    url = reverse("hotline:escalation_detail", args=[escalation.pk])
    assert client.get(url).status_code == 200
    client.post(reverse("hotline:escalation_acknowledge", args=[escalation.pk]))
    assert Escalation.objects.get(pk=escalation.pk).acknowledged_by == cw.doctor
    refused = client.post(reverse("hotline:escalation_close", args=[escalation.pk]), {"outcome": ""})
    assert refused.status_code == 400 and "必须写明结果" in refused.content.decode()
    assert Escalation.objects.get(pk=escalation.pk).is_open
    done = client.post(
        reverse("hotline:escalation_close", args=[escalation.pk]), {"outcome": "safe", "outcome_note": "已回拨"}
    )
    assert done.status_code == 302
    closed = Escalation.objects.get(pk=escalation.pk)
    assert closed.outcome == "safe" and closed.minutes_to_handle is not None
    listing = client.get(reverse("hotline:escalation_list")).content.decode()
    assert "按时关闭" in listing
    after = client.get(url).content.decode()
    assert "已关闭" in after and "写明结果并关闭" not in after
    assert client.get(reverse("hotline:call_detail", args=[closed.call_id])).status_code == 200


def test_escalation_list_puts_the_open_and_overdue_first(cw, login):
    closed = log(cw.duty, **HIGH).escalation
    Escalation.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), outcome="safe", minutes_to_handle=5)
    late = log(cw.duty, **HIGH).escalation
    Escalation.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    html = login(cw.doctor).get(reverse("hotline:escalation_list")).content.decode()
    assert html.index(f'data-escalation="{late.pk}"') < html.index(f'data-escalation="{closed.pk}"')
    assert "data-overdue" in html


def test_duty_member_home_has_the_log_button_and_todays_count(cw, login):
    log(cw.duty)
    log(cw.duty)
    html = login(cw.duty).get(reverse("core:home")).content.decode()
    assert "data-new-call" in html and 'data-count="calls-today">2<' in html


def test_a_clerk_has_no_hotline_rights(cw, login):
    call = log(cw.duty, **HIGH).call
    client = login(cw.owner)
    assert client.get(reverse("hotline:call_list")).status_code == 403
    assert client.get(reverse("hotline:call_new")).status_code == 403
    assert client.get(reverse("hotline:call_detail", args=[call.pk])).status_code == 404
    assert client.get(reverse("hotline:escalation_detail", args=[call.escalation.pk])).status_code == 404
    home = client.get(reverse("core:home"))
    assert "hotline-escalations" not in [p["key"] for p in home.context["panels"]]


def test_another_orgs_duty_member_does_not_reach_the_call(cw, login):
    call = log(cw.duty, **HIGH).call
    client = login(cw.duty_b)
    assert client.get(reverse("hotline:call_detail", args=[call.pk])).status_code == 404
    assert (
        client.post(reverse("hotline:escalation_close", args=[call.escalation.pk]), {"outcome": "safe"}).status_code
        == 404
    )
    assert f'data-call="{call.pk}"' not in client.get(reverse("hotline:call_list")).content.decode()
    assert client.get(reverse("hotline:call_detail", args=[10**30])).status_code == 404


def test_edit_and_void_through_the_pages(cw, login):
    call = log(cw.duty).call
    client = login(cw.duty)
    edit = reverse("hotline:call_edit", args=[call.pk])
    assert client.get(edit).status_code == 200
    data = {
        "duration_minutes": "40",
        "topic": "family",
        "outcome": "referral",
        "intervention": "建议到精神科门诊",
        "suicidal_ideation": "1",
        "suicide_plan": "0",
        "suicide_attempt": "0",
        "means_access": "0",
        "violence_risk": "0",
        "self_harm": "0",
    }
    assert client.post(edit, data).status_code == 302
    call.refresh_from_db()
    assert (call.topic, call.duration_minutes, call.risk_level) == ("family", 40, "medium")
    void = reverse("hotline:call_void", args=[call.pk])
    assert client.post(void, {"reason": ""}).status_code == 400
    assert client.post(void, {"reason": "重复登记"}).status_code == 302
    call.refresh_from_db()
    assert call.is_voided


def test_export_has_no_callback_numbers_and_is_logged(cw, login):
    log(cw.duty, callback_phone=PHONE, **HIGH)
    assert login(cw.duty).get(reverse("hotline:call_export")).status_code == 403
    response = login(cw.doctor).get(reverse("hotline:call_export"))
    assert response.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "高风险" in cells and not any(PHONE in c or "5678" in c for c in cells)
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT, user=cw.doctor).exists()


def test_reveal_writes_an_access_log_row(cw, login):
    call = log(cw.duty, callback_phone=PHONE).call
    url = reverse("hotline:call_reveal", args=[call.pk])
    page = login(cw.admin).get(url)
    assert page.status_code == 200 and PHONE not in page.content.decode()
    response = login(cw.admin).post(url, {"reason": "回访来电者"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    row = AccessLog.objects.get(kind=AccessLog.Kind.REVEAL)
    assert row.user == cw.admin and row.fields == "callback_phone" and PHONE not in row.object_repr


def test_the_record_page_links_back_to_the_call_with_a_bare_label(cw, login):
    call = log(cw.duty, intervention="来电者说了很私密的事").call
    html = login(cw.doctor).get(reverse("servicelog:record_detail", args=[call.record_id])).content.decode()
    assert f"热线来电 #{call.pk}" in html and reverse("hotline:call_detail", args=[call.pk]) in html
    assert "很私密" not in html


def test_the_home_panel_costs_two_queries_and_nothing_for_others(cw, rf):
    from xianfeng.accounts.scoping import active_grants
    from xianfeng.hotline.home_calls import escalations_panel

    log(cw.duty, **HIGH)
    for user, shown in ((cw.doctor, True), (cw.duty, True), (cw.owner, False)):
        request = rf.get("/")
        request.user = user
        active_grants(user)  # loaded once per request for the sidebar already
        with CaptureQueriesContext(connection) as queries:
            panel = escalations_panel(request)
        assert (panel is not None) == shown
        assert len(queries) <= (2 if shown else 0)
        if shown:
            assert len(panel["rows"]) == 1 and panel["rows"][0]["minutes"] >= 0

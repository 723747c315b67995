"""Dues over the API: rates, payments (with a replayed key), void, statement, arrears; errors
name the field; scope answers 404/403; huge numbers are 422."""

import pytest
from django.test import Client

from xianfeng.partylife.models import DuesPayment

from .factories_dues import THIS_MONTH, TODAY, dues_world, month_ago, pay, set_rates

API = "/api/partylife/dues/"


@pytest.fixture
def w(world):
    w = dues_world(world)
    set_rates(w)
    return w


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_set_a_rate_and_record_payments_with_a_replayed_key(w):
    client = _client(w.secretary)
    r = _post(
        client,
        API + "rates/",
        {"member_id": w.me.pk, "category": "retired", "monthly_base": "4000", "start_month": f"{THIS_MONTH:%Y-%m}"},
    )
    assert r.status_code == 201, r.json()
    assert r.json()["amount"] == "20.00"
    body = {
        "member_id": w.me.pk,
        "from_month": f"{month_ago(2):%Y-%m}",
        "to_month": f"{THIS_MONTH:%Y-%m}",
        "paid_on": str(TODAY),
        "idempotency_key": "k1",
    }
    first = _post(client, API + "payments/", body)
    assert first.status_code == 201, first.json()
    assert [p["amount"] for p in first.json()] == ["40.00", "40.00", "20.00"]
    again = _post(client, API + "payments/", body)
    assert again.status_code == 200 and [p["id"] for p in again.json()] == [p["id"] for p in first.json()]
    assert DuesPayment.objects.filter(member=w.me).count() == 3
    listed = client.get(API + "payments/", {"member_id": w.me.pk}).json()
    assert listed["count"] == 3


def test_errors_name_the_field(w):
    client = _client(w.secretary)
    pay(w, w.me, THIS_MONTH)
    r = _post(
        client, API + "payments/", {"member_id": w.me.pk, "from_month": f"{THIS_MONTH:%Y-%m}", "paid_on": str(TODAY)}
    )
    assert r.status_code == 422 and "已交纳" in str(r.json())
    r = _post(
        client,
        API + "rates/",
        {
            "member_id": w.me.pk,
            "category": "in_service",
            "monthly_base": "4000",
            "amount": "1",
            "start_month": f"{THIS_MONTH:%Y-%m}",
        },
    )
    assert r.status_code == 422 and "40.00" in str(r.json())
    r = _post(
        client,
        API + "rates/",
        {"member_id": w.me.pk, "category": "in_service", "monthly_base": "9" * 30, "start_month": "2026-01"},
    )
    assert r.status_code == 422
    r = _post(client, API + "payments/", {"member_id": 2**70, "from_month": "2026-01", "paid_on": str(TODAY)})
    assert r.status_code == 422


def test_statement_and_arrears(w):
    pay(w, w.doctor, month_ago(11), month_ago(7))
    client = _client(w.owner)
    data = client.get(API + "statement/", {"month": f"{THIS_MONTH:%Y-%m}", "branch_id": w.branch_a.pk}).json()
    flagged = {row["member_name"]: row["flagged"] for row in data["rows"]}
    assert flagged["王医生"] is True and "周外科" not in flagged
    arrears = client.get(API + "arrears/").json()
    assert "王医生" in {a["member_name"] for a in arrears}


def test_scope_answers(w):
    (payment,) = pay(w, w.me, THIS_MONTH)
    outsider = _client(w.outsider)
    assert (
        outsider.post(
            API + f"payments/{payment.pk}/void/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    reader = _client(w.reader)
    assert (
        reader.post(API + f"payments/{payment.pk}/void/", {"reason": "x"}, content_type="application/json").status_code
        == 403
    )
    member = _client(w.member_user)
    mine = member.get(API + "payments/").json()
    assert mine["count"] == 1 and mine["items"][0]["member_name"] == "张志愿"
    assert member.get(API + "rates/").json()["count"] == 1
    r = _client(w.secretary).post(
        API + f"payments/{payment.pk}/void/", {"reason": "录错"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["void_reason"] == "录错"

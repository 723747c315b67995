"""The dues pages as the clerk, the secretary, a member (own only, on a phone) and an outsider use
them: the month statement with its arrears flag, the member's page with the rate and payment
forms, the bulk 「本月按标准全部交纳」 with its confirmation, the year statement, the exports."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from xianfeng.audit.models import AccessLog
from xianfeng.partylife.models import DuesPayment, DuesRate

from .factories_dues import THIS_MONTH, TODAY, dues_world, month_ago, pay, set_rates


@pytest.fixture
def w(world):
    w = dues_world(world)
    set_rates(w)
    pay(w, w.me, month_ago(11), THIS_MONTH)  # paid up
    pay(w, w.doctor, month_ago(11), month_ago(7))  # then seven months unpaid: flagged
    pay(w, w.retired, month_ago(11), month_ago(1))
    return w


def _url(name, **params):
    from urllib.parse import urlencode

    return reverse(name) + ("?" + urlencode(params) if params else "")


def test_the_clerk_generates_the_month_statement_with_the_arrears_flag(w, login):
    client = login(w.owner)
    page = client.get(_url("partylife:dues", month=f"{THIS_MONTH:%Y-%m}")).content.decode()
    assert "内科党支部" in page
    rows = dict(
        re.findall(r'<tr( class="table-danger" data-arrears)? data-member="(\d+)"', page)[i][::-1] for i in range(4)
    )
    assert rows[str(w.doctor.pk)]  # flagged row
    assert not rows[str(w.me.pk)]
    assert "连续6个月未交党费" in page and "王医生" in page
    assert "孙群众" not in page and "周外科" not in page
    assert 'data-total="due">¥340.20' in page  # 40 + 240 + 60 + 0.20
    assert 'data-total="paid">¥40.00' in page


def test_the_month_picker_shows_an_earlier_month(w, login):
    client = login(w.owner)
    page = client.get(_url("partylife:dues", month=f"{month_ago(8):%Y-%m}")).content.decode()
    assert page.count("data-paid") == 3  # 张志愿, 王医生, 刘退休 paid that month; 钱预备 did not


def test_search_narrows_the_statement_over_htmx(w, login):
    client = login(w.owner)
    page = client.get(_url("partylife:dues", q="王医生"), HTTP_HX_REQUEST="true").content.decode()
    assert "王医生" in page and "张志愿" not in page and "<html" not in page


def test_a_member_sees_only_their_own_dues(w, login):
    client = login(w.member_user)
    response = client.get(reverse("partylife:dues"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "我的党费" in page and "每月 ¥40.00" in page and "已交清" in page
    assert "王医生" not in page and "刘退休" not in page
    assert 'name="viewport"' in page  # the phone layout of base.html
    assert client.get(reverse("partylife:dues_member") + f"?member={w.doctor.pk}").status_code in (403, 404)
    assert client.get(_url("partylife:dues_export", month=f"{THIS_MONTH:%Y-%m}")).status_code == 403


def test_an_outsider_sees_neither_the_branch_nor_its_members(w, login):
    client = login(w.outsider)
    page = client.get(_url("partylife:dues", branch=w.branch_a.pk)).content.decode()
    assert "张志愿" not in page and "周外科" in page
    assert client.get(reverse("partylife:dues_member") + f"?member={w.me.pk}").status_code == 404


def test_the_secretary_records_several_months_on_the_member_page(w, login):
    client = login(w.secretary)
    url = reverse("partylife:dues_member") + f"?member={w.doctor.pk}"
    page = client.get(url).content.decode()
    assert "连续 7 个月未交党费" in page
    response = client.post(
        reverse("partylife:dues_pay") + f"?member={w.doctor.pk}",
        {"from_month": f"{month_ago(6):%Y-%m}", "to_month": f"{THIS_MONTH:%Y-%m}", "paid_on": TODAY, "method": "cash"},
    )
    assert response.status_code == 302
    assert DuesPayment.objects.filter(member=w.doctor, voided_at__isnull=True).count() == 12
    page = client.get(url).content.decode()
    assert "已交清" in page


def test_a_month_paid_twice_is_a_clear_error_on_the_form(w, login):
    client = login(w.secretary)
    response = client.post(
        reverse("partylife:dues_pay") + f"?member={w.me.pk}",
        {"from_month": f"{month_ago(1):%Y-%m}", "to_month": f"{THIS_MONTH:%Y-%m}", "paid_on": TODAY, "method": "cash"},
    )
    assert response.status_code == 400
    assert "已交纳，不能重复登记" in response.content.decode()


def test_a_rate_below_the_bracket_is_a_field_error(w, login):
    client = login(w.secretary)
    response = client.post(
        reverse("partylife:dues_rate") + f"?member={w.me.pk}",
        {"category": "in_service", "monthly_base": "8000", "amount": "10", "start_month": f"{THIS_MONTH:%Y-%m}"},
    )
    assert response.status_code == 400
    assert "120.00" in response.content.decode()
    response = client.post(
        reverse("partylife:dues_rate") + f"?member={w.me.pk}",
        {"category": "in_service", "monthly_base": "8000", "start_month": f"{THIS_MONTH:%Y-%m}"},
    )
    assert response.status_code == 302
    assert DuesRate.objects.get(member=w.me, start_month=THIS_MONTH).amount == Decimal("120.00")


def test_huge_numbers_do_not_break_the_forms(w, login):
    client = login(w.secretary)
    response = client.post(
        reverse("partylife:dues_rate") + f"?member={w.me.pk}",
        {"category": "in_service", "monthly_base": "9" * 40, "start_month": "99999-99"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("partylife:dues_pay") + f"?member={w.me.pk}",
        {"from_month": "2026-13", "amount": "1e400", "paid_on": "2026-01-01", "method": "cash"},
    )
    assert response.status_code == 400


def test_the_bulk_month_lists_who_it_will_record_then_records_on_confirmation(w, login):
    client = login(w.secretary)
    url = _url("partylife:dues_bulk", branch=w.branch_a.pk, month=f"{THIS_MONTH:%Y-%m}")
    page = client.get(url).content.decode()
    assert "王医生" in page and "刘退休" in page and "钱预备" in page
    ids = re.search(r'name="member_ids" value="([\d,]+)"', page).group(1)
    assert str(w.me.pk) not in ids.split(",")  # already paid
    assert not DuesPayment.objects.filter(member=w.doctor, month=THIS_MONTH).exists()  # nothing before confirming
    response = client.post(
        url,
        {
            "branch": w.branch_a.pk,
            "month": f"{THIS_MONTH:%Y-%m}",
            "paid_on": TODAY,
            "method": "payroll",
            "member_ids": ids,
        },
    )
    assert response.status_code == 302
    assert DuesPayment.objects.filter(month=THIS_MONTH, voided_at__isnull=True).count() == 4


def test_voiding_a_payment_asks_a_reason(w, login):
    client = login(w.secretary)
    payment = DuesPayment.objects.get(member=w.me, month=THIS_MONTH)
    client.post(reverse("partylife:dues_payment_void", args=[payment.pk]), {"reason": ""})
    payment.refresh_from_db()
    assert not payment.is_voided
    client.post(reverse("partylife:dues_payment_void", args=[payment.pk]), {"reason": "重复登记"})
    payment.refresh_from_db()
    assert payment.is_voided


def test_the_year_statement_totals(w, login):
    client = login(w.owner)
    page = client.get(_url("partylife:dues_year", branch=w.branch_a.pk, year=TODAY.year)).content.decode()
    assert "王医生" in page and "data-year-paid" in page


def test_the_month_and_year_exports_for_the_finance_office_are_logged(w, login):
    client = login(w.owner)
    response = client.get(_url("partylife:dues_export", branch=w.branch_a.pk, month=f"{THIS_MONTH:%Y-%m}"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and "应交（元）" in rows[0]
    flagged = [r for r in rows if r[0] == "王医生"][0]
    assert flagged[-1] == "连续6个月未交党费"
    assert AccessLog.objects.filter(row_count=4).exists()
    response = client.get(_url("partylife:dues_export", kind="year", branch=w.branch_a.pk, year=TODAY.year))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "1月") and len(rows) == 5


def test_the_reader_sees_but_cannot_change(w, login):
    client = login(w.reader)
    assert client.get(reverse("partylife:dues")).status_code == 200
    assert client.get(reverse("partylife:dues_member") + f"?member={w.me.pk}").status_code == 403
    assert client.get(reverse("partylife:dues_bulk")).status_code == 403


def test_the_arrears_panel_on_the_home_page(w, login):
    client = login(w.secretary)
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-panel="dues-arrears"' in page and "王医生" in page
    page = login(w.member_user).get(reverse("core:home")).content.decode()
    assert 'data-panel="dues-arrears"' not in page

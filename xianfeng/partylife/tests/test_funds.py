"""Party-building funds: budgets, expenses by category, the over-budget flag (allowed, warned,
confirmed first on the page), receipts stored encrypted, the summary for reports, export, API."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xianfeng.audit.models import AccessLog
from xianfeng.partylife.models import FundExpense
from xianfeng.partylife.selectors_funds import fund_summary
from xianfeng.partylife.services_funds import fund_budget_set, fund_expense_create, fund_expense_void

from .factories_dues import TODAY, dues_world

D = Decimal
YEAR = TODAY.year


@pytest.fixture
def w(world):
    w = dues_world(world)
    fund_budget_set(acting_user=w.owner, org=w.branch_a, year=YEAR, amount=D("1000"))
    return w


def spend(w, amount, *, org=None, category="activity", user=None, **kwargs):
    return fund_expense_create(
        acting_user=user or w.owner,
        org=org or w.branch_a,
        spent_on=TODAY,
        category=category,
        amount=D(amount),
        description=kwargs.pop("description", "主题党日"),
        **kwargs,
    )


def test_spending_within_the_budget_then_beyond_it_is_flagged(w):
    assert not spend(w, "600").over_budget
    over = spend(w, "500", category="study")
    assert over.over_budget  # 400 remained
    summary = fund_summary(w.owner, YEAR, org=w.branch_a)
    assert summary.budget == D("1000") and summary.spent == D("1100") and summary.balance == D("-100")
    assert {c for c, *_rest in summary.by_category} == {"activity", "study"}
    assert summary.over_budget_count == 1


def test_an_org_without_a_budget_is_flagged_too(w):
    assert spend(w, "10", org=w.group_a).over_budget


def test_voided_expenses_leave_the_summary(w):
    expense = spend(w, "600")
    fund_expense_void(acting_user=w.owner, expense=expense, reason="重复")
    assert fund_summary(w.owner, YEAR).spent == 0


def test_bad_input(w):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        spend(w, "0")
    with pytest.raises(ValidationError):
        fund_expense_create(
            acting_user=w.owner,
            org=w.branch_a,
            spent_on=TODAY + datetime.timedelta(days=1),
            category="study",
            amount=D("1"),
            description="x",
        )
    with pytest.raises(ValidationError):
        fund_budget_set(acting_user=w.owner, org=w.branch_a, year=YEAR, amount=D("-1"))
    assert not FundExpense.objects.exists()


def test_the_page_warns_with_the_numbers_first_then_records_flagged(w, login):
    client = login(w.owner)
    spend(w, "900")
    data = {"org": w.branch_a.pk, "spent_on": TODAY, "category": "care", "amount": "300", "description": "慰问困难党员"}
    response = client.post(reverse("partylife:fund_expense_new"), data)
    page = response.content.decode()
    assert response.status_code == 400 and "data-over-budget-warning" in page
    assert "剩余 ¥100.00" in page and "超出预算 ¥200.00" in page
    assert FundExpense.objects.count() == 1
    response = client.post(reverse("partylife:fund_expense_new"), {**data, "confirm_over_budget": "on"})
    assert response.status_code == 302
    assert FundExpense.objects.get(description="慰问困难党员").over_budget
    page = client.get(reverse("partylife:funds") + f"?org={w.branch_a.pk}&year={YEAR}").content.decode()
    assert "data-over-budget" in page and "data-balance>¥-200.00" in page


def test_a_receipt_is_stored_encrypted_and_downloads_plain(w, login):
    scan = SimpleUploadedFile("发票.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    expense = spend(w, "10", receipt=scan, receipt_no="No.1")
    with expense.receipt.open("rb") as f:
        assert b"receipt" not in f.read()
    response = login(w.owner).get(reverse("partylife:fund_receipt", args=[expense.pk]))
    assert response.content == b"%PDF-1.4 receipt"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert login(w.outsider).get(reverse("partylife:fund_receipt", args=[expense.pk])).status_code == 404


def test_the_export_is_logged(w, login):
    spend(w, "10")
    response = login(w.owner).get(reverse("partylife:fund_export") + f"?year={YEAR}")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "组织" and len(rows) == 2
    assert AccessLog.objects.filter(row_count=1).exists()


def test_a_member_has_no_funds_pages(w, login):
    client = login(w.member_user)
    assert client.get(reverse("partylife:funds")).status_code == 403


def test_the_api(w):
    client = Client()
    client.force_login(w.owner)
    r = client.post(
        "/api/partylife/funds/expenses/",
        {"org_id": w.branch_a.pk, "spent_on": str(TODAY), "category": "study", "amount": "1200", "description": "党课"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["expense"]["over_budget"] is True and "超出预算 ¥200.00" in r.json()["warning"]
    summary = client.get("/api/partylife/funds/summary/", {"year": YEAR, "org_id": w.branch_a.pk}).json()
    assert summary["budget"] == "1000.00" and summary["balance"] == "-200.00"
    r = client.post(
        "/api/partylife/funds/expenses/",
        {"org_id": w.branch_a.pk, "spent_on": str(TODAY), "category": "study", "amount": "1e30", "description": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422
    outsider = Client()
    outsider.force_login(w.outsider)
    response = outsider.get("/api/partylife/funds/summary/", {"year": YEAR, "org_id": w.branch_a.pk})
    assert response.status_code == 422 and "org_id" in response.json()["errors"]  # out of reach, like unknown


def test_a_nul_byte_in_the_search_or_category_finds_nothing_instead_of_failing(w, login):
    """PostgreSQL refuses NUL in a text comparison: the funds and dues pages answer normally."""
    client = login(w.owner)
    response = client.get(reverse("partylife:funds"), {"q": "a\x00b", "category": "x\x00"})
    assert response.status_code == 200
    assert client.get(reverse("partylife:dues"), {"q": "\x00"}).status_code == 200

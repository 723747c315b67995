"""The materials pages as a clerk (keeps stock), a volunteer (reads it) and an outsider (another
branch's clerk): what each sees, what each may do, and the donation ledger that names no one."""

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.audit.models import AccessLog
from xianfeng.materials.models import Distribution, Receipt, Stock
from xianfeng.residents.tests.factories import ResidentFactory

from .conftest import give, receive


def test_the_clerk_receives_and_distributes_through_the_pages(mw, login):
    client = login(mw.owner)
    page = client.get(reverse("materials:receipt_new"))
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    response = client.post(
        reverse("materials:receipt_new"),
        {
            "org": mw.world.branch_a.pk,
            "item": mw.masks.pk,
            "quantity": "10000",
            "received_on": "",
            "kind": "produced",
            "donor_public": "on",
            "idempotency_key": key,
        },
    )
    assert response.status_code == 400  # the date is required by the form
    data = {
        "org": mw.world.branch_a.pk,
        "item": mw.masks.pk,
        "quantity": "10000",
        "received_on": mw.resident.birth_date.replace(year=2024).isoformat(),
        "kind": "produced",
        "idempotency_key": key,
    }
    response = client.post(reverse("materials:receipt_new"), data)
    receipt = Receipt.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "materials:receipt_detail", args=[receipt.pk]
    )
    client.post(reverse("materials:receipt_new"), data)  # a double tap
    assert Receipt.objects.count() == 1

    form = client.get(reverse("materials:distribution_new"), {"org": mw.world.branch_a.pk, "item": mw.masks.pk})
    assert "现有口罩：10000 件" in form.content.decode()
    fragment = client.get(
        reverse("materials:distribution_new"),
        {"org": mw.world.branch_a.pk, "item": mw.masks.pk, "recipient_kind": "organization"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'id="distribution-form-body"' in fragment and 'name="recipient_name"' in fragment
    assert 'name="households_count"' not in fragment and "<html" not in fragment
    post = {
        "org": mw.world.branch_a.pk,
        "item": mw.masks.pk,
        "quantity": "3001",
        "served_on": receipt.received_on.isoformat(),
        "recipient_kind": "organization",
        "recipient_name": "孤山镇敬老院",
        "idempotency_key": "d1",
    }
    over = client.post(reverse("materials:distribution_new"), {**post, "quantity": "10001"})
    assert over.status_code == 400 and "现有口罩 10000件" in over.content.decode()
    assert not Distribution.objects.exists()
    response = client.post(reverse("materials:distribution_new"), {**post, "quantity": "3000"})
    d = Distribution.objects.get()
    assert response["Location"] == reverse("materials:distribution_detail", args=[d.pk])
    assert Stock.objects.get().quantity == Decimal("7000")
    detail = client.get(reverse("materials:distribution_detail", args=[d.pk])).content.decode()
    assert "孤山镇敬老院" in detail and reverse("servicelog:record_detail", args=[d.record_id]) in detail
    index = client.get(reverse("materials:index")).content.decode()
    assert "7000 件" in index
    # The record's page links back to the distribution.
    record_page = client.get(reverse("servicelog:record_detail", args=[d.record_id])).content.decode()
    assert reverse("materials:distribution_detail", args=[d.pk]) in record_page and "物资发放 #" in record_page
    response = client.post(reverse("materials:distribution_void", args=[d.pk]), {"reason": "登记错误"})
    assert response.status_code == 302 and Stock.objects.get().quantity == Decimal("10000")


def test_a_receipt_void_that_would_make_stock_negative_is_explained(mw, login):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    give(mw.owner, mw.world.branch_a, mw.masks, 60)
    client = login(mw.owner)
    response = client.post(reverse("materials:receipt_void", args=[receipt.pk]), {"reason": "录错"})
    assert response.status_code == 400 and "已发放 60件" in response.content.decode()
    receipt.refresh_from_db()
    assert not receipt.is_voided


def test_the_volunteer_reads_but_does_not_keep_stock(mw, login):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    d = give(mw.owner, mw.world.branch_a, mw.masks, 10)
    client = login(mw.volunteer)
    assert client.get(reverse("materials:index")).status_code == 200
    assert client.get(reverse("materials:receipt_detail", args=[receipt.pk])).status_code == 200
    assert client.get(reverse("materials:distribution_list")).status_code == 200
    assert client.get(reverse("materials:receipt_new")).status_code == 403
    assert client.post(reverse("materials:distribution_void", args=[d.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("materials:distribution_export")).status_code == 403
    assert client.get(reverse("materials:item_new")).status_code == 403
    assert "作废" not in client.get(reverse("materials:receipt_detail", args=[receipt.pk])).content.decode()


def test_the_outsider_sees_none_of_it(mw, login):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100, note="甲支部的口罩")
    d = give(mw.owner, mw.world.branch_a, mw.masks, 10)
    client = login(mw.outsider)
    assert client.get(reverse("materials:receipt_detail", args=[receipt.pk])).status_code == 404
    assert client.get(reverse("materials:distribution_detail", args=[d.pk])).status_code == 404
    assert client.post(reverse("materials:receipt_void", args=[receipt.pk]), {"reason": "x"}).status_code == 404
    assert "甲支部的口罩" not in client.get(reverse("materials:receipt_list")).content.decode()
    assert "敬老院" not in client.get(reverse("materials:ledger")).content.decode()
    form = client.get(reverse("materials:distribution_new"), {"org": mw.world.branch_a.pk, "item": mw.masks.pk})
    assert "100 件" not in form.content.decode()  # another branch's stock is not shown


def test_huge_numbers_in_urls_are_not_errors(mw, login):
    client = login(mw.owner)
    huge = "99999999999999999999"
    assert client.get(reverse("materials:receipt_list"), {"page": huge, "item": huge}).status_code == 200
    assert client.get(reverse("materials:distribution_new"), {"org": huge, "item": huge}).status_code == 200
    assert client.get(reverse("materials:ledger"), {"org": huge}).status_code == 200
    assert client.get("/materials/receipts/99999999999999999999/").status_code == 404


def _ledger_setup(mw):
    fields = {"kind": "donated"}
    receive(mw.owner, mw.world.branch_a, mw.food, 200, donor_kind="company", donor_name="东港粮油公司", **fields)
    receive(
        mw.owner,
        mw.world.branch_a,
        mw.money,
        5000,
        donor_kind="person",
        donor_name="张不公示",
        donor_public=False,
        **fields,
    )
    receive(mw.owner, mw.world.branch_a, mw.wheelchair, 1, donor_kind="person", donor_name="李公开", **fields)
    give(mw.owner, mw.world.branch_a, mw.food, 63, recipient_kind="outbound_families", households_count=63)
    give(mw.owner, mw.world.branch_a, mw.food, 20, recipient_name="孤山镇敬老院")
    give(mw.owner, mw.world.branch_a, mw.wheelchair, 1, recipient_kind="resident", resident=mw.resident)
    others = [ResidentFactory(name=f"受助{n}号") for n in range(6)]
    for person in others:
        give(mw.owner, mw.world.branch_a, mw.food, 2, recipient_kind="resident", resident=person)
    return others


def test_the_ledger_shows_donors_and_aggregates_but_no_recipient(mw, login):
    others = _ledger_setup(mw)
    client = login(mw.owner)
    html = client.get(reverse("materials:ledger")).content.decode()
    assert "东港粮油公司" in html and "李公开" in html and "爱心人士" in html and "张不公示" not in html
    assert "孤山镇敬老院" in html and "一线人员家属" in html and "63户" in html
    assert "孤山镇" in html and "&lt;5" in html and ">6<" in html  # 6 residents got food, 1 a wheelchair
    for name in [mw.resident.name, *(p.name for p in others)]:
        assert name not in html
    assert "冯家屯" not in html and mw.resident.village_id not in html
    xlsx = client.get(reverse("materials:ledger_xlsx"))
    assert xlsx.status_code == 200
    cells = [str(c) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) for c in row]
    text = " ".join(cells)
    assert "东港粮油公司" in text and "孤山镇敬老院" in text and "张不公示" not in text
    assert mw.resident.name not in text and "冯家屯" not in text and mw.resident.village_id not in text
    assert not AccessLog.objects.exists()  # an aggregate, not an export of personal data


def test_the_distribution_export_masks_recipients_and_is_logged(mw, login):
    _ledger_setup(mw)
    client = login(mw.owner)
    response = client.get(reverse("materials:distribution_export"))
    assert response.status_code == 200
    text = " ".join(
        str(c) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row
    )
    assert "冯*爷" in text and "冯大爷" not in text and "孤山镇敬老院" in text
    log = AccessLog.objects.get()
    assert log.kind == AccessLog.Kind.EXPORT and log.row_count == Distribution.objects.count()


def test_the_catalogue_is_public_and_edited_by_administrators(mw, login):
    client = login(mw.volunteer)
    assert "口罩" in client.get(reverse("materials:item_list")).content.decode()
    assert client.get(reverse("materials:item_edit", args=[mw.masks.pk])).status_code == 403
    admin = login(mw.world.admin)
    response = admin.post(
        reverse("materials:item_edit", args=[mw.masks.pk]),
        {
            "code": "masks",
            "name": "口罩",
            "category": "masks",
            "unit": "元",
            "service_type": mw.masks.service_type_id,
            "sort_order": 10,
            "active": "on",
        },
    )
    assert response.status_code == 400 and "单位须与服务类型" in response.content.decode()


def test_the_home_panel_shows_stock_to_those_who_keep_it(mw, login):
    receive(mw.owner, mw.world.branch_a, mw.masks, 10000)
    receive(mw.owner, mw.world.branch_a, mw.food, 3)
    html = login(mw.owner).get("/").content.decode()
    assert 'data-panel="materials"' in html and 'data-count="stock-masks">10000 件' in html
    assert 'data-count="stock-low"' in html
    assert 'data-panel="materials"' not in login(mw.volunteer).get("/").content.decode()


def test_list_pages_do_not_query_per_row(mw, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receive(mw.owner, mw.world.branch_a, mw.food, 1000, kind="donated", donor_kind="company", donor_name="甲公司")
    client = login(mw.owner)

    def counts():
        found = {}
        for name in ("materials:index", "materials:receipt_list", "materials:distribution_list", "materials:ledger"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            found[name] = len(queries)
        return found

    give(mw.owner, mw.world.branch_a, mw.food, 1, recipient_kind="resident", resident=mw.resident)
    counts()  # warm the per-user caches (grants, session)
    few = counts()
    for n in range(5):
        person = ResidentFactory(name=f"居民{n}")
        give(mw.owner, mw.world.branch_a, mw.food, 1, recipient_kind="resident", resident=person)
        give(mw.owner, mw.world.branch_a, mw.food, 1, recipient_name=f"敬老院{n}")
        receive(mw.owner, mw.world.branch_a, mw.food, 1, kind="donated", donor_kind="person", donor_name=f"捐赠人{n}")
    assert counts() == few

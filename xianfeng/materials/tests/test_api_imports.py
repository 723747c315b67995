"""The materials API (scoped, one error shape) and the donations import (all or nothing)."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from xianfeng.imports.models import ImportJob
from xianfeng.materials.models import Distribution, Receipt, Stock

from .conftest import YESTERDAY, give, receive

API = "/api/materials"


def test_receive_and_distribute_over_the_api(mw, login):
    client = login(mw.owner)
    body = {
        "org_id": mw.world.branch_a.pk,
        "item": "masks",
        "quantity": 100,
        "kind": "produced",
        "idempotency_key": "r1",
    }
    response = client.post(f"{API}/receipts/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert client.post(f"{API}/receipts/", body, content_type="application/json").status_code == 200
    assert Receipt.objects.count() == 1
    give_body = {
        "org_id": mw.world.branch_a.pk,
        "item": "masks",
        "quantity": 150,
        "recipient_kind": "organization",
        "recipient_name": "孤山镇敬老院",
    }
    over = client.post(f"{API}/distributions/", give_body, content_type="application/json")
    assert over.status_code == 422 and "现有口罩 100件" in over.json()["errors"]["quantity"][0]
    assert not Distribution.objects.exists()
    made = client.post(f"{API}/distributions/", {**give_body, "quantity": 40}, content_type="application/json")
    assert made.status_code == 201 and made.json()["record_id"] and made.json()["recipient"] == "孤山镇敬老院"
    stock = client.get(f"{API}/stock/").json()
    assert stock["items"][0]["quantity"] == "60.00" or Decimal(str(stock["items"][0]["quantity"])) == 60
    pk = made.json()["id"]
    voided = client.post(f"{API}/distributions/{pk}/void/", {"reason": "录错"}, content_type="application/json")
    assert voided.status_code == 200 and voided.json()["voided"]
    assert Stock.objects.get().quantity == Decimal("100")
    ledger = client.get(f"{API}/ledger/").json()
    assert ledger["totals"][0]["item"] == "口罩"


def test_ids_out_of_reach_are_422_naming_the_field(mw, login):
    client = login(mw.outsider)
    body = {"org_id": mw.world.branch_a.pk, "item": "masks", "quantity": 1, "kind": "produced"}
    response = client.post(f"{API}/receipts/", body, content_type="application/json")
    assert response.status_code == 422 and "org_id" in response.json()["errors"]
    body = {
        "org_id": mw.world.branch_b.pk,
        "item": "nothing",
        "quantity": 1,
        "recipient_kind": "resident",
        "resident_id": mw.resident.pk,
    }
    errors = client.post(f"{API}/distributions/", body, content_type="application/json").json()["errors"]
    assert "item" in errors and "resident_id" in errors
    huge = client.post(f"{API}/receipts/", {**body, "org_id": 10**30}, content_type="application/json")
    assert huge.status_code == 422
    negative = {"org_id": mw.world.branch_b.pk, "item": "masks", "quantity": -5, "kind": "produced"}
    assert client.post(f"{API}/receipts/", negative, content_type="application/json").status_code == 422


def test_reads_are_scoped(mw, login):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    d = give(mw.owner, mw.world.branch_a, mw.masks, 10)
    outsider = login(mw.outsider)
    assert outsider.get(f"{API}/receipts/{receipt.pk}/").status_code == 404
    assert outsider.get(f"{API}/distributions/{d.pk}/").status_code == 404
    assert outsider.get(f"{API}/receipts/").json()["items"] == []
    volunteer = login(mw.volunteer)
    assert volunteer.get(f"{API}/distributions/{d.pk}/").status_code == 200
    void = volunteer.post(f"{API}/receipts/{receipt.pk}/void/", {"reason": "x"}, content_type="application/json")
    assert void.status_code == 403


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append(["捐赠方", "捐赠方类型", "物资", "数量", "折合金额", "接收日期", "收据编号", "接收组织"])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes) -> ImportJob:
    response = client.post(
        reverse("imports:upload", args=["donations"]), {"file": SimpleUploadedFile("捐赠.xlsx", content)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def test_the_donations_import_is_all_or_nothing(mw, login):
    day = YESTERDAY.isoformat()
    branch = mw.world.branch_a.name
    receive(
        mw.owner,
        mw.world.branch_a,
        mw.food,
        1,
        kind="donated",
        donor_kind="company",
        donor_name="旧",
        receipt_number="S-9",
    )
    client = login(mw.owner)
    bad = upload(
        client,
        workbook(
            [
                ["东港粮油", "企业", "食品", 200, 6000, day, "S-1", branch],
                ["王先生", "个人", "善款", -50, None, day, "S-2", branch],
                ["某公司", "企业", "金条", 1, None, day, "S-3", branch],
                ["李女士", "个人", "食品", 5, None, day, "S-1", branch],
                ["赵先生", "个人", "食品", 5, None, day, "S-9", branch],
            ]
        ),
    )
    assert bad.error_count == 4, bad.issues
    client.post(reverse("imports:commit", args=[bad.pk]))
    assert Receipt.objects.count() == 1
    good = upload(
        client,
        workbook(
            [
                ["东港粮油", "企业", "食品", 200, 6000, day, "S-1", branch],
                ["", "匿名", "善款", 1000, None, day, "", branch],
            ]
        ),
    )
    assert good.error_count == 0, good.issues
    client.post(reverse("imports:commit", args=[good.pk]))
    good.refresh_from_db()
    assert good.status == ImportJob.Status.COMMITTED
    assert Stock.objects.get(org=mw.world.branch_a, item=mw.food).quantity == Decimal("201")
    assert Stock.objects.get(org=mw.world.branch_a, item=mw.money).quantity == Decimal("1000")

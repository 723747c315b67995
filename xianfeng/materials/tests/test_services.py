"""Receipts and distributions: stock never negative, nothing half-saved, each distribution one
counted record of the item's type, voids that give stock back (or refuse to)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.materials.models import Distribution, Receipt, Stock
from xianfeng.materials.services import receipt_void
from xianfeng.materials.services_distributions import distribution_create, distribution_void
from xianfeng.materials.stock import stock_recount
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.services import record_update, record_void

from .conftest import TODAY, give, receive


def stock(org, item) -> Decimal:
    return Stock.objects.get(org=org, item=item).quantity


def test_a_receipt_adds_to_stock_and_is_logged(mw):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 10000)
    assert stock(mw.world.branch_a, mw.masks) == Decimal("10000")
    log = ChangeLog.objects.get(model="materials.Receipt", object_id=str(receipt.pk))
    assert log.action == "create" and log.after["stock_after"] == "10000.00"
    receive(mw.owner, mw.world.branch_a, mw.masks, 500)
    assert stock(mw.world.branch_a, mw.masks) == Decimal("10500")


@pytest.mark.parametrize("quantity", ["-5", "0", "1.005"])
def test_a_negative_zero_or_too_precise_amount_is_a_field_error(mw, quantity):
    with pytest.raises(ValidationError) as exc:
        receive(mw.owner, mw.world.branch_a, mw.masks, quantity)
    assert "quantity" in exc.value.message_dict
    assert not Receipt.objects.exists() and not Stock.objects.filter(quantity__gt=0).exists()


def test_a_negative_value_is_refused(mw):
    with pytest.raises(ValidationError) as exc:
        receive(mw.owner, mw.world.branch_a, mw.food, 10, value_yuan="-100")
    assert "value_yuan" in exc.value.message_dict


def test_a_donation_names_its_donor_or_is_anonymous(mw):
    with pytest.raises(ValidationError) as exc:
        receive(mw.owner, mw.world.branch_a, mw.food, 10, kind="donated", donor_kind="company")
    assert "donor_name" in exc.value.message_dict
    anonymous = receive(mw.owner, mw.world.branch_a, mw.money, 500, kind="donated", donor_kind="anonymous")
    assert anonymous.donor_name == "" and not anonymous.donor_public
    assert anonymous.value_yuan == Decimal("500")  # money is its own value


def test_a_receipt_number_is_unique_per_org(mw):
    fields = {"kind": "donated", "donor_kind": "company", "donor_name": "东港粮油", "receipt_number": "JZ-001"}
    receive(mw.owner, mw.world.branch_a, mw.food, 10, **fields)
    with pytest.raises(ValidationError) as exc:
        receive(mw.owner, mw.world.branch_a, mw.food, 20, **fields)
    assert "JZ-001" in exc.value.message_dict["receipt_number"][0]
    assert stock(mw.world.branch_a, mw.food) == Decimal("10")


def test_a_receipt_outside_the_users_orgs_is_refused(mw):
    with pytest.raises(ValidationError) as exc:
        receive(mw.owner, mw.world.branch_b, mw.masks, 10)
    assert "org" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a volunteer reads stock but keeps none
        receive(mw.volunteer, mw.world.branch_a, mw.masks, 10)


def test_a_distribution_larger_than_stock_is_refused_with_the_stock_shown_and_nothing_saved(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    records = ServiceRecord.objects.count()
    with pytest.raises(ValidationError) as exc:
        give(mw.owner, mw.world.branch_a, mw.masks, 101)
    assert "现有口罩 100件" in exc.value.message_dict["quantity"][0]
    assert not Distribution.objects.exists() and ServiceRecord.objects.count() == records
    assert stock(mw.world.branch_a, mw.masks) == Decimal("100")
    with pytest.raises(ValidationError):  # nothing held at all
        give(mw.owner, mw.world.branch_a, mw.food, 1)
    assert not Distribution.objects.exists()


def test_the_database_refuses_negative_stock(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(org=mw.world.branch_a, item=mw.masks).update(quantity=Decimal("-1"))


def test_a_distribution_is_one_record_of_the_items_type_and_counts_its_quantity(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 10000)
    leader = user_with_grant(Role.LEADER, Scope.ALL, username="leader")
    flt = parse_filter(leader, {"from": TODAY.replace(day=1).isoformat(), "to": TODAY.isoformat()})
    before = metrics_for(leader, flt)["quantity"].get("件", Decimal("0"))
    d = give(mw.owner, mw.world.branch_a, mw.masks, 3000)
    record = d.record
    assert record.service_type.code == "mask_distribution" and record.service_type.unit == "件"
    assert record.quantity == Decimal("3000") and record.org == mw.world.branch_a
    assert [p.member for p in record.providers.all()] == [mw.member]
    assert stock(mw.world.branch_a, mw.masks) == Decimal("7000")
    assert metrics_for(leader, flt)["quantity"]["件"] == before + Decimal("3000")
    distribution_void(acting_user=mw.owner, distribution=d, reason="登记错误")
    record.refresh_from_db()
    assert record.is_voided and stock(mw.world.branch_a, mw.masks) == Decimal("10000")
    assert metrics_for(leader, flt)["quantity"].get("件", Decimal("0")) == before


def test_a_wheelchair_goes_to_a_resident_and_counts_as_an_assistive_device(mw):
    receive(mw.owner, mw.world.branch_a, mw.wheelchair, 2, kind="donated", donor_kind="person", donor_name="李善人")
    with pytest.raises(ValidationError) as exc:
        give(mw.owner, mw.world.branch_a, mw.wheelchair, 1)  # to an organization: not a person
    assert "recipient_kind" in exc.value.message_dict
    d = give(mw.owner, mw.world.branch_a, mw.wheelchair, 1, recipient_kind="resident", resident=mw.resident)
    assert d.record.service_type.code == "assistive_device" and d.record.resident == mw.resident
    assert d.village_code == mw.resident.village_id and d.record.village_code == mw.resident.village_id


def test_recipients_are_checked_by_kind(mw):
    receive(mw.owner, mw.world.branch_a, mw.food, 100)
    with pytest.raises(ValidationError) as exc:
        give(mw.owner, mw.world.branch_a, mw.food, 10, recipient_kind="outbound_families", households_count=0)
    assert "households_count" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        give(mw.owner, mw.world.branch_a, mw.food, 10, recipient_kind="organization", recipient_name="")
    assert "recipient_name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a resident the outsider cannot see
        distribution_create(
            acting_user=mw.outsider,
            org=mw.world.branch_b,
            item=mw.food,
            quantity=Decimal("1"),
            recipient_kind="resident",
            resident=mw.resident,
        )
    assert "resident" in exc.value.message_dict
    d = give(mw.owner, mw.world.branch_a, mw.food, 63, recipient_kind="outbound_families", households_count=63)
    assert d.households_count == 63 and d.place_code == ""


def test_receipt_void_is_refused_while_its_stock_was_given_out(mw):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    d = give(mw.owner, mw.world.branch_a, mw.masks, 30)
    with pytest.raises(ValidationError) as exc:
        receipt_void(acting_user=mw.owner, receipt=receipt, reason="录错")
    assert "已发放 30件" in exc.value.messages[0] and "先作废相应的发放" in exc.value.messages[0]
    receipt.refresh_from_db()
    assert not receipt.is_voided and stock(mw.world.branch_a, mw.masks) == Decimal("70")
    distribution_void(acting_user=mw.owner, distribution=d, reason="录错")
    receipt_void(acting_user=mw.owner, receipt=receipt, reason="录错")
    assert stock(mw.world.branch_a, mw.masks) == Decimal("0")
    with pytest.raises(ValidationError):
        receipt_void(acting_user=mw.owner, receipt=receipt, reason="再来一次")


def test_an_outsider_cannot_void_and_a_reason_is_required(mw):
    receipt = receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    with pytest.raises(PermissionDenied):
        receipt_void(acting_user=mw.outsider, receipt=receipt, reason="x")
    with pytest.raises(ValidationError):
        receipt_void(acting_user=mw.owner, receipt=receipt, reason=" ")


def test_a_distributions_record_is_voided_only_through_the_distribution(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    d = give(mw.owner, mw.world.branch_a, mw.masks, 10)
    with pytest.raises(ValidationError) as exc:
        record_void(acting_user=mw.owner, record=d.record, reason="想作废")
    assert "发放页面" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        record_update(acting_user=mw.owner, record=d.record, note="改一改")
    d.record.refresh_from_db()
    assert not d.record.is_voided and stock(mw.world.branch_a, mw.masks) == Decimal("90")


def test_idempotency_key_saves_once(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    fields = {"org": mw.world.branch_a, "item": mw.masks, "quantity": Decimal("10"), "recipient_kind": "organization"}
    first = distribution_create(acting_user=mw.owner, idempotency_key="k1", recipient_name="敬老院", **fields)
    again = distribution_create(acting_user=mw.owner, idempotency_key="k1", recipient_name="敬老院", **fields)
    assert first.created and not again.created and again.distribution == first.distribution
    assert stock(mw.world.branch_a, mw.masks) == Decimal("90")


def test_the_last_stock_goes_once_under_the_lock(mw):
    """Two distributions of the last 10: the stock row is locked and read again by the second,
    which finds nothing left. (SQLite serialises writers; the lock is what PostgreSQL needs.)"""
    receive(mw.owner, mw.world.branch_a, mw.masks, 10)
    give(mw.owner, mw.world.branch_a, mw.masks, 10)
    with pytest.raises(ValidationError) as exc:
        give(mw.owner, mw.world.branch_a, mw.masks, 10)
    assert "现有口罩 0件" in exc.value.message_dict["quantity"][0]
    assert Distribution.objects.count() == 1 and stock(mw.world.branch_a, mw.masks) == 0


def test_a_distribution_locks_the_stock_row_it_reads(mw, monkeypatch):
    """What serialises two clerks on PostgreSQL: the stock row is read with SELECT … FOR UPDATE."""
    receive(mw.owner, mw.world.branch_a, mw.masks, 10)
    locked = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked.append(self.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    give(mw.owner, mw.world.branch_a, mw.masks, 10)
    assert Stock in locked


def test_stock_recount_finds_and_fixes_a_difference(mw):
    receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    give(mw.owner, mw.world.branch_a, mw.masks, 40)
    assert stock_recount() == []
    Stock.objects.filter(org=mw.world.branch_a, item=mw.masks).update(quantity=Decimal("75"))
    differences = stock_recount()
    assert [(d["stored"], d["expected"]) for d in differences] == [(Decimal("75"), Decimal("60"))]
    stock_recount(fix=True, acting_user=mw.world.admin)
    assert stock(mw.world.branch_a, mw.masks) == Decimal("60") and stock_recount() == []


def test_the_stock_check_command_exits_1_on_a_difference(mw, capsys):
    from django.core.management import call_command

    receive(mw.owner, mw.world.branch_a, mw.masks, 100)
    call_command("materials_stock_check")
    assert "库存一致" in capsys.readouterr().out
    Stock.objects.filter(org=mw.world.branch_a, item=mw.masks).update(quantity=Decimal("99"))
    with pytest.raises(SystemExit) as exc:
        call_command("materials_stock_check")
    assert exc.value.code == 1 and "应为 100件" in capsys.readouterr().out

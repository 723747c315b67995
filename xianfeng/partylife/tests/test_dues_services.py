"""Setting rates, recording and voiding payments: bad amounts refused, a month paid twice
refused, a range with one bad month saves nothing, scope enforced."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.partylife.models import DuesPayment, DuesRate
from xianfeng.partylife.services_dues import (
    branch_standard_plan,
    dues_payment_record_branch,
    dues_payment_void,
    dues_rate_set,
)

from .factories_dues import FIRST_MONTH, THIS_MONTH, TODAY, dues_world, month_ago, pay, set_rates

D = Decimal


@pytest.fixture
def w(world):
    w = dues_world(world)
    set_rates(w)
    return w


def test_a_rate_takes_the_bracket_amount_and_is_logged(w):
    rate = DuesRate.objects.get(member=w.doctor)
    assert rate.amount == D("240.00") and rate.rate == D("0.02")
    log = ChangeLog.objects.filter(object_id=str(rate.pk), action=ChangeLog.Action.CREATE, model__icontains="duesrate")
    assert log.exists() and log.first().org_path == w.branch_a.path


def test_an_amount_below_the_bracket_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        dues_rate_set(
            acting_user=w.secretary,
            member=w.me,
            category="in_service",
            monthly_base=D("4000"),
            amount=D("20"),
            start_month=THIS_MONTH,
        )
    assert "40.00" in str(exc.value)
    assert DuesRate.objects.filter(member=w.me).count() == 1


def test_a_voluntary_extra_needs_a_note(w):
    kwargs = dict(acting_user=w.secretary, member=w.me, category="in_service", monthly_base=D("4000"), amount=D("100"))
    with pytest.raises(ValidationError):
        dues_rate_set(start_month=THIS_MONTH, **kwargs)
    rate = dues_rate_set(start_month=THIS_MONTH, note="自愿多交", **kwargs)
    assert rate.amount == D("100.00")


def test_only_party_members_pay_dues(w):
    with pytest.raises(ValidationError) as exc:
        dues_rate_set(acting_user=w.secretary, member=w.volunteer, category="student", start_month=THIS_MONTH)
    assert "不是党员" in str(exc.value)


def test_an_outsider_cannot_set_a_rate_in_another_branch(w):
    with pytest.raises((ValidationError, PermissionDenied)):
        dues_rate_set(acting_user=w.outsider, member=w.me, category="student", start_month=THIS_MONTH)


def test_a_range_of_months_makes_one_row_a_month(w):
    saved = pay(w, w.me, month_ago(3), THIS_MONTH, user=w.secretary, receipt_no="R1")
    assert [p.month for p in saved] == [month_ago(3), month_ago(2), month_ago(1), THIS_MONTH]
    assert all(p.amount == D("40.00") for p in saved)


def test_a_month_already_paid_is_refused_and_nothing_of_the_range_is_saved(w):
    pay(w, w.me, month_ago(1))
    with pytest.raises(ValidationError) as exc:
        pay(w, w.me, month_ago(3), THIS_MONTH, user=w.secretary)
    assert f"{month_ago(1):%Y-%m} 已交纳" in str(exc.value)
    assert DuesPayment.objects.filter(member=w.me).count() == 1


def test_an_amount_below_the_due_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        pay(w, w.me, THIS_MONTH, amount=D("10"))
    assert "应交 ¥40.00" in str(exc.value)
    assert not DuesPayment.objects.exists()


def test_a_month_before_the_first_rate_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        pay(w, w.me, month_ago(13), month_ago(11))
    assert "没有党费标准" in str(exc.value)
    assert not DuesPayment.objects.exists()


def test_paid_on_cannot_be_in_the_future(w):
    import datetime

    with pytest.raises(ValidationError):
        pay(w, w.me, THIS_MONTH, paid_on=TODAY + datetime.timedelta(days=1))


def test_voiding_makes_the_month_owed_again_and_can_be_paid_again(w):
    (payment,) = pay(w, w.me, THIS_MONTH)
    dues_payment_void(acting_user=w.secretary, payment=payment, reason="录错")
    with pytest.raises(ValidationError):
        dues_payment_void(acting_user=w.secretary, payment=payment, reason="again")
    pay(w, w.me, THIS_MONTH)
    assert DuesPayment.objects.filter(member=w.me, voided_at__isnull=True).count() == 1


def test_a_member_cannot_record_their_own_payment(w):
    with pytest.raises((ValidationError, PermissionDenied)):
        pay(w, w.me, THIS_MONTH, user=w.member_user)
    assert not DuesPayment.objects.exists()


def test_the_branch_standard_plan_lists_the_unpaid_and_records_them(w):
    pay(w, w.doctor, THIS_MONTH)
    planned, skipped = branch_standard_plan(acting_user=w.secretary, branch=w.branch_a, month=THIS_MONTH)
    names = {p.member.name for p in planned}
    assert names == {"张志愿", "刘退休", "钱预备"}
    saved = dues_payment_record_branch(
        acting_user=w.secretary,
        branch=w.branch_a,
        month=THIS_MONTH,
        paid_on=TODAY,
        method="payroll",
        member_ids=[p.member.pk for p in planned],
    )
    assert len(saved) == 3
    assert DuesPayment.objects.filter(month=THIS_MONTH).count() == 4


def test_the_branch_plan_refuses_a_list_that_changed(w):
    planned, _skipped = branch_standard_plan(acting_user=w.secretary, branch=w.branch_a, month=THIS_MONTH)
    pay(w, w.me, THIS_MONTH)
    with pytest.raises(ValidationError):
        dues_payment_record_branch(
            acting_user=w.secretary,
            branch=w.branch_a,
            month=THIS_MONTH,
            paid_on=TODAY,
            method="payroll",
            member_ids=[p.member.pk for p in planned],
        )
    assert DuesPayment.objects.filter(month=THIS_MONTH).count() == 1


def test_first_month_is_a_year_ago(w):
    assert FIRST_MONTH < THIS_MONTH

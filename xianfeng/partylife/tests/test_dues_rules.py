"""The national brackets (中组发〔2008〕3号) and the arrears count (党章第三十八条), pure."""

import datetime
from decimal import Decimal
from types import SimpleNamespace as R

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from xianfeng.partylife import dues

D = Decimal


@pytest.mark.parametrize(
    "base, expected",
    [
        ("0.01", "0.00"),
        ("2999.99", "15.00"),
        ("3000", "15.00"),  # 3000元以下（含3000元）: 0.5%
        ("3000.01", "30.00"),
        ("5000", "50.00"),  # 3000–5000（含5000元）: 1%
        ("5000.01", "75.00"),
        ("10000", "150.00"),  # 5000–10000（含10000元）: 1.5%
        ("10000.01", "200.00"),
        ("12345.67", "246.91"),  # 2%, to the fen
        ("3333.33", "33.33"),
    ],
)
def test_in_service_brackets_at_their_bounds(base, expected):
    assert dues.expected_amount("in_service", D(base)) == D(expected)


@pytest.mark.parametrize("base, expected", [("5000", "25.00"), ("4999.99", "25.00"), ("5000.01", "50.00")])
def test_retired_brackets(base, expected):
    assert dues.expected_amount("retired", D(base)) == D(expected)


def test_fixed_amounts():
    assert dues.expected_amount("student", 0) == D("0.20")
    assert dues.expected_amount("unemployed", 0) == D("0.20")
    assert dues.expected_amount("farmer", 0) == D("0.20")


def test_an_amount_below_the_bracket_names_the_bracket_and_the_expected_amount():
    with pytest.raises(ValidationError) as exc:
        dues.check_amount("in_service", D("4000"), D("20"))
    message = exc.value.message_dict["amount"][0]
    assert "3,000元以上至5,000元（含5,000元），按1%" in message and "40.00" in message


def test_more_than_the_bracket_needs_a_note():
    with pytest.raises(ValidationError):
        dues.check_amount("in_service", D("4000"), D("100"))
    assert dues.check_amount("in_service", D("4000"), D("100"), "自愿多交") != []
    assert dues.check_amount("in_service", D("4000"), D("40")) == []


@pytest.mark.parametrize("amount, ok", [("0.19", False), ("0.20", True), ("1.00", True), ("1.01", False)])
def test_farmers_pay_between_twenty_fen_and_one_yuan(amount, ok):
    if ok:
        assert dues.check_amount("farmer", 0, D(amount)) == []
    else:
        with pytest.raises(ValidationError):
            dues.check_amount("farmer", 0, D(amount))


@given(st.decimals(min_value=0, max_value=200000, places=2), st.decimals(min_value=0, max_value=200000, places=2))
def test_amounts_never_decrease_with_the_base(a, b):
    low, high = sorted([a, b])
    for category in ("in_service", "retired"):
        assert dues.expected_amount(category, low) <= dues.expected_amount(category, high)
        assert dues.expected_amount(category, high) == dues.expected_amount(category, high).quantize(D("0.01"))


@given(st.decimals(min_value=0, max_value=200000, places=2))
def test_the_expected_amount_always_passes_its_own_check(base):
    dues.check_amount("in_service", base, dues.expected_amount("in_service", base))
    dues.check_amount("retired", base, dues.expected_amount("retired", base))


def m(year, month):
    return datetime.date(year, month, 1)


def test_arrears_count_months_from_the_first_rate_and_the_longest_run():
    rates = [R(start_month=m(2026, 1), amount=D("40")), R(start_month=m(2026, 6), amount=D("50"))]
    paid = [R(month=m(2026, 1), amount=D("40")), R(month=m(2026, 9), amount=D("50"))]
    result = dues.arrears(rates, paid, m(2026, 10))
    assert len(result.months) == 10
    assert result.unpaid_months == 8
    assert result.longest_run == 7  # 2–8
    assert result.current_run == 1
    assert result.owed == D("40") * 4 + D("50") * 4
    assert result.flagged


def test_five_months_unpaid_is_not_flagged_six_is():
    rates = [R(start_month=m(2026, 1), amount=D("15"))]
    assert not dues.arrears(rates, [R(month=m(2026, 1), amount=D("15"))], m(2026, 6)).flagged
    assert dues.arrears(rates, [], m(2026, 6)).flagged
    assert dues.arrears([], [], m(2026, 6)).owed == 0

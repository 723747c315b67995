"""The placeholder syntax of narrative templates: the rounding rule (property-tested), exact
printing, unknown names and personal data refused with messages that name what is wrong."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xianfeng.reports import placeholders as ph
from xianfeng.reports.narrative import catalog


def stated(text: str) -> Decimal:
    """The amount a rounded text states: "30余万" → 300000, "4.8万余" → 48000, "4500余" → 4500."""
    plain = text.replace("余", "").replace(",", "")
    for unit, factor in (("亿", 100_000_000), ("万", 10_000)):
        if plain.endswith(unit):
            return Decimal(plain[:-1]) * factor
    return Decimal(plain)


@pytest.mark.parametrize(
    ("exact", "text"),
    [
        (7, "7"),
        (17, "17"),
        (206, "200余"),
        (450, "450"),
        (453, "450余"),
        (4532, "4500余"),
        (40_000, "4万"),
        (48_123, "4.8万余"),
        (301_234, "30余万"),
        (1_234_567, "120余万"),
        (1_234_567_890, "12余亿"),
        (Decimal("35.5"), "35.5"),
        (Decimal("1234.5"), "1200余"),
    ],
)
def test_rounded_the_way_reports_write_it(exact, text):
    assert ph.approx(exact).text == text


@given(st.one_of(st.integers(min_value=0, max_value=10**12), st.decimals(min_value=0, max_value=10**9, places=2)))
def test_a_rounded_figure_never_claims_more_than_was_done(value):
    result = ph.approx(value)
    exact = Decimal(str(value))
    assert stated(result.text) == result.rounded  # the text says what it means
    assert result.rounded <= exact
    assert ("余" in result.text) == (exact > result.rounded)
    assert result.rounded >= exact * Decimal("0.9") - 1  # two leading digits: never less than 90 %


def test_exact_figures_carry_thousands_separators_and_no_trailing_zeros():
    assert ph.exact_text(301234) == "301,234"
    assert ph.exact_text(Decimal("1234.50")) == "1,234.5"
    assert ph.exact_text(Decimal("12.00")) == "12"


@pytest.mark.django_db
def test_names_keys_labels_and_aliases_mean_the_same_figure():
    cat = catalog()
    assert ph.parse_spec("服务人次", cat) == ph.Spec("服务人次", ph.METRIC, ("person_times",))
    assert ph.parse_spec("person_times:约", cat).approx
    assert ph.parse_spec("类型：followup_home：服务人次", cat).args == ("followup_home", "person_times")
    assert ph.parse_spec("项目:smd:管理率", cat).args == ("smd", "management_rate")
    assert ph.parse_spec("项目:smd:management_rate:分母", cat).part == "denominator"


@pytest.mark.django_db
def test_an_unknown_placeholder_is_named_with_the_valid_ones():
    cat = catalog()
    errors = ph.check_text("共服务{服务次数}人次，{类型:home_visit:服务人次}，{项目:smd:治愈率}", cat)
    assert len(errors) == 3
    assert "{服务次数}" in errors[0] and "{服务人次}" in errors[0]  # lists what is valid
    assert "{类型:home_visit:服务人次}" in errors[1] and "followup_home" in errors[1]
    assert "{项目:smd:治愈率}" in errors[2] and "management_rate" in errors[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("走访了{姓名}家", "个人信息"),
        ("联系{电话}", "个人信息"),
        ("{resident_name}", "个人信息"),
        ("患者210681195001011234就诊", "身份证"),
        ("咨询 138 1234 5678", "电话号码"),
        ("值班电话0415-3312000", "电话号码"),
        ("身份证2106**********1234", "脱敏"),
    ],
)
def test_a_template_that_would_print_personal_data_is_refused(text, expected):
    errors = ph.check_text(text, catalog())
    assert errors and expected in errors[0]
    assert not re.search(r"\d{11,}", errors[0])  # the message does not repeat the number


@pytest.mark.django_db
def test_plain_text_dates_and_region_codes_are_not_personal_data():
    assert ph.check_text("2026年3月，孤山镇（210681101）共{服务人次}人次，热线12356", catalog()) == []


def test_a_stray_brace_is_explained_and_doubled_braces_print_one():
    with pytest.raises(ph.PlaceholderError, match="不成对"):
        ph.tokens("共{服务人次人次")
    assert ph.tokens("{{注}}") == ["{", "注", "}"]

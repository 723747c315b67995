import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xianfeng.imports.parsers import CellError, clean_text, parse_bool, parse_choice, parse_date, parse_int
from xianfeng.imports.spec import header_key

dates = st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 12, 31))


@given(dates)
def test_every_common_chinese_date_spelling_parses(day):
    spellings = [
        day.isoformat(),
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
        f"{day.year}－{day.month:02d}－{day.day:02d}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]
    for text in spellings:
        assert parse_date(text) == day, text


@given(dates)
def test_excel_serial_numbers_parse(day):
    serial = (day - datetime.date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day


@pytest.mark.parametrize("text", ["1965-02-30", "明年", "1965.13.1"])
def test_impossible_dates_are_errors(text):
    with pytest.raises(CellError):
        parse_date(text)


def test_integers_and_text():
    assert parse_int("１,２００") == 1200
    assert parse_int("") is None
    with pytest.raises(CellError):
        parse_int("-1", minimum=0)
    assert clean_text(210681101001.0) == "210681101001"
    assert clean_text("  孤山镇 ") == "孤山镇"


def test_booleans_and_choices():
    assert parse_bool("是") is True and parse_bool("否") is False
    assert parse_choice("党支部", [("branch", "党支部")]) == "branch"
    with pytest.raises(CellError) as error:
        parse_choice("党校", [("branch", "党支部")])
    assert "党支部" in str(error.value)


@given(st.text(max_size=20))
def test_header_keys_ignore_required_marks_and_spacing(text):
    assert header_key(text + "*") == header_key(text)
    assert header_key(f" {text} ") == header_key(text)

"""Property tests for the ID validator (xianfeng.core.idnumber) and the text normalizers."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from xianfeng.core.idnumber import CHECK_CHARS, IdNumberError, check_char, is_valid_id_number, parse_id_number
from xianfeng.core.text import normalize_name, pinyin_initials, to_halfwidth
from xianfeng.residents.validators import normalize_phone

TODAY = datetime.date(2026, 1, 1)
areas = st.sampled_from(["110101", "210681", "440305", "650102", "820000"])
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
serials = st.integers(min_value=0, max_value=999)


def build(area: str, birth: datetime.date, serial: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(areas, births, serials)
def test_valid_numbers_parse_with_birth_and_gender(area, birth, serial):
    number = build(area, birth, serial)
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.value == number and parsed.birth_date == birth
    assert parsed.gender == ("M" if serial % 2 else "F")


@given(areas, births, serials, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(area, birth, serial, position, delta):
    number = build(area, birth, serial)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    # MOD 11-2 detects every single-digit substitution; other checks may fire first.
    assert not is_valid_id_number(changed) or changed == number


@given(areas, births, serials)
def test_wrong_check_character_is_rejected_with_the_right_one(area, birth, serial):
    number = build(area, birth, serial)
    for wrong in CHECK_CHARS:
        if wrong == number[-1]:
            continue
        try:
            parse_id_number(number[:17] + wrong, today=TODAY)
        except IdNumberError as exc:
            assert number[-1] in str(exc)
        else:
            raise AssertionError("accepted a wrong check character")


@given(areas, st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)), serials)
def test_fifteen_digit_numbers_convert(area, birth, serial):
    eighteen = build(area, birth, serial)
    fifteen = eighteen[:6] + eighteen[8:17]
    assert parse_id_number(fifteen, today=TODAY).value == eighteen


@given(areas, births, serials, st.booleans(), st.booleans())
def test_formatting_noise_is_ignored(area, birth, serial, wide, lower):
    number = build(area, birth, serial)
    noisy = f" {number[:6]} {number[6:14]} {number[14:]} "
    noisy = fullwidth(noisy) if wide else noisy
    noisy = noisy.lower() if lower else noisy
    assert parse_id_number(noisy, today=TODAY).value == number


@given(st.text(max_size=25))
def test_parser_never_crashes(text):
    try:
        parse_id_number(text, today=TODAY)
    except IdNumberError:
        pass


@given(areas, st.integers(min_value=1900, max_value=2025), st.integers(1, 12), st.integers(29, 31), serials)
def test_impossible_dates_are_rejected(area, year, month, day, serial):
    try:
        datetime.date(year, month, day)
    except ValueError:
        first17 = f"{area}{year:04d}{month:02d}{day:02d}{serial:03d}"
        assert not is_valid_id_number(first17 + check_char(first17))


names = st.text(alphabet=st.sampled_from("陈陳大文黃黄美玲張张三李四王五趙赵 　"), min_size=1, max_size=8)


@given(names)
def test_normalize_name_is_idempotent_and_spaceless(name):
    once = normalize_name(name)
    assert normalize_name(once) == once and " " not in once and "\u3000" not in once


@given(names)
def test_traditional_and_simplified_normalize_alike(name):
    simplified = name.replace("陳", "陈").replace("黃", "黄").replace("張", "张").replace("趙", "赵")
    assert normalize_name(name) == normalize_name(simplified)
    assert pinyin_initials(name) == pinyin_initials(simplified)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20))
def test_fullwidth_ascii_becomes_halfwidth(text):
    assert to_halfwidth(fullwidth(text)) == text


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "+86-", "0086"]), st.booleans())
def test_phone_normalizer(phone, prefix, wide):
    spaced = f"{prefix}{phone[:3]} {phone[3:7]}-{phone[7:]}"
    assert normalize_phone(fullwidth(spaced) if wide else spaced) == phone


def test_initials_of_known_names():
    assert pinyin_initials("陳大文") == "cdw" and normalize_name(" 陳 大文 ") == "陈大文"

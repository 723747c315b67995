"""What the residents import's hot path computes once per file (today, the search-limit state)
must still answer every row as before."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from xianfeng.residents.models import Resident

from .factories import VILLAGE_A, VILLAGE_B, ResidentFactory, make_id_number
from .test_import import HEADER, run, write

NEW_1 = make_id_number(datetime.date(1971, 1, 1), serial=41)
ELSEWHERE_1 = make_id_number(datetime.date(1972, 2, 2), serial=42)
ELSEWHERE_2 = make_id_number(datetime.date(1973, 3, 3), serial=43)
NEW_2 = make_id_number(datetime.date(1974, 4, 4), serial=44)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_the_search_limit_reached_mid_file_refuses_every_later_id_number(tmp_path, doctors, county, settings):
    settings.EXACT_SEARCH_LIMIT = 1
    ResidentFactory(name="外镇甲", village_id=VILLAGE_B, id_number=ELSEWHERE_1)
    ResidentFactory(name="外镇乙", village_id=VILLAGE_B, id_number=ELSEWHERE_2)
    text = HEADER + "".join(
        f"居民{n},{number},,,,{VILLAGE_A},,,,\n" for n, number in enumerate((NEW_1, ELSEWHERE_1, ELSEWHERE_2, NEW_2))
    )
    outcome = run(write(tmp_path, text, "utf-8"), doctors.a)
    messages = {e.row: e.message for e in outcome.errors}
    assert 2 not in messages  # a new number, before the limit
    assert messages[3] == "该身份证号无法在此登记，请联系党办或上级管理员核实"  # the one check the limit allows
    assert "次数已达上限" in messages[4]
    assert "次数已达上限" in messages[5]  # a new number too: rows that pass must tell nothing


def test_a_user_already_over_the_limit_gets_it_on_every_id_number(tmp_path, doctors, county, settings):
    settings.EXACT_SEARCH_LIMIT = 0
    text = HEADER + f"甲,{NEW_1},,,,{VILLAGE_A},,,,\n乙,,,,,{VILLAGE_A},,,,\n"
    outcome = run(write(tmp_path, text, "utf-8"), doctors.a)
    assert [(e.row, "次数已达上限" in e.message) for e in outcome.errors] == [(2, True)]


def test_today_is_accepted_and_tomorrow_refused_in_one_file(tmp_path, doctors, county):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    text = (
        HEADER
        + f"今天生,,女,{today.isoformat()},,{VILLAGE_A},,,,\n明天生,,女,{tomorrow.isoformat()},,{VILLAGE_A},,,,\n"
    )
    outcome = run(write(tmp_path, text, "utf-8"), doctors.a, commit=False)
    assert [(e.row, e.message) for e in outcome.errors] == [(3, f"出生日期 {tomorrow.isoformat()} 晚于今天")]
    assert not Resident.objects.exists()

"""What the residents import keeps for a whole file in compact form (engine.KeyRows for the ID
numbers met, services_import.HouseholdTagSet for household tags) must answer as before."""

import datetime

from xianfeng.residents.models import HouseholdTag

from .factories import VILLAGE_A, make_id_number
from .test_import import HEADER, run, write


def test_a_duplicate_id_deep_in_a_long_file_names_its_first_row(tmp_path, doctors, county):
    # Thousands of ID numbers: the in-file duplicate map (engine.KeyRows) grows several times.
    numbers = [make_id_number(datetime.date(1950, 1, 1) + datetime.timedelta(days=n), serial=n) for n in range(3000)]
    rows = [f"居民{n},{number},,,,{VILLAGE_A},,,,\n" for n, number in enumerate(numbers)]
    rows.append(f"重复者,{numbers[1234]},,,,{VILLAGE_A},,,,\n")
    outcome = run(write(tmp_path, HEADER + "".join(rows), "utf-8"), doctors.a)
    assert [(e.row, e.message) for e in outcome.errors] == [(3002, "身份证号与第 1236 行重复（同一人只能登记一次）")]
    assert outcome.valid == 3000


def test_a_household_tag_on_several_members_is_recorded_once(tmp_path, doctors, county):
    text = HEADER + "".join(
        f"成员{n},{make_id_number(datetime.date(1980, 1, 1 + n), serial=50 + n)},,,,{VILLAGE_A},,H9,,低保户\n"
        for n in range(3)
    )
    outcome = run(write(tmp_path, text, "utf-8"), doctors.a, commit=True)
    assert outcome.committed and outcome.created == 3
    assert list(HouseholdTag.objects.values_list("household__number", "tag")) == [("H9", "dibao")]

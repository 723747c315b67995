"""The demo members' volunteer numbers: the platform's format, unique, the same on every run."""

import datetime
import re

from xianfeng.demo.seed_people import member_rows


def test_volunteers_and_party_members_come_with_stable_unique_volunteer_numbers():
    today = datetime.date(2026, 6, 1)
    rows = member_rows(today)
    numbered = [row for row in rows if row.get("志愿者编号")]
    assert all(re.fullmatch(r"ZY20(1[89]|2[0-3])\d{6}", row["志愿者编号"]) for row in numbered)
    assert len({row["志愿者编号"] for row in numbered}) == len(numbered)
    assert all(row.get("志愿者编号") for row in rows if row["人员类别"] == "志愿者" or "入党日期" in row)
    assert any(not row.get("志愿者编号") for row in rows)  # not everyone is a registered volunteer
    again = member_rows(today)
    assert [row.get("志愿者编号") for row in again] == [row.get("志愿者编号") for row in rows]
    assert [row["姓名"] for row in again] == [row["姓名"] for row in rows]

"""Past dues ledgers: "党费交纳记录" all or nothing with row errors, and "党费基数"."""

import csv

import pytest

from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.partylife.models import DuesPayment, DuesRate

from .factories_dues import TODAY, dues_world, month_ago, pay, set_rates

HEADER = ["姓名", "所属支部", "所属月份", "金额", "交纳日期", "方式", "收据号", "说明"]


@pytest.fixture
def w(world):
    w = dues_world(world)
    set_rates(w)
    return w


def _run(w, tmp_path, key, header, rows, user=None):
    path = tmp_path / "党费.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return engine.run(get_spec(key), path, ImportContext(user=user or w.secretary), commit=True)


def _m(n):
    return f"{month_ago(n):%Y-%m}"


def test_a_dues_ledger_imports(w, tmp_path):
    rows = [
        ["张志愿", "内科党支部", _m(3), "40", TODAY.isoformat(), "工资代扣", "R-1", ""],
        ["张志愿", "内科党支部", _m(2), "40.00", TODAY.isoformat(), "现金", "", ""],
        ["王医生", "", _m(2), "300", TODAY.isoformat(), "", "", "自愿多交"],
    ]
    outcome = _run(w, tmp_path, "partylife_dues_payments", HEADER, rows)
    assert outcome.ok and outcome.created == 3, (outcome.errors, outcome.file_problem)
    assert DuesPayment.objects.get(member=w.me, month=month_ago(3)).method == "payroll"


def test_one_bad_row_keeps_the_whole_file_out(w, tmp_path):
    pay(w, w.me, month_ago(1))
    rows = [
        ["张志愿", "内科党支部", _m(3), "40", TODAY.isoformat(), "", "", ""],  # fine
        ["张志愿", "内科党支部", _m(1), "40", TODAY.isoformat(), "", "", ""],  # already paid
        ["王医生", "内科党支部", _m(2), "100", TODAY.isoformat(), "", "", ""],  # below 240
        ["查无此人", "内科党支部", _m(2), "1", TODAY.isoformat(), "", "", ""],  # unknown
        ["孙群众", "内科党支部", _m(2), "1", TODAY.isoformat(), "", "", ""],  # not a party member
        ["周外科", "外科党支部", _m(2), "15", TODAY.isoformat(), "", "", ""],  # outside the scope
        ["张志愿", "内科党支部", _m(3), "40", TODAY.isoformat(), "", "", ""],  # twice in the file
    ]
    outcome = _run(w, tmp_path, "partylife_dues_payments", HEADER, rows)
    assert not outcome.ok and outcome.created == 0
    messages = {issue.row: issue.message for issue in outcome.errors}
    assert "已交纳" in messages[3] and "低于标准" in messages[4] and "未找到" in messages[5]
    assert "不是党员" in messages[6] and "未找到" in messages[7] and "重复" in messages[8]
    assert DuesPayment.objects.count() == 1


def test_the_rate_kind_checks_the_brackets(w, tmp_path):
    header = ["姓名", "所属支部", "交纳类别", "交纳基数", "月交纳额", "起始月份", "说明"]
    rows = [["张志愿", "内科党支部", "在职", "9000", "", f"{TODAY:%Y-%m}", ""]]
    outcome = _run(w, tmp_path, "partylife_dues_rates", header, rows)
    assert outcome.ok, outcome.errors
    assert DuesRate.objects.get(member=w.me, start_month=month_ago(0)).amount == 135
    bad = [["王医生", "内科党支部", "在职", "9000", "10", f"{TODAY:%Y-%m}", ""]]
    outcome = _run(w, tmp_path, "partylife_dues_rates", header, bad)
    assert not outcome.ok and "135.00" in outcome.errors[0].message

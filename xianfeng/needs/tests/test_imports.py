"""Importing a past needs ledger: Chinese categories and statuses, residents found within scope,
resolved rows noted as from the ledger, and one bad row keeps the whole file out."""

import csv
import datetime

import pytest

from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.needs.models import Need, Status
from xianfeng.residents.tests.factories import VILLAGE_A

from .factories import TODAY, needs_world

HEADER = [
    "居民姓名",
    "所属村",
    "类别",
    "诉求",
    "反映日期",
    "反映渠道",
    "责任人",
    "办结期限",
    "状态",
    "办结日期",
    "办理结果",
]
D = (TODAY - datetime.timedelta(days=40)).isoformat()
DONE = (TODAY - datetime.timedelta(days=30)).isoformat()


@pytest.fixture
def w(world):
    return needs_world(world)


def _run(w, tmp_path, rows, commit=True):
    path = tmp_path / "台账.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return engine.run(get_spec("needs"), path, ImportContext(user=w.secretary), commit=commit)


def test_a_ledger_imports_with_its_statuses(w, tmp_path):
    rows = [
        ["李大爺", VILLAGE_A, "辅助器具", "更换轮椅", D, "走访", "王志愿", DONE, "已解决", DONE, "已送轮椅"],
        ["王大娘", "冯家屯村委会", "代购药品", "代购降压药", D, "电话", "", "", "待办", "", ""],
        ["李大爷", VILLAGE_A, "住房", "危房改造", D, "走访", "王志愿", "", "未解决", DONE, "不符合政策"],
    ]
    outcome = _run(w, tmp_path, rows)
    assert outcome.ok and outcome.created == 3, (outcome.errors, outcome.file_problem)
    wheelchair = Need.objects.get(title="更换轮椅")
    assert wheelchair.status == Status.RESOLVED and wheelchair.resident == w.resident
    assert wheelchair.resolution_note == "历史台账导入：已送轮椅" and not wheelchair.records.exists()
    assert wheelchair.assigned_member == w.member and wheelchair.org == w.branch_a
    assert Need.objects.get(title="代购降压药").status == Status.OPEN
    assert Need.objects.get(title="危房改造").close_reason == "不符合政策"
    again = _run(w, tmp_path, rows)  # the same file twice adds nothing
    assert again.ok and again.created == 0 and again.planned["unchanged"] == 3


def test_one_bad_row_keeps_the_whole_file_out(w, tmp_path):
    rows = [
        ["李大爷", VILLAGE_A, "辅助器具", "更换轮椅", D, "走访", "", "", "待办", "", ""],
        ["李大爷", VILLAGE_A, "天气", "下雨", D, "走访", "", "", "", "", ""],  # unknown category
        ["李大爷", VILLAGE_A, "住房", "危房改造", D, "走访", "", "", "未解决", DONE, ""],  # no reason
        ["李大爷", VILLAGE_A, "住房", "修屋顶", D, "走访", "", "", "已解决", "", "修好"],  # no closing day
        ["查无此人", VILLAGE_A, "其他", "办事", D, "走访", "", "", "", "", ""],
    ]
    outcome = _run(w, tmp_path, rows)
    assert not outcome.ok and outcome.created == 0
    columns = {(issue.row, issue.column) for issue in outcome.errors}
    assert {(3, "类别"), (4, "办理结果"), (5, "办结日期"), (6, "居民姓名")} <= columns
    assert not Need.objects.exists()

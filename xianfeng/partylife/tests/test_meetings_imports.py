"""Importing a past register of meetings: Chinese kinds, branches and their 党小组 by name, hosts
of the branch, quorum kinds refused when marked valid without a quorum, future dates refused,
one bad row keeps the whole file out, the same file twice adds nothing."""

import csv
import datetime

import pytest

from xianfeng.audit.models import ChangeLog
from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.partylife.models import Meeting, MeetingKind

from .factories_meetings import TODAY, meetings_world

HEADER = [
    "组织",
    "会议类型",
    "日期",
    "主题",
    "地点",
    "主持人",
    "记录人",
    "应到人数",
    "实到人数",
    "是否有效",
    "议题",
    "决议",
]
D = (TODAY - datetime.timedelta(days=40)).isoformat()


@pytest.fixture
def w(world):
    return meetings_world(world)


def _run(w, tmp_path, rows, user=None, header=HEADER):
    path = tmp_path / "会议.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return engine.run(get_spec("partylife_meetings"), path, ImportContext(user=user or w.secretary), commit=True)


def test_a_register_imports(w, tmp_path):
    rows = [
        ["内科党支部", "支部党员大会", D, "换届选举", "三楼", "李书记", "王医生", "30", "26", "", "选举", "通过", ""],
        ["内科第一党小组", "党小组会", D, "", "", "赵护士", "", "8", "7", "", "", "", ""],
        ["内科党支部", "支委会", D, "发展党员", "", "", "", "5", "2", "否", "", "", "到会未过半，次周重开"],
        ["内科党支部", "微党课", D, "条例学习", "", "", "", "30", "10", "", "", "", "写了也不存"],
    ]
    outcome = _run(w, tmp_path, rows, header=[*HEADER, "无效原因"])
    assert outcome.ok and outcome.created == 4, (outcome.errors, outcome.file_problem)
    assembly = Meeting.objects.get(kind=MeetingKind.BRANCH_ASSEMBLY)
    assert (assembly.expected_count, assembly.present_count, assembly.is_valid) == (30, 26, True)
    assert assembly.host == w.sec and assembly.recorder == w.full[2]
    group = Meeting.objects.get(kind=MeetingKind.GROUP)
    assert group.org == w.group_a and group.title == "党小组会"
    committee = Meeting.objects.get(kind=MeetingKind.COMMITTEE)
    assert not committee.is_valid and "次周重开" in committee.invalid_note  # text cells are normalized (NFKC)
    assert Meeting.objects.get(kind=MeetingKind.LECTURE).invalid_note == ""  # a valid meeting keeps none
    assert Meeting.objects.get(kind=MeetingKind.LECTURE).title == "条例学习"
    assert ChangeLog.objects.filter(model="partylife.Meeting", action=ChangeLog.Action.IMPORT).count() == 4
    again = _run(w, tmp_path, rows, header=[*HEADER, "无效原因"])
    assert again.ok and again.created == 0 and again.planned["unchanged"] == 4


def test_one_bad_row_keeps_the_whole_file_out(w, tmp_path):
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    rows = [
        ["内科党支部", "党课", D, "", "", "", "", "30", "20", "", "", ""],
        ["不存在的支部", "党课", D, "", "", "", "", "30", "20", "", "", ""],  # unknown branch
        ["内科党支部", "茶话会", D, "", "", "", "", "30", "20", "", "", ""],  # unknown kind
        ["内科党支部", "支部党员大会", D, "", "", "", "", "30", "15", "是", "", ""],  # no quorum, valid
        ["内科党支部", "党课", future, "", "", "", "", "30", "20", "", "", ""],  # future
        ["内科党支部", "党课", D, "", "", "周外科", "", "30", "20", "", "", ""],  # host of another branch
        ["内科党支部", "党课", D, "", "", "", "", "30", "40", "", "", ""],  # more present than expected
        ["外科党支部", "党课", D, "", "", "", "", "30", "20", "", "", ""],  # out of scope
    ]
    outcome = _run(w, tmp_path, rows)
    assert not outcome.ok and outcome.created == 0
    columns = {(issue.row, issue.column) for issue in outcome.errors}
    expected = {(3, "组织"), (4, "会议类型"), (5, "是否有效"), (6, "日期"), (7, "主持人"), (8, "实到人数"), (9, "组织")}
    assert expected <= columns, columns
    message = next(i.message for i in outcome.errors if i.row == 5)
    assert "应到 30 人，实到 15 人" in message
    assert not Meeting.objects.exists()


def test_the_explanation_column_is_optional_but_an_invalid_row_needs_it(w, tmp_path):
    valid = ["内科党支部", "党课", D, "", "", "", "", "30", "20", "", "", ""]
    assert _run(w, tmp_path, [valid]).created == 1  # a file without the column imports valid meetings
    invalid = ["内科党支部", "支委会", D, "发展党员", "", "", "", "5", "2", "否", "", ""]
    outcome = _run(w, tmp_path, [invalid])
    assert not outcome.ok
    issue = next(i for i in outcome.errors if i.row == 2)
    assert issue.column == "无效说明" and "须填写无效说明" in issue.message
    assert Meeting.objects.count() == 1

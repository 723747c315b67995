"""Empty cells in the engine's hot loop: what a column's parser makes of an empty cell is
computed once per file, and must still be what the parser would have said on every row."""

import pytest

from xianfeng.imports import engine
from xianfeng.imports.parsers import CellError, parse_date
from xianfeng.imports.spec import Column, ImportContext, ImportSpec

pytestmark = pytest.mark.django_db  # the commit runs in a transaction


def refuse_empty(value):
    if value in (None, ""):
        raise CellError("不能为空（本列的解析器说的）")
    return str(value)


def as_list(value):
    return [] if value in (None, "") else [str(value)]


class EmptyCellsSpec(ImportSpec):
    key = "empty-cells-test"
    label = "测试"
    columns = [
        Column("name", "姓名", required=True),
        Column("code", "编码", parse=refuse_empty),  # optional, but its parser refuses an empty cell
        Column("items", "清单", parse=as_list),  # a mutable value: each row needs its own
        Column("born", "出生日期", parse=parse_date),
        Column("note", "备注"),  # not in the file at all
    ]

    def clean_row(self, values, row_number, ctx):
        values["items"].append(row_number)  # would leak into later rows if the list were shared
        return dict(values)

    def commit(self, rows, ctx):
        ctx.state.setdefault("written", []).extend(planned.data for planned in rows)
        return len(rows), 0


def run(tmp_path, text):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    ctx = ImportContext(user=None)
    outcome = engine.run(EmptyCellsSpec(), path, ctx, commit=True)
    return outcome, ctx.state.get("written", [])


def test_empty_cells_read_as_the_parser_reads_them(tmp_path):
    outcome, written = run(tmp_path, "姓名,编码,清单,出生日期\n甲,A1,,\n乙,A2,x,1965-03-02\n丙,A3,,\n")
    assert outcome.committed, [e.as_dict() for e in outcome.errors]
    assert [(w["name"], w["items"], w["born"], w["note"]) for w in written] == [
        ("甲", [2], None, ""),
        ("乙", ["x", 3], parse_date("1965-03-02"), ""),
        ("丙", [4], None, ""),
    ]


def test_a_parser_that_refuses_an_empty_cell_is_asked_on_every_row(tmp_path):
    outcome, written = run(tmp_path, "姓名,编码\n甲,\n乙,B2\n,C3\n丁,\n")
    assert not outcome.committed and written == []
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (2, "编码", "不能为空（本列的解析器说的）"),
        (4, "姓名", "必填"),
        (5, "编码", "不能为空（本列的解析器说的）"),
    ]

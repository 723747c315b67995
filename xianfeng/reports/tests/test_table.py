"""The statistics table: each row is the figure of the row's filter, the total row equals the
dashboard's figures (not the sum of distinct counts), cells drill down, and the Excel download
carries the same numbers with the 口径 sheet, for readers holding reports.export only."""

import dataclasses
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.reports.table import DEFAULT_KEYS, TableError, table_rows, table_xlsx
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_A2
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

from .test_drill import FILTER, SERVED, facts  # noqa: F401 (the shared fixture)

PARAMS = {"from": "2024-01-01", "to": "2024-12-31"}


def _flt(user, **extra):
    return parse_filter(user, {**PARAMS, **extra})


def test_the_total_row_is_the_dashboards_figures(facts):  # noqa: F811
    reader = facts.world.reader
    flt = _flt(reader)
    table = table_rows(reader, flt, "village", list(DEFAULT_KEYS))
    figures = metrics_for(reader, flt, with_programs=False)
    assert table.total == {key: figures[key] for key in DEFAULT_KEYS}
    labels = [label for label, _query, _values in table.rows]
    assert labels == ["冯家屯村委会", "谷家屯村委会"]  # the villages of 孤山镇, the branch's township


def test_each_row_is_the_figure_of_its_own_filter(facts):  # noqa: F811
    admin = facts.world.admin
    flt = _flt(admin)
    table = table_rows(admin, flt, "org", ["person_times", "persons", "hours"])
    rows = {label: (query, values) for label, query, values in table.rows}
    assert set(rows) == {"内科党支部", "外科党支部"}  # the committee's children, each its subtree
    branch_a = metrics_for(admin, dataclasses.replace(flt, org=facts.world.branch_a), with_programs=False)
    assert rows["内科党支部"][1] == {k: branch_a[k] for k in ("person_times", "persons", "hours")}
    assert f"org={facts.world.branch_a.pk}" in rows["内科党支部"][0]


def test_distinct_totals_are_not_sums_and_the_footnote_says_so(client, facts):  # noqa: F811
    # 张三 served in both villages: one person in the total, one in each row.
    ServiceRecordFactory(
        org=facts.world.branch_a,
        service_type=service_type("medicine_delivery"),
        resident=facts.zhang,
        served_on=SERVED,
        place=VILLAGE_A2,
    )
    reader = facts.world.reader
    table = table_rows(reader, _flt(reader), "village", ["persons", "person_times"])
    by_label = {label: values for label, _q, values in table.rows}
    assert by_label["冯家屯村委会"]["persons"] + by_label["谷家屯村委会"]["persons"] > table.total["persons"]
    assert table.total["persons"] == 3
    client.force_login(reader)
    body = client.get(f"/reports/table/?{FILTER}&rows=village&metrics=persons,person_times").content.decode()
    assert "服务人数合计按去重计算" in body and "不等于各行相加" in body


def test_the_page_shows_rows_total_and_drill_links(client, facts):  # noqa: F811
    reader = facts.world.reader
    client.force_login(reader)
    response = client.get(f"/reports/table/?{FILTER}&rows=township")
    assert response.status_code == 200
    body = response.content.decode()
    total = re.search(r"data-total-row>(.*?)</tr>", body, re.S).group(1)
    figures = metrics_for(reader, _flt(reader), with_programs=False)
    assert f">{figures['person_times']}</a>" in total
    assert "/reports/drill/persons/?" in body and "region=210681101" in body
    assert "孤山镇" in body and "前阳镇" not in body  # 前阳镇 is not among the branch's places


def test_zero_rows_can_be_hidden(client, facts):  # noqa: F811
    client.force_login(facts.world.admin)
    shown = client.get(f"/reports/table/?{FILTER}&rows=org&metrics=events").content.decode()
    assert "内科党支部" in shown and "外科党支部" in shown
    only_events = client.get(
        f"/reports/table/?{FILTER}&rows=org&metrics=events&zeros=hide&org={facts.world.branch_a.pk}"
    )
    body = only_events.content.decode()
    assert "已隐藏 1 个全为 0 的行" in body  # 内科第一党小组 held no activity


def test_unknown_rows_or_metrics_are_explained(client, facts):  # noqa: F811
    with pytest.raises(TableError):
        table_rows(facts.world.reader, _flt(facts.world.reader), "province", ["persons"])
    with pytest.raises(TableError):
        table_rows(facts.world.reader, _flt(facts.world.reader), "org", ["registered"])
    client.force_login(facts.world.reader)
    body = client.get(f"/reports/table/?{FILTER}&metrics=nonsense").content.decode()
    assert "表格没有这个指标" in body


def test_too_many_rows_ask_for_a_narrower_filter(facts, monkeypatch):  # noqa: F811
    from xianfeng.reports import table as table_module

    monkeypatch.setattr(table_module, "ROW_LIMIT", 1)
    admin = facts.world.admin
    narrowed = table_rows(admin, _flt(admin), "village", ["person_times"])
    assert narrowed.rows == [] and "请缩小范围" in narrowed.message
    assert narrowed.total["person_times"] == metrics_for(admin, _flt(admin))["person_times"]


def test_excel_has_title_rows_total_and_definitions(facts):  # noqa: F811
    admin = facts.world.admin
    progress = []
    content = table_xlsx(admin, _flt(admin), "org", ["person_times", "hours"], progress=progress.append)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "2024-01-01 至 2024-12-31" in rows[0][0]
    assert rows[1] == ("组织", "服务人次（人次）", "志愿服务时长（小时）")
    total = next(r for r in rows if r[0] == "合计")
    figures = metrics_for(admin, _flt(admin), with_programs=False)
    assert total[1] == figures["person_times"] and Decimal(str(total[2])) == figures["hours"]
    definitions = book["口径"]
    assert [c.value for c in definitions[2]][0] == "服务人次"
    assert "不记名服务人数" in definitions["C2"].value
    assert progress and progress[-1] == 100 and progress == sorted(progress)


def test_excel_download_needs_reports_export(client, facts):  # noqa: F811
    client.force_login(facts.world.reader)  # 领导: 查看 导出
    ok = client.get(f"/reports/table/export.xlsx?{FILTER}&rows=township&metrics=persons")
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(ok.content))
    assert "孤山镇" in [r[0] for r in book.worksheets[0].iter_rows(values_only=True)]
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, facts.world.branch_a, username="sec")
    client.force_login(secretary)
    assert client.get(f"/reports/table/?{FILTER}").status_code == 200
    assert client.get(f"/reports/table/export.xlsx?{FILTER}").status_code == 403
    client.force_login(facts.world.reader)
    bad = client.get("/reports/table/export.xlsx?from=2024-12-31&to=2024-01-01")
    assert bad.status_code == 400 and "开始日期晚于结束日期" in bad.content.decode()


def test_table_refuses_readers_without_reports(client, facts):  # noqa: F811
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, facts.world.branch_a, username="vol2")
    client.force_login(volunteer)
    assert client.get("/reports/table/").status_code == 403
    assert client.get("/reports/table/export.xlsx").status_code == 403


def test_team_rows_count_each_teams_records(facts):  # noqa: F811
    from xianfeng.teams.tests.factories import TeamFactory

    team = TeamFactory(name="送药先锋队", owner_org=facts.world.branch_a)
    ServiceRecordFactory(
        org=facts.world.branch_a,
        team=team,
        service_type=service_type("medicine_delivery"),
        resident=facts.li,
        served_on=SERVED,
        place=VILLAGE_A,
    )
    reader = facts.world.reader
    table = table_rows(reader, _flt(reader), "team", ["person_times", "persons"])
    assert [(label, values) for label, _q, values in table.rows] == [("送药先锋队", {"person_times": 1, "persons": 1})]

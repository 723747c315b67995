"""The Word report: every number in it equals the dashboard's figure for the same filter, it
carries charts and the appendix, says so for an empty period, and degrades without a CJK font."""

import datetime
import io
import re
from decimal import Decimal

from docx import Document

from xianfeng.reports import charts
from xianfeng.reports.docx_report import narrative_docx
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.metrics import metrics_for
from xianfeng.reports.models import ReportTemplate
from xianfeng.reports.narrative_defaults import DEFAULT_TEMPLATES

from .factories import VILLAGE_A, YEAR, activity

KEYS = {
    "服务人次": "person_times",
    "服务人数": "persons",
    "服务户数": "households",
    "活动场次": "events",
    "覆盖乡镇": "townships_covered",
    "覆盖村（社区）": "villages_covered",
    "志愿服务时长": "hours",
}


def default_template():
    return ReportTemplate(name="默认", **{k: v for k, v in DEFAULT_TEMPLATES[0].items() if k in ("title", "body")})


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_every_number_in_the_word_report_equals_the_dashboard(reports_world, year_filter):
    w = reports_world
    activity(org=w.branch_a, on=w.day, types=["health_lecture"], region=VILLAGE_A, headcount=4_532)
    flt = year_filter()
    steps = []
    content = narrative_docx(w.leader, flt, default_template(), progress=steps.append)
    assert steps[0] < steps[-1] == 100 and steps == sorted(steps)
    doc = Document(io.BytesIO(content))
    m = metrics_for(w.leader, flt)
    appendix = doc.tables[-1]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in appendix.rows[1:]}
    for label, key in KEYS.items():
        assert number(rows[label][2]) == Decimal(str(m[key])), label
        assert rows[label][3]  # the 口径
        assert int(rows[label][4].replace(",", "")) >= 0  # rows behind it
    smd = m["programs"]["smd"]
    assert rows["在册患者（严重精神障碍患者管理）"][2] == str(smd["registered"])
    body = "\n".join(p.text for p in doc.paragraphs)
    assert f"累计服务基层群众{rows['服务人次'][1]}人次" in body
    assert rows["服务人次"][1] == "4500余"  # 4,532 + the world's few records
    assert m["person_times"] > 4_532
    assert f"遍布{m['townships_covered']}个乡镇" in body
    # every number of the text is a figure of the appendix, or a day of the period
    printed = {p for cells in rows.values() for p in cells[1].split(" / ")}
    text = [p.text for p in doc.paragraphs[2:] if p.text and not p.text.startswith(("图：", "附：", "正文中的数字"))]
    numbers = re.findall(r"\d[\d,.]*(?:余万|万余|余|%)?", "\n".join(text[:-1]))
    assert len(numbers) > 10
    for found in numbers:
        assert found in printed or found in {str(YEAR), "1", "12", "31"}, found
    assert len(doc.inline_shapes) == 2  # monthly trend and top types


def test_an_empty_period_gives_a_word_file_that_says_so(reports_world):
    flt = ReportFilter(start=datetime.date(YEAR - 5, 1, 1), end=datetime.date(YEAR - 5, 12, 31))
    doc = Document(io.BytesIO(narrative_docx(reports_world.leader, flt, default_template())))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "没有服务记录，无法生成报告" in text
    assert doc.tables == [] and len(doc.inline_shapes) == 0
    assert "人次" not in text


def test_charts_are_small_and_say_so_when_the_cjk_font_is_missing(monkeypatch):
    months = [(f"{YEAR}-{m:02d}", m * 100) for m in range(1, 13)]
    chart = charts.monthly_trend(months)
    assert chart.png.startswith(b"\x89PNG") and len(chart.png) < 200_000
    assert charts.cjk_font_path() is not None  # fonts-noto-cjk is a system dependency
    monkeypatch.setattr(charts, "_font", lambda: None)
    degraded = charts.top_types([("free_clinic", "义诊", 30), ("leaflet", "发放宣传资料", 12)])
    assert "缺少中文字体" in degraded.caption and len(degraded.png) < 200_000

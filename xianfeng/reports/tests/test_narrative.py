"""The narrative report: its numbers are the dashboard's (metrics_for), each printed figure goes
to the appendix with the rows behind it, an empty period says so, a bad template says why."""

import datetime

import pytest

from xianfeng.reports.drill import figure_rows
from xianfeng.reports.facts import facts_for
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.metrics import metrics_for
from xianfeng.reports.models import ReportTemplate
from xianfeng.reports.narrative import render_narrative
from xianfeng.reports.narrative_defaults import DEFAULT_TEMPLATES, ensure_default_templates
from xianfeng.reports.placeholders import PlaceholderError
from xianfeng.reports.reach import reach_of

from .factories import VILLAGE_A, YEAR, activity

BODY = "\n".join(
    [
        "{期间}累计服务{服务人次:约}人次（{person_times}），服务{服务人数}人、{服务户数}户，活动{活动场次}场次。",
        "覆盖{覆盖乡镇}个乡镇、{覆盖村（社区）}个村，覆盖率{覆盖乡镇率}；志愿服务{志愿服务时长}小时。",
        "送药上门{类型:medicine_delivery:服务人次}人次；主要有{主要服务类型:2}。",
    ]
)


def template(body=BODY, title="{期间}工作总结"):
    return ReportTemplate(name="测试", title=title, body=body)


def test_the_report_prints_the_dashboard_figures_and_rounds_them_like_reports(reports_world, year_filter):
    w = reports_world
    activity(org=w.branch_a, on=w.day, types=["free_clinic"], region=VILLAGE_A, headcount=301_234)
    flt = year_filter()
    m = metrics_for(w.leader, flt)
    n = render_narrative(w.leader, flt, template())
    assert not n.empty
    assert n.title == f"{YEAR}年1月1日至12月31日工作总结"
    total = m["person_times"]
    assert total > 301_234
    assert n.paragraphs[0].startswith(f"{YEAR}年1月1日至12月31日累计服务30余万人次（{total:,}）")
    figures = {f.key: f for f in n.figures}
    for key in ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours"):
        assert figures[key].exact == m[key], key
    assert figures["person_times"].printed == f"30余万 / {total:,}"
    assert figures["type:medicine_delivery:person_times"].exact == m["by_type"]["medicine_delivery"]["person_times"]
    assert figures["townships_coverage"].exact.numerator == m["townships_covered_in_scope"]
    assert "主要有义诊" in n.paragraphs[2]  # the largest type first


def test_each_figure_counts_the_rows_behind_it(reports_world, year_filter):
    w = reports_world
    flt = year_filter()
    n = render_narrative(w.leader, flt, template())
    facts = facts_for(flt, reach_of(w.leader))
    for figure in n.figures:
        if figure.key in ("person_times", "persons", "households", "events", "hours"):
            expected = sum(qs.count() for qs in figure_rows(facts, figure.key).values())
            assert figure.record_count == expected, figure.key
    by_key = {f.key: f for f in n.figures}
    assert by_key["events"].record_count == 1  # the one 义诊
    assert by_key["type:medicine_delivery:person_times"].record_count == 2  # branch A's and branch B's
    assert all(f.definition for f in n.figures)  # every figure carries its 口径


def test_a_branch_secretary_reads_only_the_branch_figures(reports_world, year_filter):
    w = reports_world
    flt = year_filter()
    mine = {f.key: f.exact for f in render_narrative(w.secretary, flt, template()).figures}
    everyone = {f.key: f.exact for f in render_narrative(w.leader, flt, template()).figures}
    assert mine["person_times"] == metrics_for(w.secretary, flt)["person_times"]
    assert mine["type:medicine_delivery:person_times"] == 1  # branch B's delivery is not theirs
    assert everyone["type:medicine_delivery:person_times"] == 2


def test_an_empty_period_says_so_instead_of_printing_zeros(reports_world):
    flt = ReportFilter(start=datetime.date(YEAR - 3, 1, 1), end=datetime.date(YEAR - 3, 3, 31))
    n = render_narrative(reports_world.leader, flt, template())
    assert n.empty and n.figures == []
    assert n.paragraphs == [
        f"所选期间（{YEAR - 3}年1月1日至3月31日）在所选范围内没有服务记录，无法生成报告。请调整期间或筛选条件后再试。"
    ]
    assert "0" not in n.paragraphs[0].replace(f"{YEAR - 3}", "")


def test_rendering_refuses_a_template_that_names_an_unknown_figure(reports_world, year_filter):
    with pytest.raises(PlaceholderError) as caught:
        render_narrative(reports_world.leader, year_filter(), template(body="共{服务总人次}人次，{姓名}"))
    assert any("{服务总人次}" in e for e in caught.value.errors)
    assert any("个人信息" in e for e in caught.value.errors)


def test_program_rates_print_as_percentages_with_their_numerator_and_denominator(reports_world, year_filter):
    body = (
        "在册{项目:smd:registered}名，管理率{项目:smd:管理率}"
        "（{项目:smd:management_rate:分子}/{项目:smd:management_rate:分母}）"
    )
    flt = year_filter()
    m = metrics_for(reports_world.leader, flt)["programs"]["smd"]
    n = render_narrative(reports_world.leader, flt, template(body=body))
    rate = m["management_rate"]
    shown = "—" if rate["rate"] is None else f"{rate['rate']:.1f}%"
    assert n.paragraphs == [f"在册{m['registered']}名，管理率{shown}（{rate['numerator']}/{rate['denominator']}）"]


def test_the_default_templates_render_and_are_created_once(reports_world, year_filter):
    ReportTemplate.objects.all().delete()  # the migration made them; make them again from nothing
    assert ensure_default_templates() == len(DEFAULT_TEMPLATES)
    assert ensure_default_templates() == 0
    defaults = list(ReportTemplate.objects.filter(is_default=True))
    assert len(defaults) == 1
    for saved in ReportTemplate.objects.all():
        n = render_narrative(reports_world.leader, year_filter(), saved)
        assert len(n.paragraphs) >= 4 and n.figures
        assert not any("{" in p for p in n.paragraphs)

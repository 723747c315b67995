"""Breakdowns by month, category, township and team against hand counts over metric_world
(factories.build_metric_world), their agreement with the totals, and with the rollups."""

from decimal import Decimal

import pytest

from xianfeng.reports import rollups
from xianfeng.reports.breakdowns import DIMENSIONS, breakdown, month_series, raw_breakdown
from xianfeng.reports.facts import facts_for
from xianfeng.reports.metrics import metrics_for_reach
from xianfeng.reports.reach import reach_of

from .factories import TOWN_A, TOWN_B


def rows(flt, user, dimension):
    return {row["key"]: row for row in breakdown(flt, reach_of(user), dimension)}


def row(person_times, records, events, hours):
    return {"person_times": person_times, "records": records, "events": events, "hours": Decimal(hours)}


def strip(found: dict) -> dict:
    return {key: {k: v for k, v in r.items() if k != "key"} for key, r in found.items()}


def test_months_count_each_fact_on_its_own_day(metric_world, year_filter):
    flt = year_filter()
    found = strip(rows(flt, metric_world.leader, "month"))
    # R1 (送药上门, 1.5 h) in January; A1 (headcount 50, 3.0 + 2.5 h) in April; R5 (宣传资料,
    # not 人次) in July; A6 (no headcount, 1.0 h) in October; voided R6 and A5 nowhere.
    assert found["2025-01"] == row(1, 1, 0, "1.5")
    assert found["2025-04"] == row(50, 0, 1, "5.5")
    assert found["2025-07"] == row(0, 1, 0, "0")
    assert found["2025-10"] == row(0, 0, 1, "1.0")
    assert "2025-08" not in found and "2024-12" not in found
    series = month_series(flt, list(rows(flt, metric_world.leader, "month").values()))
    assert [r["key"] for r in series] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert series[7] == {"key": "2025-08", **row(0, 0, 0, "0")}


def test_categories_count_an_activity_under_each_of_its_categories(metric_world, year_filter):
    found = strip(rows(year_filter(), metric_world.leader, "category"))
    # medical: R1, R2, R7 and the 义诊 of A1 and A6; education: R5 and the 讲座 of A1 and A2.
    assert found["medical"] == row(53, 3, 2, "10.0")
    assert found["education"] == row(80, 1, 2, "7.5")
    assert found["mental"] == row(1, 1, 0, "1.0")
    assert found["survey"] == row(1, 1, 0, "0.5")
    assert "materials" not in found  # A2's masks are a quantity of a 讲座, not a category of it


def test_townships_and_teams(metric_world, year_filter):
    w, flt = metric_world, year_filter()
    towns = strip(rows(flt, w.leader, "township"))
    assert towns == {TOWN_A: row(53, 3, 1, "10.0"), TOWN_B: row(31, 2, 1, "2.5"), "": row(1, 1, 1, "1.0")}
    teams = strip(rows(flt, w.leader, "team"))
    assert teams == {
        w.team_a.pk: row(51, 1, 1, "7.0"),
        w.team_b.pk: row(2, 2, 0, "2.5"),
        None: row(32, 3, 2, "4.0"),
    }
    ranked = breakdown(flt, reach_of(w.leader), "team")
    assert [r["key"] for r in ranked] == [w.team_a.pk, w.team_b.pk, None]  # most 人次 first, no team last


@pytest.mark.parametrize("dimension", ["month", "township"])
def test_one_place_and_day_per_fact_so_rows_add_up_to_the_totals(metric_world, year_filter, dimension):
    flt, reach = year_filter(), reach_of(metric_world.secretary)
    totals = metrics_for_reach(flt, reach)
    found = breakdown(flt, reach, dimension)
    assert sum(r["person_times"] for r in found) == totals["person_times"] == 54  # branch A's subtree only
    assert sum(r["events"] for r in found) == totals["events"]
    assert sum((r["hours"] for r in found), Decimal(0)) == totals["hours"]


def test_filters_narrow_the_rows(metric_world, year_filter):
    w = metric_world
    found = strip(rows(year_filter(team=w.team_b), w.leader, "team"))
    assert found == {w.team_b.pk: row(2, 2, 0, "2.5")}
    by_month = strip(rows(year_filter(category="education"), w.leader, "month"))
    assert by_month == {"2025-04": row(50, 0, 1, "5.5"), "2025-05": row(30, 0, 1, "2.0"), "2025-07": row(0, 1, 0, "0")}


def test_a_reader_without_reports_gets_no_rows(metric_world, year_filter):
    assert breakdown(year_filter(), reach_of(metric_world.member), "month") == []
    with pytest.raises(ValueError):
        breakdown(year_filter(), reach_of(metric_world.leader), "resident")


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_rollups_answer_the_same_rows_as_the_raw_count(metric_world, year_filter, settings, dimension):
    settings.REPORTS_ROLLUPS = True
    for user in (metric_world.leader, metric_world.secretary, metric_world.doctor):
        reach = reach_of(user)
        for flt in (year_filter(), year_filter(category="medical"), year_filter(org=metric_world.branch_b)):
            fast = rollups.breakdown(flt, reach, dimension)
            assert fast is not None, "the rollups answer whole months"
            raw = raw_breakdown(facts_for(flt, reach), dimension)
            key = lambda r: str(r["key"])  # noqa: E731
            assert sorted(fast, key=key) == sorted(raw, key=key), (user.username, flt, dimension)
            assert breakdown(flt, reach, dimension) == raw  # same order whichever answered

"""hotline_figures: every figure equals a hand count over a small world (figures_world.py), and
a reader's reach decides which calls count."""

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.hotline.figures import hotline_figures
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.reports.reach import reach_of
from xianfeng.reports.tests.factories import VILLAGE_A

from .figures_world import build_hotline_world

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def w(db):
    return build_hotline_world()


def figures_for(user, **params):
    return hotline_figures(parse_filter(user, {**YEAR, **params}), reach_of(user))


def test_a_leader_counts_every_live_call_of_the_period(w):
    f = figures_for(w.leader)
    assert f["calls"] == 5  # C1 C2 C3 C4 C7: not the voided C5 nor last year's C6
    assert f["by_channel"] == {"phone": 4, "online": 1}
    assert f["by_risk"] == {"none": 1, "low": 0, "medium": 0, "high": 4}
    assert f["by_topic"]["sleep"] == 2 and f["by_topic"]["grief"] == 2 and f["by_topic"]["family"] == 1
    assert sum(f["by_topic"].values()) == 5
    assert f["by_day"] == {"2025-03-10": 2, "2025-03-12": 2, "2025-03-14": 1}


def test_hours_and_weekdays_are_local_time(w):
    f = figures_for(w.leader)
    hours = {hour: n for hour, n in enumerate(f["by_hour"]) if n}
    # 22:15 in Shanghai is 14:15 UTC: counted at 22, not 14 (C4 is the only call at 14).
    assert hours == {9: 2, 14: 1, 16: 1, 22: 1}
    assert len(f["by_hour"]) == 24
    assert f["by_weekday"] == [2, 0, 2, 0, 1, 0, 0]  # Monday first


def test_escalations_in_time_rate_and_median(w):
    f = figures_for(w.leader)
    assert f["escalations"] == 4  # E1–E4; C5's escalation goes with its voided call
    assert f["escalations_closed"] == 2
    assert f["escalations_in_time"] == 1  # E1 (20 min ≤ 30); E2 took 90
    assert f["open_escalations"] == 2  # E3, E4
    assert f["escalations_overdue"] == 1  # E3; E4 is due tomorrow
    assert f["in_time_rate"] == 33.3  # 1 ÷ (2 closed + 1 overdue)
    assert f["median_minutes_to_handle"] == 55  # median of 20 and 90 (E2's from its closing time)


def test_a_secretary_counts_only_the_branch(w):
    f = figures_for(w.secretary)
    assert f["calls"] == 4  # C4 is branch B's
    assert f["escalations"] == 3 and f["escalations_overdue"] == 0
    assert f["in_time_rate"] == 50.0  # 1 ÷ 2 closed


def test_filters_narrow_the_calls(w):
    assert figures_for(w.leader, region=VILLAGE_A)["calls"] == 1  # only C1 has a place
    assert figures_for(w.leader, org=str(w.branch_b.pk))["calls"] == 1
    assert figures_for(w.leader, type="online_consult")["calls"] == 1  # the online channel
    assert figures_for(w.leader, type="hotline_call")["calls"] == 4
    assert figures_for(w.leader, type="medicine_delivery")["calls"] == 0
    assert figures_for(w.leader, category="mental")["calls"] == 5
    assert figures_for(w.leader, **{"from": "2025-03-11", "to": "2025-03-12"})["calls"] == 2


def test_no_reach_no_calls(w):
    # A volunteer holds no 统计报表: the figures are zeros, never another scope's.
    f = hotline_figures(parse_filter(w.leader, YEAR), reach_of(w.member))
    assert f["calls"] == 0 and f["escalations"] == 0 and f["in_time_rate"] is None
    assert f["median_minutes_to_handle"] is None


def test_metrics_for_carries_the_hotline_figures(w):
    result = metrics_for(w.leader, parse_filter(w.leader, YEAR))
    assert result["hotline"] == figures_for(w.leader)
    assert result["needs"]["raised"] == 0


def test_a_region_reach_counts_calls_with_a_place_there(w):
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, None, region_prefixes=VILLAGE_A[:9])
    assert figures_for(doctor)["calls"] == 1  # anonymous calls without a region reach no region

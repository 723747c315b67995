"""metrics_for against figures counted BY HAND over factories.build_metric_world (DESIGN.md §2).

Read the world's table in build_metric_world's docstring next to these numbers: each literal
carries the arithmetic that produced it. The leader (全部) counts every fact of the year.
"""

from decimal import Decimal

from xianfeng.reports.metrics import is_empty, metrics_for, to_json

D = Decimal


def test_leader_totals_follow_the_counting_rules(metric_world, year_filter):
    m = metrics_for(metric_world.leader, year_filter())
    # 人次: person-time records R1 R2 R3 R4(户 type counts 人次) R7 = 5 (R5 宣传资料 does not count,
    # R6 voided, R8/R9 out of the year) + headcounts of held live activities A1 50 + A2 30 + A6 0
    # (A3 planned 99, A4 cancelled 77, A5 voided 66 excluded) = 5 + 80
    assert m["person_times"] == 85
    # 人数: r1 (R1 by team_a and R2 by team_b: once) + r2 (R3) = 2; r4 only in voided R6 and R8
    assert m["persons"] == 2
    # 户: h1 (r1's, R1 R2) + h2 (r2's, R3) + h3 (R4 itself) = 3
    assert m["households"] == 3
    # 场次: A1 A2 A6 = 3
    assert m["events"] == 3
    # 覆盖: townships A (R1 R2 R3 A1) + B (R4 R5 A2) = 2 — TOWN_C only via voided R6 / R8;
    # villages VILLAGE_A, VILLAGE_A2, VILLAGE_B = 3 (R5 and A2 name a township only; R7 and A6 no place)
    assert (m["townships_covered"], m["villages_covered"]) == (2, 3)
    # in scope for 全部: every township (A, B, C) and village (A, A2, B, C) known
    assert (m["townships_in_scope"], m["villages_in_scope"]) == (3, 4)
    assert (m["townships_covered_in_scope"], m["villages_covered_in_scope"]) == (2, 3)
    # 时长: providers R1 1.5 + R2 2.0 + R3 1.0 + R4 0.5 = 5.0 (R6 voided 3.0 out);
    # participants A1 3.0 + 2.5 + A2 2.0 + A6 1.0 = 8.5 (A3 planned 5.0, A5 voided 4.0 out) → 13.5
    assert m["hours"] == D("13.5")
    # 数量 by unit: 人次 R1 R2 R3 R7 = 4; 户 R4 = 1; 份 R5 200 + A1 100 = 300 (A5's 500 voided); 件 A2 40
    assert m["quantity"] == {"人次": D("4"), "户": D("1"), "份": D("300"), "件": D("40")}
    assert not is_empty(m)


def test_by_type_breaks_the_figures_down(metric_world, year_filter):
    by_type = metrics_for(metric_world.leader, year_filter())["by_type"]
    zero = {"events": 0}
    # 送药上门: R1 + R2 (both r1, h1, VILLAGE_A); hours 1.5 + 2.0
    assert by_type["medicine_delivery"] == {
        **zero,
        "person_times": 2,
        "persons": 1,
        "households": 1,
        "townships_covered": 1,
        "villages_covered": 1,
        "hours": D("3.5"),
        "quantity": {"人次": D("2")},
    }
    # 入户随访 (health, counted for an aggregate reader): R3
    assert by_type["followup_home"]["person_times"] == 1
    assert by_type["followup_home"]["hours"] == D("1.0")
    # 入户走访: R4 to h3 only: 1 人次, no person, 1 户
    assert (by_type["household_visit"]["persons"], by_type["household_visit"]["households"]) == (0, 1)
    # 发放宣传资料: no 人次; R5 200 份 + A1's quantity 100 份; place: R5's TOWN_B, no village
    leaflet = by_type["leaflet"]
    assert (leaflet["person_times"], leaflet["townships_covered"], leaflet["villages_covered"]) == (0, 1, 0)
    assert leaflet["quantity"] == {"份": D("300")}
    # 健康咨询 R7 has no place: 1 人次, no coverage
    assert by_type["health_consult"]["person_times"] == 1
    assert by_type["health_consult"]["townships_covered"] == 0
    # 义诊: A1 (50, VILLAGE_A2, 3.0 + 2.5 h) + A6 (0, no place, 1.0 h) → 2 场次, 50 人次, 6.5 h
    clinic = by_type["free_clinic"]
    assert (clinic["events"], clinic["person_times"], clinic["hours"]) == (2, 50, D("6.5"))
    assert (clinic["townships_covered"], clinic["villages_covered"]) == (1, 1)
    # 健康讲座: A1 (50) + A2 (30, TOWN_B) → 2 场次, 80 人次, 5.5 + 2.0 h, townships A and B
    lecture = by_type["health_lecture"]
    assert (lecture["events"], lecture["person_times"], lecture["hours"]) == (2, 80, D("7.5"))
    assert (lecture["townships_covered"], lecture["villages_covered"]) == (2, 1)
    # 发放口罩: only A2's 40 件
    assert by_type["mask_distribution"]["quantity"] == {"件": D("40")}
    # nothing else: R6's voided and R8/R9's out-of-period records add no type
    assert set(by_type) == {
        "medicine_delivery",
        "followup_home",
        "household_visit",
        "leaflet",
        "health_consult",
        "free_clinic",
        "health_lecture",
        "mask_distribution",
    }


def test_record_person_times_add_up_by_type(metric_world, year_filter):
    """The records' 人次 by type add up to the total minus the headcounts (a multi-type activity's
    headcount counts under each of its types, so only records are compared)."""
    m = metrics_for(metric_world.leader, year_filter())
    records_only = sum(row["person_times"] for code, row in m["by_type"].items() if row["events"] == 0)
    assert records_only == 85 - 80  # 5 person-time records


def test_json_output_turns_decimals_into_numbers(metric_world, year_filter):
    out = to_json(metrics_for(metric_world.leader, year_filter()))
    assert out["hours"] == 13.5
    assert out["quantity"]["份"] == 300.0
    assert out["by_type"]["free_clinic"]["hours"] == 6.5


def test_an_empty_period_is_empty_not_zero_achievements(metric_world, year_filter):
    import datetime

    m = metrics_for(metric_world.leader, year_filter(start=datetime.date(2021, 1, 1), end=datetime.date(2021, 12, 31)))
    assert is_empty(m)
    assert m["person_times"] == m["persons"] == m["events"] == 0
    assert m["quantity"] == {} and m["by_type"] == {}

"""Each filter dimension of DESIGN.md §2 over the hand-counted world (factories.build_metric_world),
read by the leader (全部). Numbers are counted by hand from the world's table."""

import datetime
from decimal import Decimal

import pytest

from xianfeng.reports.metrics import metrics_for

from .factories import COUNTY, TOWN_A, TOWN_B, VILLAGE_A2, VILLAGE_B, YEAR, service_type

D = Decimal
day = datetime.date


def figures(world, flt, *keys):
    m = metrics_for(world.leader, flt, with_programs=False)
    return tuple(m[key] for key in keys) if len(keys) > 1 else m[keys[0]]


class TestPeriod:
    def test_first_day_is_inclusive(self, metric_world, year_filter):
        # only R1 on YEAR-01-01 (R8 is the day before)
        flt = year_filter(start=day(YEAR, 1, 1), end=day(YEAR, 1, 1))
        assert figures(metric_world, flt, "person_times", "persons", "hours") == (1, 1, D("1.5"))

    def test_last_day_is_inclusive(self, metric_world, year_filter):
        # only R4 on YEAR-12-31 (R9 is the day after): 1 人次 to household h3, 0.5 h
        flt = year_filter(start=day(YEAR, 12, 31), end=day(YEAR, 12, 31))
        assert figures(metric_world, flt, "person_times", "households", "hours") == (1, 1, D("0.5"))

    def test_the_day_before_counts_only_what_happened_that_day(self, metric_world, year_filter):
        # R8 (YEAR-1)-12-31 to r4 in VILLAGE_C
        flt = year_filter(start=day(YEAR - 1, 12, 31), end=day(YEAR - 1, 12, 31))
        assert figures(metric_world, flt, "person_times", "persons", "townships_covered") == (1, 1, 1)

    def test_activity_counts_on_its_day(self, metric_world, year_filter):
        # A1 on YEAR-04-01: 1 场次, 50 人次, 3.0 + 2.5 h, 100 份
        flt = year_filter(start=day(YEAR, 4, 1), end=day(YEAR, 4, 1))
        assert figures(metric_world, flt, "events", "person_times", "hours") == (1, 50, D("5.5"))
        assert figures(metric_world, flt, "quantity") == {"份": D("100")}


class TestOrganization:
    def test_branch_subtree_includes_its_group(self, metric_world, year_filter):
        # branch_a + group_a: R1 R2 R3 R7 (4 人次) + A1 50 + A6 0 → 54; r1 r2; h1 h2; A1 A6;
        # hours R1 1.5 + R2 2.0 + R3 1.0 + A1 5.5 + A6 1.0 = 11.0; TOWN_A with VILLAGE_A, VILLAGE_A2
        m = metrics_for(metric_world.leader, year_filter(org=metric_world.branch_a), with_programs=False)
        assert (m["person_times"], m["persons"], m["households"], m["events"]) == (54, 2, 2, 2)
        assert m["hours"] == D("11.0")
        assert (m["townships_covered"], m["villages_covered"]) == (1, 2)
        # in scope: the regions branch_a (and below) serves: TOWN_A and its 2 villages
        assert (m["townships_in_scope"], m["villages_in_scope"]) == (1, 2)

    def test_group_only(self, metric_world, year_filter):
        # group_a: R2 only
        flt = year_filter(org=metric_world.group_a)
        assert figures(metric_world, flt, "person_times", "persons", "events", "hours") == (1, 1, 0, D("2.0"))

    def test_other_branch(self, metric_world, year_filter):
        # branch_b: R4 (1 人次, h3) + R5 (份) + A2 (30) ; R6 voided; hours 0.5 + 2.0
        m = metrics_for(metric_world.leader, year_filter(org=metric_world.branch_b), with_programs=False)
        assert (m["person_times"], m["persons"], m["households"], m["events"]) == (31, 0, 1, 1)
        assert m["hours"] == D("2.5")
        assert m["quantity"] == {"户": D("1"), "份": D("200"), "件": D("40")}
        assert (m["townships_covered"], m["villages_covered"]) == (1, 1)


class TestRegion:
    def test_county(self, metric_world, year_filter):
        # every placed fact: R1-R5 (R7 has no place) → 4 人次 + A1 50 + A2 30 (A6 no place);
        # hours providers 5.0 + participants A1 5.5 + A2 2.0 = 12.5
        flt = year_filter(region=metric_world.regions[COUNTY])
        assert figures(metric_world, flt, "person_times", "events", "hours") == (84, 2, D("12.5"))
        assert figures(metric_world, flt, "townships_in_scope", "villages_in_scope") == (3, 4)

    def test_township(self, metric_world, year_filter):
        # TOWN_A: R1 R2 R3 + A1 → 3 + 50; r1 r2; hours 1.5 + 2.0 + 1.0 + 5.5 = 10.0
        m = metrics_for(metric_world.leader, year_filter(region=metric_world.regions[TOWN_A]), with_programs=False)
        assert (m["person_times"], m["persons"], m["events"], m["hours"]) == (53, 2, 1, D("10.0"))
        assert (m["townships_covered"], m["villages_covered"]) == (1, 2)
        assert (m["townships_in_scope"], m["villages_in_scope"]) == (1, 2)

    def test_township_includes_facts_placed_at_the_township_only(self, metric_world, year_filter):
        # TOWN_B: R4 (VILLAGE_B) + R5 (TOWN_B only) + A2 (TOWN_B only, 30) → 1 + 30; villages: VILLAGE_B only
        flt = year_filter(region=metric_world.regions[TOWN_B])
        assert figures(metric_world, flt, "person_times", "events", "villages_covered") == (31, 1, 1)
        assert figures(metric_world, flt, "quantity") == {"户": D("1"), "份": D("200"), "件": D("40")}

    def test_village_excludes_facts_placed_at_its_township(self, metric_world, year_filter):
        # VILLAGE_B: R4 only (R5 and A2 name TOWN_B without a village)
        flt = year_filter(region=metric_world.regions[VILLAGE_B])
        assert figures(metric_world, flt, "person_times", "events", "households") == (1, 0, 1)

    def test_village(self, metric_world, year_filter):
        # VILLAGE_A2: R3 (r2) + A1 (50); hours 1.0 + 5.5; one village in scope
        flt = year_filter(region=metric_world.regions[VILLAGE_A2])
        assert figures(metric_world, flt, "person_times", "persons", "hours") == (51, 1, D("6.5"))
        assert figures(metric_world, flt, "villages_covered", "villages_in_scope") == (1, 1)


class TestTeam:
    def test_team_a(self, metric_world, year_filter):
        # R1 (team_a) + A1 (team_a, 50); hours 1.5 + 5.5; quantities R1 1 人次 + A1 100 份
        m = metrics_for(metric_world.leader, year_filter(team=metric_world.team_a), with_programs=False)
        assert (m["person_times"], m["persons"], m["events"], m["hours"]) == (51, 1, 1, D("7.0"))
        assert m["quantity"] == {"人次": D("1"), "份": D("100")}

    def test_team_b(self, metric_world, year_filter):
        # R2 (r1 → h1) + R4 (h3); hours 2.0 + 0.5; A2 has no team
        flt = year_filter(team=metric_world.team_b)
        assert figures(metric_world, flt, "person_times", "persons", "households", "events") == (2, 1, 2, 0)
        assert figures(metric_world, flt, "hours") == D("2.5")

    def test_a_resident_served_by_both_teams_counts_once(self, metric_world, year_filter):
        team_a = figures(metric_world, year_filter(team=metric_world.team_a), "persons")
        team_b = figures(metric_world, year_filter(team=metric_world.team_b), "persons")
        # r1 in each team's figure; the whole counts r1 once (+ r2 from R3) = 2, not 1 + 1 + 1
        assert (team_a, team_b) == (1, 1)
        assert figures(metric_world, year_filter(), "persons") == 2


class TestTypeAndCategory:
    def test_record_type(self, metric_world, year_filter):
        # 送药上门: R1 R2 (R6 voided, R8/R9 out); r1; hours 1.5 + 2.0
        flt = year_filter(service_type=service_type("medicine_delivery"))
        assert figures(metric_world, flt, "person_times", "persons", "events", "hours") == (2, 1, 0, D("3.5"))

    def test_activity_type(self, metric_world, year_filter):
        # 健康讲座: A1 (50) + A2 (30); hours 5.5 + 2.0; no quantity of the 健康讲座 type itself
        flt = year_filter(service_type=service_type("health_lecture"))
        assert figures(metric_world, flt, "person_times", "events", "hours") == (80, 2, D("7.5"))
        assert figures(metric_world, flt, "quantity") == {}

    def test_type_filter_equals_the_by_type_entry(self, metric_world, year_filter):
        """by_type[code] and the figures filtered to that type are one figure, read two ways.
        宣传资料: R5's 200 份 and the 100 份 handed out at A1 (an 义诊/讲座 activity)."""
        whole = metrics_for(metric_world.leader, year_filter(), with_programs=False)["by_type"]
        for code in ("medicine_delivery", "health_lecture", "leaflet", "mask_distribution"):
            flt = year_filter(service_type=service_type(code))
            assert figures(metric_world, flt, "quantity") == whole[code]["quantity"], code
        assert whole["leaflet"]["quantity"] == {"份": D("300")}

    def test_a_type_counting_no_person_times(self, metric_world, year_filter):
        # 发放宣传资料: R5 only as a record → 0 人次, 200 份 at least; TOWN_B covered
        flt = year_filter(service_type=service_type("leaflet"))
        assert figures(metric_world, flt, "person_times", "townships_covered") == (0, 1)

    def test_category(self, metric_world, year_filter):
        # 健康宣教 (education: 宣传资料, 健康讲座): R5 (0 人次, 200 份) + A1 (50) + A2 (30);
        # quantities of education types of those activities: A1's 100 份 (A2's 口罩 is materials);
        # hours: A1 5.5 + A2 2.0
        m = metrics_for(metric_world.leader, year_filter(category="education"), with_programs=False)
        assert (m["person_times"], m["events"], m["hours"]) == (80, 2, D("7.5"))
        assert m["quantity"] == {"份": D("300")}

    def test_health_category(self, metric_world, year_filter):
        # 心理与精神卫生: R3 only
        flt = year_filter(category="mental")
        assert figures(metric_world, flt, "person_times", "persons", "households", "hours") == (1, 1, 1, D("1.0"))


class TestProgram:
    def test_program_counts_its_visits_only(self, metric_world, year_filter):
        # elderly_check: R1 is r1's visit; no activity belongs to a program
        flt = year_filter(program="elderly_check")
        assert figures(metric_world, flt, "person_times", "persons", "events", "hours") == (1, 1, 0, D("1.5"))

    def test_program_without_visits(self, metric_world, year_filter):
        flt = year_filter(program="pairing")
        assert figures(metric_world, flt, "person_times", "events") == (0, 0)


@pytest.mark.parametrize(
    "field",
    ["org", "region", "team", "service_type", "category", "program"],
)
def test_each_dimension_narrows_never_widens(metric_world, year_filter, field):
    values = {
        "org": metric_world.branch_b,
        "region": metric_world.regions[TOWN_A],
        "team": metric_world.team_b,
        "service_type": service_type("followup_home"),
        "category": "medical",
        "program": "elderly_check",
    }
    whole = metrics_for(metric_world.leader, year_filter(), with_programs=False)
    part = metrics_for(metric_world.leader, year_filter(**{field: values[field]}), with_programs=False)
    for key in ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours"):
        assert part[key] <= whole[key], key
    assert part["person_times"] < whole["person_times"]


@pytest.mark.parametrize(
    "where, elderly",
    [
        (None, 3),  # r1, r2, r4 (all born 1960-05-01: 65 during YEAR)
        ("org:branch_a", 2),  # branch_a serves TOWN_A: r1 (VILLAGE_A), r2 (VILLAGE_A2)
        ("region:" + TOWN_A, 2),
        ("region:" + VILLAGE_B, 0),
    ],
)
def test_program_indicators_follow_the_org_and_region_filter(metric_world, year_filter, where, elderly):
    """The dashboard's program block under an organization or region filter (a leader reads
    elderly_check): the figures narrow, and the page does not fail."""
    fields = {}
    if where:
        kind, value = where.split(":")
        fields = {"org": getattr(metric_world, value)} if kind == "org" else {"region": metric_world.regions[value]}
    programs = metrics_for(metric_world.leader, year_filter(**fields))["programs"]
    assert programs["elderly_check"]["elderly"] == elderly

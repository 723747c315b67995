"""Whose facts a reader's figures count (contract.md "Permissions", DESIGN.md §3): a secretary
counts the branch subtree only, a doctor their region, a leader everything — health records
included, as aggregates; a volunteer gets no figures. Hand-counted over build_metric_world."""

import datetime
from decimal import Decimal

import pytest

from xianfeng.programs.indicators import may_read_figures
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.registry import get_program
from xianfeng.reports.metrics import metrics_for

from .factories import VILLAGE_A2, VILLAGE_C, YEAR

D = Decimal

SMD_RATE_KEYS = (
    "management_rate",
    "standard_management_rate",
    "face_to_face_rate",
    "medication_rate",
    "regular_medication_rate",
    "stable_rate",
    "physical_exam_rate",
)


def test_branch_secretary_counts_the_branch_subtree_only(metric_world, year_filter):
    m = metrics_for(metric_world.secretary, year_filter())
    # branch_a + group_a: R1 R2 R3(health, aggregate) R7 = 4 + A1 50 + A6 0 = 54; r1 r2; h1 h2; A1 A6
    assert (m["person_times"], m["persons"], m["households"], m["events"]) == (54, 2, 2, 2)
    # hours R1 1.5 + R2 2.0 + R3 1.0 + A1 3.0 + 2.5 + A6 1.0 = 11.0 (m_b's 2.5 h at A1 counts: A1 is branch_a's)
    assert m["hours"] == D("11.0")
    # only TOWN_A is served by the branch: coverage 1 of 1 township, 2 of 2 villages
    assert (m["townships_covered"], m["townships_in_scope"]) == (1, 1)
    assert (m["villages_covered"], m["villages_in_scope"]) == (2, 2)
    # nothing of branch_b's: no 户 type, no 件
    assert "household_visit" not in m["by_type"] and "件" not in m["quantity"]


def test_branch_secretary_asking_for_the_whole_committee_still_gets_the_branch(metric_world, year_filter):
    """A filter never widens a reach (parse_filter refuses an org outside it; metrics never count it)."""
    mine = metrics_for(metric_world.secretary, year_filter())
    asked = metrics_for(metric_world.secretary, year_filter(org=metric_world.committee))
    assert asked["person_times"] == mine["person_times"] == 54


def test_doctor_counts_the_region_of_the_grant(metric_world, year_filter):
    m = metrics_for(metric_world.doctor, year_filter())
    # TOWN_A: R1 R2 R3 + A1 50 = 53; r1 r2; hours 1.5 + 2.0 + 1.0 + 5.5 = 10.0
    # (R7 and A6 have no place: a region grant does not reach them)
    assert (m["person_times"], m["persons"], m["events"], m["hours"]) == (53, 2, 1, D("10.0"))
    assert (m["townships_in_scope"], m["villages_in_scope"]) == (1, 2)


def test_leader_counts_health_records_as_aggregates(metric_world, year_filter):
    m = metrics_for(metric_world.leader, year_filter())
    # r2 is served only by R3 (入户随访, health): still a person in the leader's 人数
    assert m["persons"] == 2
    assert m["by_type"]["followup_home"]["person_times"] == 1


def test_clerk_over_the_committee_counts_everything_the_committee_did(metric_world, year_filter):
    m = metrics_for(metric_world.clerk, year_filter())
    assert (m["person_times"], m["persons"], m["households"], m["events"], m["hours"]) == (85, 2, 3, 3, D("13.5"))
    # in scope: the committee's branches serve TOWN_A and TOWN_B (not TOWN_C): 2 townships, 3 villages
    assert (m["townships_in_scope"], m["villages_in_scope"]) == (2, 3)


@pytest.mark.parametrize("who", ["member", "auditor"])
def test_no_reports_permission_gives_no_figures(metric_world, year_filter, who):
    m = metrics_for(getattr(metric_world, who), year_filter())
    assert (m["person_times"], m["persons"], m["events"], m["hours"]) == (0, 0, 0, D("0"))
    assert m["programs"] == {} and m["by_type"] == {}


@pytest.fixture
def smd_patients(metric_world):
    """r2 (VILLAGE_A2, branch_a) and r4 (VILLAGE_C, branch_b) registered in the smd program."""
    for resident, org, village in (
        (metric_world.r2, metric_world.branch_a, VILLAGE_A2),
        (metric_world.r4, metric_world.branch_b, VILLAGE_C),
    ):
        e = Enrollment(
            program="smd",
            resident=resident,
            org=org,
            enrolled_on=datetime.date(YEAR - 1, 3, 1),
            status=Status.ACTIVE,
            health=True,
        )
        e.set_place(village)
        e.save()
    return metric_world


@pytest.mark.parametrize(
    "who, registered",
    [
        ("leader", 2),  # 全部: both
        ("clerk", 2),  # committee subtree: both branches
        ("doctor", 1),  # TOWN_A: r2 only
        ("secretary", 1),  # branch_a: r2 only, an aggregate through 统计报表 (no health permission)
    ],
)
def test_smd_indicators_for_readers_of_figures(smd_patients, year_filter, who, registered):
    user = getattr(smd_patients, who)
    assert may_read_figures(user, get_program("smd"))
    smd = metrics_for(user, year_filter())["programs"]["smd"]
    assert smd["registered"] == registered
    for key in SMD_RATE_KEYS:
        assert set(smd[key]) == {"numerator", "denominator", "rate"}, key
    # no follow-up recorded for either in the smd program: managed 0 of those registered
    assert (smd["management_rate"]["numerator"], smd["management_rate"]["denominator"]) == (0, registered)


def test_volunteer_reads_no_smd_indicators(smd_patients, year_filter):
    assert not may_read_figures(smd_patients.member, get_program("smd"))
    assert "smd" not in metrics_for(smd_patients.member, year_filter())["programs"]

"""Figures of the elderly check and poverty-return monitoring against hand counts (raw rows),
and the pairing program's own ``indicators()`` hook reaching the page's figures."""

import datetime

from xianfeng.programs.indicators import program_figures
from xianfeng.programs.models import Enrollment, Status, Visit
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_A2, VILLAGE_B, HouseholdFactory, ResidentFactory
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

D = datetime.date
START, END = D(2024, 1, 1), D(2024, 12, 31)
BEFORE = D(2023, 6, 1)


def enroll(program, org, *, resident=None, household=None, on=BEFORE, **extra):
    e = Enrollment(program=program, resident=resident, household=household, org=org, enrolled_on=on, **extra)
    e.set_place((resident or household).village_id)
    e.save()
    return e


def visit(enrollment, on, stype, kind, reached=True, **result):
    record = ServiceRecordFactory(
        service_type=service_type(stype),
        resident=enrollment.resident,
        household=enrollment.household,
        org=enrollment.org,
        served_on=on,
        result=result,
    )
    return Visit.objects.create(enrollment=enrollment, record=record, kind=kind, visited_on=on, reached=reached)


def figures(user, code):
    return {f.key: (f.value, f.denominator) for f in program_figures(user, code, start=START, end=END)}


def test_elderly_check_rate_is_checked_over_residents_aged_65_in_scope(people):
    branch = people.world.branch_a
    second = ResidentFactory(name="张奶奶", village_id=VILLAGE_A2, birth_date=D(1955, 3, 1))  # 69: counts
    ResidentFactory(name="青年", village_id=VILLAGE_A, birth_date=D(1990, 1, 1))  # too young
    ResidentFactory(name="故人", village_id=VILLAGE_A, birth_date=D(1940, 1, 1), deceased_on=D(2023, 1, 1))
    ResidentFactory(
        name="别处老人", village_id=VILLAGE_B, birth_date=D(1950, 1, 1)
    )  # a village branch A does not serve
    checked = enroll("elderly_check", branch, resident=people.resident)
    visit(checked, D(2024, 4, 1), "physical_exam", "check")
    visit(checked, D(2024, 9, 1), "physical_exam", "check")  # twice: still one person
    enroll("elderly_check", branch, resident=second)
    f = figures(people.doctor, "elderly_check")
    assert f["elderly"] == (2, None)  # 李大爷 (74) and 张奶奶 (69)
    assert f["checked"] == (1, None)
    assert f["check_rate"] == (1, 2)
    assert f["open"] == (2, None) and f["visits"] == (2, None)


def test_poverty_watch_counts_watched_visited_and_eliminated_households(people):
    branch = people.world.branch_a
    h1, h2, h3 = (HouseholdFactory(village_id=VILLAGE_A) for _ in range(3))
    e1 = enroll("poverty_watch", branch, household=h1)
    visit(e1, D(2024, 3, 1), "household_visit", "visit", situation="stable")
    visit(e1, D(2024, 4, 1), "household_visit", "visit", reached=False)
    enroll("poverty_watch", branch, household=h2, status=Status.EXITED, ended_on=D(2024, 6, 1), end_reason="风险消除")
    e3 = enroll("poverty_watch", branch, household=h3)
    visit(e3, D(2024, 10, 1), "household_visit", "visit", situation="improving", risk_eliminated=True)
    f = figures(people.doctor, "poverty_watch")
    assert f["watched"] == (2, None)  # h1, h3 (h2 left in June)
    assert f["visited"] == (2, 2)
    assert f["eliminated"] == (2, None)  # h2 by its exit, h3 by its visit
    assert f["closed"] == (1, None)
    assert figures(people.world.outsider, "poverty_watch")["watched"] == (0, None)  # branch B sees none


def test_the_pairing_programs_own_indicators_reach_the_figures(people):
    keys = [f.key for f in program_figures(people.doctor, "pairing", start=START, end=END)]
    assert keys[-6:] == ["open", "new", "closed", "visits", "overdue", "lost"]
    assert "compliance" in keys  # the program's own (compliance.py) come first

"""SMD indicators compared with a hand-computed fixture (issue 10: "the indicators are compared
with hand-computed fixtures"), and who may read them.

The fixture is written with raw rows (Enrollment, ServiceRecord, Visit, Period), so the math is
checked independently of the smd program's rules. Period: the whole of 2024 (366 days; 4
follow-ups a year pro-rate to 4). Patients of branch A, in 孤山镇 (population 10 000):

    P1 deceased 2024-05-01, one home follow-up            -> not 在册
    P2 phone follow-up (regular, stable), in hospital from 2024-10-01
    P3 four home follow-ups (last intermittent, stable) + one exam
    P4 two phone follow-ups (last: no medication, unstable); a voided home follow-up; overdue
    P5 three home follow-ups that did not reach him; lost
    P6 enrolled 2024-03-01, one joint follow-up (regular, basically stable)
    P7 enrolled 2025 (after the period); P9 a voided enrollment    -> not counted
    P8 in branch B (outside the doctor's scope)
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.programs import registry
from xianfeng.programs.indicators import program_figures
from xianfeng.programs.indicators_smd import required_followups
from xianfeng.programs.models import Enrollment, Period, Status, Visit
from xianfeng.programs.services_settings import program_setting_change
from xianfeng.programs.smd_indicator_settings import INDICATOR_SETTINGS
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, VILLAGE_B, ResidentFactory
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

D = datetime.date
START, END = D(2024, 1, 1), D(2024, 12, 31)


class StubSmd(registry.Program):
    """Stands in for the smd program when it is not registered (the math needs only code and health)."""

    code = "smd"
    name = "严重精神障碍患者管理"
    health = True
    settings = INDICATOR_SETTINGS

    def derive(self, **kwargs):
        return registry.Derived()


@pytest.fixture
def smd_registered():
    try:
        registry.get_program("smd")
        stub = False
    except ValidationError:
        registry.register(StubSmd)
        stub = True
    yield
    if stub:
        registry.unregister("smd")


def enroll(org, resident, on, *, status=Status.ACTIVE, ended_on=None, next_due_on=None, voided=False):
    e = Enrollment(
        program="smd",
        resident=resident,
        org=org,
        enrolled_on=on,
        status=status,
        ended_on=ended_on,
        next_due_on=next_due_on,
        health=True,
    )
    e.set_place(resident.village_id)
    if voided:
        from django.utils import timezone

        e.voided_at = timezone.now()
        e.void_reason = "录错"
    e.save()
    return e


def visit(enrollment, on, stype="followup_home", kind="followup", reached=True, counted=True, **result):
    record = ServiceRecordFactory(
        service_type=service_type(stype),
        resident=enrollment.resident,
        org=enrollment.org,
        served_on=on,
        result=result,
    )
    return Visit.objects.create(
        enrollment=enrollment, record=record, kind=kind, visited_on=on, reached=reached, counted=counted, health=True
    )


@pytest.fixture
def patients(people, smd_registered):
    world = people.world
    people.regions[TOWN_A].population = 10000
    people.regions[TOWN_A].save()
    a = world.branch_a
    before = D(2023, 6, 1)
    p = {i: ResidentFactory(name=f"患者{i}", village_id=VILLAGE_A) for i in range(1, 10)}
    p[8].village_id = VILLAGE_B
    p[8].save()

    e1 = enroll(a, p[1], before, status=Status.DECEASED, ended_on=D(2024, 5, 1))
    visit(e1, D(2024, 2, 1), medication="regular", stability="stable")

    e2 = enroll(a, p[2], before)
    visit(e2, D(2024, 3, 1), "followup_phone", medication="regular", stability="stable")
    Period.objects.create(enrollment=e2, kind=Period.Kind.HOSPITAL, start_on=D(2024, 10, 1))

    e3 = enroll(a, p[3], before, next_due_on=D(2025, 2, 1))
    for month in (2, 5, 8):
        visit(e3, D(2024, month, 1), medication="regular", stability="basically_stable")
    visit(e3, D(2024, 11, 1), medication="intermittent", stability="stable")
    visit(e3, D(2024, 6, 1), "physical_exam", kind="exam")

    e4 = enroll(a, p[4], before, next_due_on=D(2024, 12, 1))
    visit(e4, D(2024, 4, 1), "followup_phone", medication="regular", stability="stable")
    visit(e4, D(2024, 7, 1), "followup_phone", medication="none", stability="unstable")
    visit(e4, D(2024, 9, 1), counted=False, medication="regular", stability="stable")  # record voided

    e5 = enroll(a, p[5], before, status=Status.LOST)
    for month in (3, 6, 9):
        visit(e5, D(2024, month, 1), reached=False)

    e6 = enroll(a, p[6], D(2024, 3, 1))
    visit(e6, D(2024, 4, 1), "joint_followup", medication="regular", stability="basically_stable")

    enroll(a, p[7], D(2025, 1, 15))
    enroll(a, p[9], before, voided=True)
    e8 = enroll(world.branch_b, p[8], before)
    visit(e8, D(2024, 5, 1), medication="regular", stability="stable")

    # Screening: three screenings of two residents (one suspected), two diagnoses (one excluded).
    for resident, result in ((p[1], "suspected"), (p[2], "negative"), (p[2], "negative")):
        ServiceRecordFactory(
            service_type=service_type("smd_screening"),
            resident=resident,
            org=a,
            served_on=D(2024, 2, 2),
            result={"result": result},
        )
    ServiceRecordFactory(
        service_type=service_type("new_diagnosis"),
        resident=p[1],
        org=a,
        served_on=D(2024, 3, 3),
        result={"diagnosis": "schizophrenia"},
    )
    ServiceRecordFactory(
        service_type=service_type("new_diagnosis"),
        resident=p[2],
        org=a,
        served_on=D(2024, 3, 3),
        result={"diagnosis": "excluded"},
    )
    return people


def figures(user, **kwargs):
    return {f.key: f for f in program_figures(user, "smd", start=START, end=END, **kwargs)}


def pair(f):
    return (f.value, f.denominator)


def test_every_figure_matches_the_hand_count(patients):
    f = figures(patients.doctor)
    assert f["registered"].value == 5  # P2 P3 P4 P5 P6
    assert pair(f["prevalence"]) == (5, 10000) and f["prevalence"].rate == 0.5 and f["prevalence"].rate_unit == "‰"
    assert pair(f["managed"]) == (4, 5)  # P2 (also in hospital) P3 P4 P6; P5 never reached
    assert pair(f["standard"]) == (1, 5)  # P3's four
    assert pair(f["face"]) == (2, 5)  # P3 home, P6 joint; P4's home visit was voided
    assert pair(f["medication"]) == (3, 5)  # P2 regular, P3 intermittent, P6 regular
    assert pair(f["regular_medication"]) == (2, 5)
    assert pair(f["stable"]) == (1, 4)  # P3; P2 is stable but in hospital, out of the denominator
    assert pair(f["exam"]) == (1, 5)
    assert f["in_hospital"].value == 1
    # Generic figures: P6 new; P1 closed; 13 counted visits (P1 1, P2 1, P3 5, P4 2, P5 3, P6 1)
    assert (f["open"].value, f["new"].value, f["closed"].value, f["visits"].value) == (5, 1, 1, 13)
    assert (f["overdue"].value, f["lost"].value) == (1, 1)  # P4; P5
    assert (f["screenings"].value, f["screened_people"].value, f["suspected"].value) == (3, 2, 1)
    assert f["new_diagnoses"].value == 1


def quarter(user):
    return {x.key: x for x in program_figures(user, "smd", start=D(2024, 10, 1), end=D(2024, 12, 31))}


def test_a_quarter_pro_rates_the_standard_rule_to_one_follow_up(patients):
    assert required_followups(4, 92, True) == 1 and required_followups(4, 366, True) == 4
    assert required_followups(4, 182, True) == 2 and required_followups(4, 92, False) == 4
    f = quarter(patients.doctor)
    assert pair(f["standard"]) == (1, 5)  # P3's November follow-up
    assert pair(f["managed"]) == (2, 5)  # P3, and P2 in hospital since October
    assert "本期间要求不少于 1 次" in f["standard"].definition


def test_the_chosen_rules_change_the_figures_and_are_printed(patients, django_capture_on_commit_callbacks):
    admin = patients.world.admin
    with django_capture_on_commit_callbacks(execute=True):
        for key, value in (("standard_prorate", "no"), ("face_joint_counts", "no"), ("exam_denominator", "at_home")):
            program_setting_change(acting_user=admin, program="smd", key=key, value=value)
    f = quarter(patients.doctor)
    assert pair(f["standard"]) == (0, 5)  # 4 needed in a quarter when not pro-rated
    assert "不折算" in f["standard"].definition
    y = figures(patients.doctor)
    assert pair(y["face"]) == (1, 5)  # P6's joint follow-up no longer counts
    assert "联合随访不计为面访" in y["face"].definition
    assert pair(y["exam"]) == (1, 4)  # at home: P2 in hospital leaves the denominator
    assert "不含期末住院者" in y["exam"].definition


def test_prevalence_says_when_the_population_is_missing(patients):
    patients.regions[TOWN_A].population = None
    patients.regions[TOWN_A].save()
    f = figures(patients.doctor)["prevalence"]
    assert f.denominator is None and f.rate is None
    assert "人口数未填" in f.note and "孤山镇" in f.note
    # A township without its own population takes the sum of its villages when all have one.
    for code in (VILLAGE_A, "210681101201"):
        patients.regions[code].population = 2500
        patients.regions[code].save()
    f = figures(patients.doctor, region=patients.regions[TOWN_A])["prevalence"]
    assert pair(f) == (5, 5000) and f.note == ""


def test_filters_narrow_to_an_organization_and_a_region(patients):
    world = patients.world
    assert figures(world.admin)["registered"].value == 6  # P2–P6 and P8
    assert "请选择地区或组织" in figures(world.admin)["prevalence"].note  # 全部: no place to take a population from
    assert figures(world.admin, org=world.branch_a)["prevalence"].denominator == 10000  # the towns branch A serves
    assert figures(world.admin, org=world.branch_b)["registered"].value == 1
    assert figures(world.admin, region=patients.regions[VILLAGE_B])["registered"].value == 1
    assert figures(world.admin, region=patients.regions[TOWN_A])["registered"].value == 5


def test_readers_without_the_health_permission_get_counts_but_never_rows(patients):
    from xianfeng.programs.indicators import figure_set

    world = patients.world
    leader = figures(world.reader)  # 领导(只读) over branch A: counts only
    assert pair(leader["managed"]) == (4, 5)
    assert not figure_set(world.reader, "smd", start=START, end=END).rows_visible
    assert figure_set(patients.doctor, "smd", start=START, end=END).rows_visible
    outsider = figures(world.outsider)  # 党办干事 over branch B: only P8
    assert outsider["registered"].value == 1 and outsider["screenings"].value == 0
    assert program_figures(patients.volunteer, "smd", start=START, end=END) == []  # no reports.view
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, username="auditor")
    assert program_figures(auditor, "smd", start=START, end=END) == []


def test_figures_follow_visits_recorded_through_the_program_services(people):
    """The same rules over data the smd program itself stored (derived stability included)."""
    from django.utils import timezone

    from xianfeng.programs import services
    from xianfeng.residents.services import consent_record

    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    consent_record(acting_user=people.doctor, resident=people.resident, kind="follow_up", on_date=today - 90 * day)
    enrollment = services.enrollment_create(
        acting_user=people.doctor,
        program="smd",
        resident=people.resident,
        responsible_member=people.doctor_member,
        enrolled_on=today - 60 * day,
        data={"diagnosis": "schizophrenia"},
    )
    seen = {"risk_level": "0", "medication": "regular", "insight": "full", "social_function": "good"}
    for days, stype in ((50, "followup_phone"), (20, "followup_clinic")):
        services.enrollment_record_visit(
            acting_user=people.doctor,
            enrollment=enrollment,
            kind="followup",
            visited_on=today - days * day,
            data=seen,
            service_type=stype,
        )
    f = {x.key: x for x in program_figures(people.doctor, "smd", start=today - 59 * day, end=today)}
    assert f["registered"].value == 1
    assert [pair(f[k]) for k in ("managed", "face", "regular_medication", "stable")] == [(1, 1)] * 4
    assert pair(f["exam"]) == (0, 1) and f["visits"].value == 2
    # A volunteer of the same branch never counts a psychiatric patient (no reports.view, no health).
    assert program_figures(people.volunteer, "smd", start=today - 59 * day, end=today) == []


def test_a_resident_recorded_dead_leaves_the_register_even_before_the_enrollment_is_closed(patients):
    p = ResidentFactory(name="患者10", village_id=VILLAGE_A, deceased_on=D(2024, 8, 1))
    enroll(patients.world.branch_a, p, D(2023, 6, 1))
    assert figures(patients.doctor)["registered"].value == 5
    assert figures(patients.doctor)["open"].value == 6  # still open in the program until someone closes it
    early = program_figures(patients.doctor, "smd", start=D(2024, 1, 1), end=D(2024, 6, 30))
    assert next(f for f in early if f.key == "registered").value == 6  # alive on 30 June


def test_the_figures_cost_a_fixed_number_of_queries(patients, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        program_figures(patients.doctor, "smd", start=START, end=END)

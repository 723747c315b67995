"""The SMD rules on hand-made cases: the classes of 规范 二（三）, the follow-up form's checks,
the observation of a basically stable patient, emergencies, the annual examination, the six
diagnoses and the screening path's deadlines."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xianfeng.programs.registry import VisitFact, get_program
from xianfeng.programs.smd import diagnoses, rules, screening
from xianfeng.programs.smd.forms_spec import SETTINGS
from xianfeng.programs.smd.program import clean_followup

DEFAULTS = {spec.key: spec.default for spec in SETTINGS}
D0 = datetime.date(2025, 3, 1)
DAY = datetime.timedelta(days=1)


def seen(on, stability, **data):
    return VisitFact(on=on, kind="followup", data={"risk_level": "0", "stability": stability, **data})


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"risk_level": "0", "insight": "full", "social_function": "good"}, rules.STABLE),
        ({"risk_level": "1"}, rules.BASICALLY_STABLE),
        ({"risk_level": "0", "symptoms": ["hallucination"], "insight": "full"}, rules.BASICALLY_STABLE),
        ({"risk_level": "0", "insight": "partial"}, rules.BASICALLY_STABLE),
        ({"risk_level": "0", "social_function": "poor"}, rules.BASICALLY_STABLE),
        ({"risk_level": "3"}, rules.UNSTABLE),
        ({"risk_level": "0", "symptoms": ["suspicion"], "insight": "none"}, rules.UNSTABLE),
        ({"risk_level": "0", "serious_condition": True}, rules.UNSTABLE),
    ],
)
def test_the_record_is_classified_as_the_national_specification_says(data, expected):
    assert rules.classify(data) == expected


def test_a_reached_follow_up_without_a_class_stores_the_derived_one():
    clean = clean_followup({"risk_level": "2", "medication": "regular"})
    assert clean["stability"] == rules.BASICALLY_STABLE


@pytest.mark.parametrize(
    "data, field",
    [
        ({"risk_level": "3", "medication": "regular", "stability": "stable"}, "stability"),
        ({"risk_level": "1", "medication": "regular", "stability": "stable"}, "stability"),
        ({"risk_level": "4", "medication": "regular", "stability": "basically_stable"}, "stability"),
        ({"risk_level": "0", "medication": "none", "serious_condition": True, "stability": "stable"}, "stability"),
        ({"medication": "regular"}, "risk_level"),
        ({"risk_level": "0"}, "medication"),
        ({"reached": False}, "not_reached_reason"),
        ({"reached": False, "not_reached_reason": "away", "risk_level": "0"}, "risk_level"),
        ({"risk_level": "0", "medication": "regular", "not_reached_reason": "away"}, "not_reached_reason"),
    ],
)
def test_contradictory_follow_ups_are_refused_naming_the_field(data, field):
    with pytest.raises(ValidationError) as exc:
        clean_followup(data)
    assert field in exc.value.message_dict


def test_the_doctor_may_judge_one_class_either_way_within_the_risk_level():
    assert clean_followup({"risk_level": "0", "medication": "regular", "stability": "unstable"})["stability"] == (
        rules.UNSTABLE
    )
    record = {"risk_level": "0", "medication": "regular", "insight": "partial", "stability": "stable"}
    assert clean_followup(record)["stability"] == rules.STABLE


def test_a_basically_stable_patient_is_observed_two_weeks_then_three_months_if_settled():
    observed = rules.derive(
        enrolled_on=D0, visits=[seen(D0, "stable"), seen(D0 + 30 * DAY, "basically_stable")], settings=DEFAULTS
    )
    assert observed.next_due_on == D0 + 44 * DAY
    settled = [seen(D0, "basically_stable"), seen(D0 + 14 * DAY, "stable")]
    assert rules.derive(enrolled_on=D0, visits=settled, settings=DEFAULTS).next_due_on == datetime.date(2025, 6, 15)
    # Not settled after observation: the deployment's unsettled interval (the 3rd edition's month).
    unsettled = [seen(D0, "basically_stable"), seen(D0 + 14 * DAY, "basically_stable")]
    config = {**DEFAULTS, "unsettled_days": 30}
    assert rules.derive(enrolled_on=D0, visits=unsettled, settings=config).next_due_on == D0 + 44 * DAY


def test_first_follow_up_is_due_two_weeks_after_enrollment_and_an_emergency_brings_it_forward():
    assert rules.derive(enrolled_on=D0, visits=[], settings=DEFAULTS).next_due_on == D0 + 14 * DAY
    history = [seen(D0, "stable"), VisitFact(on=D0 + 20 * DAY, kind="emergency", data={})]
    assert rules.derive(enrolled_on=D0, visits=history, settings=DEFAULTS).next_due_on == D0 + 34 * DAY


def test_an_early_missed_attempt_does_not_bring_the_schedule_forward():
    history = [seen(D0, "stable"), VisitFact(on=D0 + 10 * DAY, kind="followup", reached=False)]
    derived = rules.derive(enrolled_on=D0, visits=history, settings=DEFAULTS)
    assert (derived.next_due_on, derived.misses, derived.state) == (datetime.date(2025, 6, 1), 1, "stable")


def test_the_annual_examination_is_due_a_year_after_the_last_one():
    assert rules.exam_due(D0, [], DEFAULTS) == datetime.date(2026, 3, 1)
    assert rules.exam_due(D0, [D0 + DAY, D0 + 100 * DAY], DEFAULTS) == datetime.date(2026, 6, 9)


def test_the_six_diagnoses_carry_their_icd10_codes_and_register_spellings_are_read():
    labels = dict(diagnoses.choices())
    assert str(labels["schizophrenia"]) == "精神分裂症（F20）"
    assert str(labels["intellectual"]) == "精神发育迟滞伴发精神障碍（F70–F79）"
    assert len(labels) == 6
    assert diagnoses.normalize("F20.0") == "schizophrenia"
    assert diagnoses.normalize("F72") == "intellectual"
    assert diagnoses.normalize("双相（情感）障碍") == "bipolar"
    assert diagnoses.normalize("F99") == "F99"


def test_the_screening_path_has_a_deadline_at_each_open_step():
    prog = get_program(screening.CODE)
    config = prog.defaults()
    path = []
    assert screening.derive_path(enrolled_on=D0, data={}, visits=path, settings=config).next_due_on == D0 + 14 * DAY
    expected = [("suspected", D0 + 14 * DAY), ("referred", D0 + 40 * DAY), ("diagnosed", D0 + 34 * DAY)]
    records = [
        VisitFact(on=D0, kind="screening", data={"result": "suspected"}),
        VisitFact(on=D0 + 10 * DAY, kind="referral", data={"destination": "市精神卫生中心"}),
        VisitFact(on=D0 + 20 * DAY, kind="diagnosis", data={"diagnosis": "bipolar"}),
    ]
    for record, (state, due) in zip(records, expected, strict=True):
        path.append(record)
        derived = screening.derive_path(enrolled_on=D0, data={}, visits=path, settings=config)
        assert (derived.state, derived.next_due_on) == (state, due)
    path.append(VisitFact(on=D0 + 25 * DAY, kind="diagnosis", data={"diagnosis": "excluded", "reason": "x"}))
    derived = screening.derive_path(enrolled_on=D0, data={}, visits=path, settings=config)
    assert (derived.state, derived.next_due_on) == ("excluded", None)
    closed = screening.derive_path(enrolled_on=D0, data={"outcome": "registered"}, visits=path, settings=config)
    assert (closed.state, closed.next_due_on) == ("registered", None)

"""The risk screen (hotline/rules.py), checked against a table written from the rule's statement
(not from the code) for every one of the 64 combinations, plus its properties."""

import itertools
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from xianfeng.hotline.rules import RISK_FIELDS, hours_of, must_escalate, rank, risk_level

ANSWERS = st.fixed_dictionaries({field: st.booleans() for field in RISK_FIELDS})


def expected(a: dict) -> str:
    """The rule as the guide's grading reads, written independently of rules.py."""
    attempt, plan, means = a["suicide_attempt"], a["suicide_plan"], a["means_access"]
    if attempt or a["violence_risk"] or (plan and means):
        return "high"
    if plan or a["suicidal_ideation"]:
        return "medium"
    if a["self_harm"] or means:
        return "low"
    return "none"


def test_every_combination_matches_the_stated_rule():
    for values in itertools.product([False, True], repeat=len(RISK_FIELDS)):
        answers = dict(zip(RISK_FIELDS, values, strict=True))
        assert risk_level(answers) == expected(answers), answers


def test_named_cases():
    assert risk_level({}) == "none"
    assert risk_level({"suicidal_ideation": True}) == "medium"  # ideation without a plan
    assert risk_level({"suicidal_ideation": True, "suicide_plan": True}) == "medium"  # no means at hand
    assert risk_level({"suicide_plan": True, "means_access": True}) == "high"
    assert risk_level({"suicide_attempt": True}) == "high"
    assert risk_level({"violence_risk": True}) == "high"
    assert risk_level({"self_harm": True}) == "low"  # a self-harm history only


@given(ANSWERS, st.sampled_from(RISK_FIELDS))
def test_one_more_yes_never_lowers_the_level(answers, field):
    assert rank(risk_level(answers | {field: True})) >= rank(risk_level(answers))


@given(ANSWERS, st.sampled_from(["resolved", "advice", "referral", "crisis", "callback"]))
def test_must_escalate_exactly_when_high_or_crisis(answers, outcome):
    call = SimpleNamespace(risk_level=risk_level(answers), outcome=outcome)
    assert must_escalate(call) == (call.risk_level == "high" or outcome == "crisis")


@given(st.integers(min_value=0, max_value=600))
def test_hours_are_the_duration_to_a_tenth_and_never_zero(minutes):
    hours = hours_of(minutes)
    assert hours >= hours_of(0) > 0
    assert abs(float(hours) - max(0.1, minutes / 60)) <= 0.05 + 1e-9
    assert hours == hours.quantize(hours_of(6))  # one decimal

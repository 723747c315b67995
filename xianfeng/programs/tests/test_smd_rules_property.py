"""Generated sequences of SMD follow-ups walked through the rules (hypothesis): after every
visit the record is validated as the form would be, the enrollment derived again, and the
invariants of the 规范 checked — whatever the order of stable, unstable and missed visits."""

import datetime

from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from xianfeng.programs.registry import VisitFact, add_months
from xianfeng.programs.smd import rules
from xianfeng.programs.smd.forms_spec import SETTINGS
from xianfeng.programs.smd.program import clean_followup

DEFAULTS = {spec.key: spec.default for spec in SETTINGS}
START = datetime.date(2024, 1, 1)

reached_visit = st.fixed_dictionaries(
    {"reached": st.just(True), "risk_level": st.sampled_from("012345"), "medication": st.just("regular")},
    optional={
        "symptoms": st.lists(st.sampled_from(["hallucination", "suspicion", "withdrawn"]), max_size=2),
        "insight": st.sampled_from(["full", "partial", "none"]),
        "social_function": st.sampled_from(["good", "fair", "poor"]),
        "serious_condition": st.booleans(),
        "stability": st.sampled_from([rules.STABLE, rules.BASICALLY_STABLE, rules.UNSTABLE]),
    },
)
missed_visit = st.fixed_dictionaries(
    {"reached": st.just(False), "not_reached_reason": st.sampled_from(["away", "refused", "unknown"])}
)
visits = st.lists(
    st.tuples(st.integers(min_value=1, max_value=120), st.one_of(reached_visit, missed_visit)), min_size=1, max_size=12
)
intervals = st.fixed_dictionaries(
    {
        "stable_months": st.integers(1, 12),
        "observe_days": st.integers(1, 90),
        "unsettled_days": st.integers(1, 90),
        "unstable_days": st.integers(1, 90),
        "retry_days": st.integers(1, 90),
        "lost_after": st.integers(1, 6),
        "min_followups_per_year": st.integers(1, 12),
    }
)


def walk(sequence, config):
    """Yield (history, derived) after each accepted visit; refused records are checked and skipped."""
    history, day = [], START
    for gap, data in sequence:
        day += datetime.timedelta(days=gap)
        try:
            clean = clean_followup(dict(data))
        except ValidationError as exc:
            # The only record the generator makes that may be refused: a class the risk forbids
            # or two classes milder than the record.
            assert set(exc.message_dict) == {"stability"}
            risk = int(data["risk_level"])
            mildest = rules.MILDEST_FOR_RISK[risk]
            assert (
                rules.SEVERITY[data["stability"]] < rules.SEVERITY[mildest]
                or rules.SEVERITY[rules.classify(data)] - rules.SEVERITY[data["stability"]] >= 2
            )
            continue
        history.append(VisitFact(on=day, kind=rules.FOLLOWUP, reached=clean.get("reached", True), data=clean))
        yield history, rules.derive(enrolled_on=START, visits=list(history), settings=config)


@settings(max_examples=300, deadline=None)
@given(sequence=visits, overrides=intervals)
def test_every_state_keeps_the_rules_invariants(sequence, overrides):
    config = {**DEFAULTS, **overrides}
    for history, derived in walk(sequence, config):
        last = history[-1]
        # Something is always due, and never before the visit just recorded.
        assert derived.next_due_on is not None and derived.next_due_on > last.on
        # Misses count the visits since the patient was last seen; the configured number loses them.
        misses = rules.consecutive_misses(history)
        assert derived.misses == misses
        assert derived.lost == (misses >= config["lost_after"])
        if not last.reached:
            assert derived.next_due_on >= last.on + datetime.timedelta(days=config["retry_days"])
            continue
        stability, risk = last.data["stability"], int(last.data["risk_level"])
        assert derived.state == stability and not derived.lost
        # Never stable with a risk level above 0; never milder than unstable at 3 or more.
        assert stability != rules.STABLE or risk == 0
        assert risk < 3 or stability == rules.UNSTABLE
        if stability == rules.UNSTABLE:
            assert derived.next_due_on == last.on + datetime.timedelta(days=config["unstable_days"])
        elif stability == rules.STABLE:
            months = min(config["stable_months"], max(1, 12 // config["min_followups_per_year"]))
            assert derived.next_due_on == add_months(last.on, months)
            assert derived.next_due_on <= add_months(last.on, 12 // config["min_followups_per_year"] or 1)
        else:
            days = (config["observe_days"], config["unsettled_days"])
            assert (derived.next_due_on - last.on).days in days


@settings(max_examples=200, deadline=None)
@given(sequence=visits)
def test_with_default_settings_unstable_is_seen_within_two_weeks_and_stable_in_three_months(sequence):
    for history, derived in walk(sequence, DEFAULTS):
        last = history[-1]
        if last.reached and last.data["stability"] in (rules.UNSTABLE, rules.BASICALLY_STABLE):
            assert derived.next_due_on <= last.on + datetime.timedelta(days=14)
        if last.reached and last.data["stability"] == rules.STABLE:
            assert derived.next_due_on == add_months(last.on, 3)


@settings(max_examples=150, deadline=None)
@given(sequence=visits, admitted_after=st.integers(0, 60), stay=st.one_of(st.none(), st.integers(0, 90)))
def test_a_patient_in_hospital_is_not_due_nor_lost_and_is_seen_soon_after_discharge(sequence, admitted_after, stay):
    history = [h for h, _derived in walk(sequence, DEFAULTS)]
    if not history:
        return
    facts = history[-1]
    start = facts[-1].on + datetime.timedelta(days=admitted_after)
    end = None if stay is None else start + datetime.timedelta(days=stay)
    derived = rules.derive(enrolled_on=START, visits=facts, settings=DEFAULTS, periods=(("hospital", start, end),))
    without = rules.derive(enrolled_on=START, visits=facts, settings=DEFAULTS)
    if end is None:
        assert (derived.state, derived.next_due_on, derived.lost) == (rules.IN_HOSPITAL, None, False)
    elif without.next_due_on < start:  # already overdue when admitted: stays overdue
        assert derived.next_due_on == without.next_due_on
    elif without.next_due_on <= end:  # fell due while admitted: two weeks after discharge
        assert derived.next_due_on == end + datetime.timedelta(days=14)
    else:
        assert derived.next_due_on == min(without.next_due_on, end + datetime.timedelta(days=14))
        assert derived.next_due_on > facts[-1].on

"""结对帮扶's rules as plain functions: the contact frequency (next due dates), compliance per
ISO week and per calendar month against hand-computed fixtures, and the falling-behind flag."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from xianfeng.programs import compliance
from xianfeng.programs.compliance import MET, MISSED, MONTH, PENDING, WEEK
from xianfeng.programs.pairing import derive_pairing, next_contact_due, spacing_days
from xianfeng.programs.registry import VisitFact, get_program

MON = datetime.date(2026, 1, 5)  # a Monday (ISO week 2 of 2026)


def d(offset: int) -> datetime.date:
    return MON + datetime.timedelta(days=offset)


def test_spacing_keeps_to_the_target():
    assert spacing_days(2, WEEK) == 3
    assert spacing_days(1, WEEK) == 7
    assert spacing_days(3, WEEK) == 2
    assert spacing_days(1, MONTH) == 30
    assert spacing_days(10, WEEK) == 1  # never less than a day


def test_two_a_week_due_dates_walk_through_a_fortnight():
    def due(*contacts):
        return next_contact_due(enrolled_on=MON, contacts=list(contacts), target_count=2, target_period=WEEK)

    assert due() == MON  # the first contact is due the day of pairing
    assert due(d(0)) == d(3)  # Monday's call: the next by Thursday
    assert due(d(0), d(3)) == d(6)  # target met: 3 days on, Sunday
    assert due(d(0), d(3), d(6)) == d(9)  # Sunday's third call: Wednesday of week 2
    # One contact on Saturday: the week still owes one, so the Sunday ends it (not Tuesday).
    assert due(d(5)) == d(6)


def test_one_a_month_is_due_by_the_end_of_the_following_month():
    def due(*contacts):
        return next_contact_due(
            enrolled_on=datetime.date(2026, 1, 2), contacts=list(contacts), target_count=1, target_period=MONTH
        )

    assert due(datetime.date(2026, 1, 10)) == datetime.date(2026, 2, 9)  # 30 days later
    assert due(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 28)  # February must have its visit


def test_misses_retry_soon_and_three_lose_the_pair():
    def derive(*visits):
        facts = [VisitFact(on=on, kind="contact", reached=reached) for on, reached in visits]
        data = {"target_count": 2, "target_period": WEEK}
        return derive_pairing(enrolled_on=MON, data=data, visits=facts, lost_after=3, retry_days=1)

    once = derive((d(0), True), (d(1), False))
    assert (once.next_due_on, once.misses, once.lost) == (d(3), 1, False)  # Thursday is still later
    late = derive((d(0), True), (d(4), False))
    assert late.next_due_on == d(5)  # Thursday passed unanswered: try again Friday
    lost = derive((d(0), True), (d(2), False), (d(3), False), (d(4), False))
    assert (lost.misses, lost.lost) == (3, True)
    found = derive((d(0), True), (d(2), False), (d(3), False), (d(4), False), (d(5), True))
    assert (found.misses, found.lost, found.next_due_on) == (0, False, d(8))  # 2 this week: 3 days on


def test_the_program_is_registered_with_its_fields_and_defaults():
    program = get_program("pairing")
    assert set(program.subjects) == {"resident", "household", "region"}
    assert not program.health
    clean = program.clean_enrollment({}, subject=None, enrolled_on=MON, settings=program.defaults())
    assert clean == {"target_count": 2, "target_period": "week"}
    with pytest.raises(ValidationError) as exc:
        program.clean_enrollment({"target_count": 0}, subject=None, enrolled_on=MON, settings={})
    assert "target_count" in exc.value.message_dict
    visit = program.clean_visit(
        {"mode": "电话", "reached": "否"}, kind="contact", enrollment=None, visited_on=MON, settings={}
    )
    assert visit == {"mode": "phone", "reached": False}
    assert program.visit_reached("contact", visit) is False


# --- compliance ------------------------------------------------------------------------------


def test_period_bounds_are_iso_weeks_and_calendar_months():
    assert compliance.period_bounds(d(3), WEEK) == (MON, d(6))
    assert compliance.period_bounds(datetime.date(2026, 2, 14), MONTH) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert compliance.periods_between(d(6), d(8), WEEK) == [(MON, d(6)), (d(7), d(13))]


def test_a_partly_covered_period_has_a_prorated_target():
    week = (MON, d(6))
    assert compliance.period_target(2, week, active_from=MON) == 2
    assert compliance.period_target(2, week, active_from=d(4)) == 1  # 3 of 7 days: 6/7 → 1
    assert compliance.period_target(3, week, active_from=d(2)) == 3  # 5 of 7 days: 15/7 → 3
    assert compliance.period_target(2, week, active_from=d(7)) == 0  # paired after the week
    assert compliance.period_target(2, week, active_from=MON - datetime.timedelta(days=30), active_to=d(1)) == 1


@pytest.mark.parametrize(
    "made, target, today, status",
    [
        (2, 2, d(1), MET),
        (1, 2, d(5), PENDING),  # Saturday: one more call today or tomorrow
        (0, 2, d(5), PENDING),  # Saturday and Sunday: still two days for two calls
        (0, 2, d(6), MISSED),  # Sunday with none made: cannot reach two
        (1, 2, d(7), MISSED),  # the week is over
    ],
)
def test_period_status(made, target, today, status):
    assert compliance.period_status(made, target, (MON, d(6)), today) == status


def pair(enrolled_on, target=2, period=WEEK, ended_on=None):
    return SimpleNamespace(
        data={"target_count": target, "target_period": period}, enrolled_on=enrolled_on, ended_on=ended_on
    )


def test_falling_behind_this_period_or_last():
    p = pair(MON - datetime.timedelta(days=14))
    last_week = MON - datetime.timedelta(days=7)
    # Last week 2 of 2, this week 1 by Wednesday: fine.
    assert not compliance.falling_behind(p, d(2), counts={last_week: 2, MON: 1})
    # Last week only 1 of 2: flagged all this week, even after this week's target is met.
    assert compliance.falling_behind(p, d(2), counts={last_week: 1, MON: 2})
    # This week none by Sunday: cannot reach 2.
    assert compliance.falling_behind(p, d(6), counts={last_week: 2})
    # Paired this Wednesday: last week does not count against it.
    assert not compliance.falling_behind(pair(d(2)), d(3), counts={})


def test_falling_behind_monthly():
    p = pair(datetime.date(2025, 11, 1), target=1, period=MONTH)
    dec, jan = datetime.date(2025, 12, 1), datetime.date(2026, 1, 1)
    assert not compliance.falling_behind(p, datetime.date(2026, 1, 20), counts={dec: 1})
    assert compliance.falling_behind(p, datetime.date(2026, 1, 20), counts={jan: 1})  # December had none

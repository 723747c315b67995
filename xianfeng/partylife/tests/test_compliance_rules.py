"""The compliance rules as pure functions: periods, the national defaults, local overrides (the
nearest organization wins, 0 = not required, a change of period mid-year) and the statuses."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from xianfeng.partylife import compliance as c
from xianfeng.partylife.models import MeetingKind as K
from xianfeng.partylife.models import Period

D = datetime.date
TODAY = D(2026, 11, 24)


def _cells(cal, kind):
    return sorted((x for x in cal.cells if x.kind == kind), key=lambda x: x.start)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)), st.sampled_from(list(c.PERIOD_MONTHS)))
def test_every_day_lies_in_exactly_one_period_of_its_year(day, period):
    start, end = c.period_bounds(day, period)
    assert start <= day <= end
    periods = c.periods_of_year(day.year, period)
    assert sum(1 for s, e in periods if s <= day <= e) == 1
    # The periods tile the year without gaps.
    assert periods[0][0] == D(day.year, 1, 1) and periods[-1][1] == D(day.year, 12, 31)
    for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
        assert s2 - e1 == datetime.timedelta(days=1)


def test_national_defaults_give_the_expected_number_of_periods():
    cal = c.branch_calendar(year=2026, today=TODAY, held={})
    counts = {kind: len(_cells(cal, kind)) for kind in K.values}
    assert counts == {
        K.BRANCH_ASSEMBLY: 4,
        K.COMMITTEE: 12,
        K.GROUP: 12,
        K.LECTURE: 4,
        K.THEME_DAY: 12,
        K.ORG_LIFE: 1,
        K.APPRAISAL: 1,
        K.TALK: 1,
    }


def test_statuses_done_due_overdue_future():
    held = {K.COMMITTEE: [D(2026, 1, 10), D(2026, 11, 3)]}
    cal = c.branch_calendar(year=2026, today=TODAY, held=held)
    cells = _cells(cal, K.COMMITTEE)
    assert cells[0].status == c.DONE  # January
    assert cells[1].status == c.OVERDUE  # February: ended, none held
    assert cells[10].status == c.DONE  # November, held this month
    assert cells[11].status == c.FUTURE  # December
    group = _cells(cal, K.GROUP)
    assert group[10].status == c.DUE  # November, not held yet
    q4 = _cells(cal, K.BRANCH_ASSEMBLY)[3]
    assert q4.status == c.DUE and q4.span == 3


def test_compliance_rate_is_periods_done_over_periods_ended():
    held = {K.COMMITTEE: [D(2026, m, 5) for m in range(1, 11)]}  # every month to October
    cal = c.branch_calendar(year=2026, today=D(2026, 2, 1), held=held)
    # Ended by 1 February: January's monthly cells only (committee done; group, theme day not).
    assert len(cal.ended) == 3
    assert abs(cal.compliance_rate - 1 / 3) < 1e-9
    assert c.branch_calendar(year=2026, today=D(2026, 1, 15), held={}).compliance_rate is None


def test_a_nearer_rule_overrides_the_default_and_the_committee_rule():
    rules = [
        c.RuleRow(K.GROUP, Period.QUARTER, 1, D(2020, 1, 1), depth=0, pk=1),  # the committee's
        c.RuleRow(K.GROUP, Period.QUARTER, 2, D(2020, 1, 1), depth=1, pk=2),  # the branch's own
    ]
    cal = c.branch_calendar(year=2026, today=TODAY, held={K.GROUP: [D(2026, 1, 9)]}, rules=rules)
    cells = _cells(cal, K.GROUP)
    assert len(cells) == 4 and all(x.required == 2 for x in cells)
    assert cells[0].status == c.OVERDUE and cells[0].held == 1 and cells[0].rule_pk == 2


def test_zero_means_not_required():
    rules = [c.RuleRow(K.TALK, Period.YEAR, 0, D(2020, 1, 1), depth=1)]
    cal = c.branch_calendar(year=2026, today=D(2027, 1, 5), held={}, rules=rules)
    (talk,) = _cells(cal, K.TALK)
    assert talk.status == c.NOT_REQUIRED and not talk.missing
    assert talk not in cal.ended and talk not in cal.overdue


def test_a_rule_changing_period_mid_year_cuts_the_year_at_its_start():
    rules = [c.RuleRow(K.COMMITTEE, Period.QUARTER, 1, D(2026, 7, 1), depth=1)]
    cal = c.branch_calendar(year=2026, today=TODAY, held={}, rules=rules)
    cells = _cells(cal, K.COMMITTEE)
    assert [x.period for x in cells] == [Period.MONTH] * 6 + [Period.QUARTER] * 2
    ended = [c.RuleRow(K.COMMITTEE, Period.QUARTER, 1, D(2026, 1, 1), end_on=D(2026, 6, 30), depth=1)]
    cells = _cells(c.branch_calendar(year=2026, today=TODAY, held={}, rules=ended), K.COMMITTEE)
    assert [x.period for x in cells] == [Period.QUARTER] * 2 + [Period.MONTH] * 6


def test_periods_before_the_branch_was_founded_are_left_out():
    cal = c.branch_calendar(year=2026, today=TODAY, held={}, active_from=D(2026, 9, 15))
    assert [x.start.month for x in _cells(cal, K.COMMITTEE)] == [9, 10, 11, 12]


def test_recent_missing_lists_this_quarter_and_last_month_overdue_first():
    cal = c.branch_calendar(year=2026, today=D(2026, 10, 20), held={K.COMMITTEE: [D(2026, 9, 2)]})
    missing = cal.recent_missing()
    # What ended in September (last month, and the third quarter) is overdue, listed first.
    overdue = [x.kind for x in missing if x.status == c.OVERDUE]
    assert overdue == [K.BRANCH_ASSEMBLY, K.GROUP, K.LECTURE, K.THEME_DAY]
    assert missing[0].status == c.OVERDUE
    assert {x.kind for x in missing if x.status == c.DUE} >= {K.COMMITTEE, K.GROUP, K.BRANCH_ASSEMBLY}
    assert all(x.start <= D(2026, 10, 20) for x in missing)
    september = next(x for x in missing if x.kind == K.GROUP)
    assert september.suggested_day(D(2026, 10, 20)) == D(2026, 9, 30)


def test_period_labels():
    assert c.period_label(Period.MONTH, D(2026, 3, 1)) == "2026年3月"
    assert c.period_label(Period.QUARTER, D(2026, 10, 1)) == "2026年第4季度"
    assert c.period_label(Period.HALF_YEAR, D(2026, 7, 1)) == "2026年下半年"
    assert c.period_label(Period.YEAR, D(2026, 1, 1)) == "2026年"

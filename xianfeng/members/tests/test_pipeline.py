"""The stage rules of 《中国共产党发展党员工作细则》 as plain functions."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xianfeng.members import pipeline
from xianfeng.members.pipeline import Event, PipelineError, Stage, Step

D = datetime.date
TODAY = D(2026, 1, 15)
INTRODUCERS = ("王明", "李红")


def history_until(step: str) -> list[Event]:
    full = [
        Event(Step.APPLY, D(2021, 3, 1)),
        Event(Step.TALK, D(2021, 3, 20)),
        Event(Step.ACTIVIST, D(2021, 6, 1)),
        Event(Step.REVIEW, D(2021, 12, 1)),
        Event(Step.CANDIDATE, D(2022, 7, 1)),
        Event(Step.POLITICAL_REVIEW, D(2022, 9, 1)),
        Event(Step.ADMIT, D(2022, 11, 1), introducers=INTRODUCERS),
        Event(Step.FULL, D(2023, 11, 1)),
    ]
    index = next(i for i, e in enumerate(full) if e.step == step)
    return full[: index + 1]


def test_stage_follows_the_milestones():
    assert pipeline.stage_of([]) == Stage.NONE
    assert pipeline.stage_of(history_until(Step.TALK)) == Stage.APPLICANT
    assert pipeline.stage_of(history_until(Step.REVIEW)) == Stage.ACTIVIST
    assert pipeline.stage_of(history_until(Step.POLITICAL_REVIEW)) == Stage.CANDIDATE
    assert pipeline.stage_of(history_until(Step.ADMIT)) == Stage.PROBATIONARY
    assert pipeline.stage_of(history_until(Step.FULL)) == Stage.FULL


def test_complete_history_is_valid():
    pipeline.check_history(history_until(Step.FULL), today=TODAY, birth_date=D(1995, 1, 1))


def test_talk_is_due_within_one_month_of_application():
    dues = pipeline.dues([Event(Step.APPLY, D(2025, 1, 31))])
    assert [(d.step, d.due_on) for d in dues] == [(Step.TALK, D(2025, 2, 28))]
    assert dues[0].overdue(D(2025, 3, 1))
    assert not dues[0].overdue(D(2025, 2, 28))


def test_activist_is_reviewed_every_six_months_and_candidate_after_a_year():
    history = history_until(Step.REVIEW)
    dues = {d.step: d for d in pipeline.dues(history)}
    assert dues[Step.REVIEW].due_on == D(2022, 6, 1)  # six months after the last review
    assert dues[Step.CANDIDATE].earliest_on == D(2022, 6, 1)  # a year after becoming an activist
    assert pipeline.next_due(history).step == Step.REVIEW


def test_candidate_before_one_year_of_training_is_refused():
    history = history_until(Step.REVIEW)
    with pytest.raises(PipelineError) as exc:
        pipeline.check_step(history, Event(Step.CANDIDATE, D(2022, 5, 31)), today=TODAY)
    assert "一年以上培养考察" in str(exc.value)
    assert "2022-06-01" in str(exc.value)
    pipeline.check_step(history, Event(Step.CANDIDATE, D(2022, 6, 1)), today=TODAY)


def test_stage_date_before_previous_stage_is_refused():
    history = history_until(Step.TALK)
    with pytest.raises(PipelineError) as exc:
        pipeline.check_step(history, Event(Step.ACTIVIST, D(2021, 3, 10)), today=TODAY)
    assert exc.value.errors["on_date"].startswith("确定为入党积极分子（2021-03-10）不能早于入党谈话")


def test_steps_out_of_order_are_refused():
    with pytest.raises(PipelineError) as exc:
        pipeline.check_step([], Event(Step.ACTIVIST, D(2021, 1, 1)), today=TODAY)
    assert "当前为“群众”" in exc.value.errors["step"]
    history = history_until(Step.CANDIDATE)
    with pytest.raises(PipelineError, match="政治审查"):
        pipeline.check_step(history, Event(Step.ADMIT, D(2022, 11, 1), introducers=INTRODUCERS), today=TODAY)


def test_admission_needs_two_distinct_introducers():
    history = history_until(Step.POLITICAL_REVIEW)
    for names in [(), ("王明",), ("王明", "王明"), ("王明", "李红", "赵强")]:
        with pytest.raises(PipelineError) as exc:
            pipeline.check_step(history, Event(Step.ADMIT, D(2022, 11, 1), introducers=names), today=TODAY)
        assert "introducers" in exc.value.errors


def test_probation_is_one_year_and_full_membership_is_possible_from_then():
    history = history_until(Step.ADMIT)
    due = pipeline.next_due(history)
    # The end of probation is the first day of the vote, not a deadline for it.
    assert (due.step, due.earliest_on, due.due_on) == (Step.FULL, D(2023, 11, 1), None)
    with pytest.raises(PipelineError, match="预备期未满"):
        pipeline.check_step(history, Event(Step.FULL, D(2023, 10, 31)), today=TODAY)
    pipeline.check_step(history, Event(Step.FULL, D(2023, 11, 1)), today=TODAY)


def test_probation_extends_once_by_at_most_a_year():
    history = history_until(Step.ADMIT)
    extension = Event(Step.EXTEND, D(2023, 10, 1), extension_months=6)
    pipeline.check_step(history, extension, today=TODAY)
    extended = [*history, extension]
    assert pipeline.probation_end(extended) == D(2024, 5, 1)
    with pytest.raises(PipelineError, match="预备期未满"):
        pipeline.check_step(extended, Event(Step.FULL, D(2023, 11, 1)), today=TODAY)
    with pytest.raises(PipelineError, match="只能延长一次"):
        pipeline.check_step(extended, Event(Step.EXTEND, D(2023, 10, 2), extension_months=6), today=TODAY)
    for months in (0, 3, 13, 24):
        with pytest.raises(PipelineError) as exc:
            pipeline.check_step(history, Event(Step.EXTEND, D(2023, 10, 1), extension_months=months), today=TODAY)
        assert "extension_months" in exc.value.errors
    with pytest.raises(PipelineError, match="一年预备期内"):
        pipeline.check_step(history, Event(Step.EXTEND, D(2023, 11, 2), extension_months=6), today=TODAY)


def test_future_dates_and_underage_applicants_are_refused():
    with pytest.raises(PipelineError, match="晚于今天"):
        pipeline.check_step([], Event(Step.APPLY, TODAY + datetime.timedelta(days=1)), today=TODAY)
    with pytest.raises(PipelineError, match="年满十八周岁"):
        pipeline.check_step([], Event(Step.APPLY, D(2025, 1, 1)), today=TODAY, birth_date=D(2008, 6, 1))


def test_old_records_with_gaps_are_checked_for_order_only():
    # Imported from paper files: only admission and full membership dates known.
    pipeline.check_history([Event(Step.ADMIT, D(2001, 7, 1)), Event(Step.FULL, D(2002, 7, 1))], today=TODAY)
    with pytest.raises(PipelineError):
        pipeline.check_history([Event(Step.ADMIT, D(2001, 7, 1)), Event(Step.FULL, D(2001, 12, 1))], today=TODAY)


dates = st.dates(min_value=D(1950, 1, 1), max_value=D(2030, 12, 31))


@given(day=dates, months=st.integers(min_value=0, max_value=240))
def test_add_months_is_monotonic_and_lands_in_the_right_month(day, months):
    result = pipeline.add_months(day, months)
    assert result >= day
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


@given(apply=dates, gaps=st.lists(st.integers(min_value=0, max_value=900), min_size=4, max_size=4))
def test_a_history_is_valid_exactly_when_its_dates_keep_order_and_intervals(apply, gaps):
    talk = apply + datetime.timedelta(days=gaps[0])
    activist = talk + datetime.timedelta(days=gaps[1])
    candidate = activist + datetime.timedelta(days=gaps[2])
    admit = candidate + datetime.timedelta(days=gaps[3])
    events = [
        Event(Step.APPLY, apply),
        Event(Step.TALK, talk),
        Event(Step.ACTIVIST, activist),
        Event(Step.CANDIDATE, candidate),
        Event(Step.ADMIT, admit),
    ]
    trained = candidate >= pipeline.add_months(activist, 12)
    try:
        pipeline.check_history(events, today=D(2045, 1, 1))
    except PipelineError:
        assert not trained
    else:
        assert trained


def test_becoming_a_candidate_restarts_the_review_clock():
    history = history_until(Step.CANDIDATE)
    dues = {d.step: d for d in pipeline.dues(history)}
    assert dues[Step.REVIEW].due_on == D(2023, 1, 1)
    assert Step.POLITICAL_REVIEW in dues

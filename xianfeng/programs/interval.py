"""The simplest rule, shared by several programs: a visit every N days.

Due ``interval`` days after the last visit that reached the person (or after enrollment, when
``first_due_days`` says how soon the first visit is due); ``lost_after`` consecutive visits that
did not reach the person mark the enrollment lost to follow-up (失访), and a visit that reaches
them again ends that.
"""

import datetime
from dataclasses import dataclass

from .registry import Derived, VisitFact


@dataclass(frozen=True)
class IntervalRule:
    interval_days: int
    first_due_days: int = 0
    lost_after: int = 3
    retry_days: int = 7  # after a visit that did not reach the person: try again within a week


def derive_interval(rule: IntervalRule, *, enrolled_on: datetime.date, visits: list[VisitFact]) -> Derived:
    last_reached, last_attempt, misses = None, None, 0
    for visit in visits:
        last_attempt = visit.on
        if visit.reached:
            last_reached, misses = visit.on, 0
        else:
            misses += 1
    if misses and last_attempt is not None:
        due = last_attempt + datetime.timedelta(days=rule.retry_days)
    elif last_reached is not None:
        due = last_reached + datetime.timedelta(days=rule.interval_days)
    else:
        due = enrolled_on + datetime.timedelta(days=rule.first_due_days)
    lost = rule.lost_after > 0 and misses >= rule.lost_after
    return Derived(state="", next_due_on=due, misses=misses, lost=lost)

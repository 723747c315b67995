"""Team rules as plain functions: which kinds are exclusive, and dated periods."""

import datetime

from .models import Team

# A person serves in at most one team of these kinds at a time (one village posting, one
# medical deployment, one commando team); other kinds may be combined freely.
EXCLUSIVE_KINDS = frozenset({Team.Kind.COMMANDO, Team.Kind.MEDICAL, Team.Kind.VILLAGE})

FAR_FUTURE = datetime.date.max


def is_exclusive(kind: str) -> bool:
    return kind in EXCLUSIVE_KINDS


def periods_overlap(
    a_start: datetime.date, a_end: datetime.date | None, b_start: datetime.date, b_end: datetime.date | None
) -> bool:
    """Inclusive periods; an open end runs on indefinitely."""
    return a_start <= (b_end or FAR_FUTURE) and b_start <= (a_end or FAR_FUTURE)


def active_on(start: datetime.date, end: datetime.date | None, day: datetime.date) -> bool:
    return start <= day and (end is None or end >= day)


def rotation_end(on_date: datetime.date) -> datetime.date:
    """Memberships rotated out on ``on_date`` end the day before: both rosters are complete."""
    return on_date - datetime.timedelta(days=1)

"""工作台 panel 「值守排班」 (key ``hotline-roster``): gaps flagged in advance.

A roster manager sees how many shifts of the next 7 days are unstaffed, the first few with links;
a duty member sees their own next shifts (the one on now marked). Two queries at most: the gaps
(counted from the rows fetched, up to HOME_GAPS_SHOWN) and the user's own duties.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, can

from . import selectors_roster as selectors
from .models import Shift, ShiftAssignment

FIRST_GAPS = 5
NEXT_DUTIES = 3


def _duties(user, today: datetime.date) -> list[dict]:
    now = selectors.local_now()
    rows = selectors.own_duties(
        user, today - datetime.timedelta(days=1), today + datetime.timedelta(days=selectors.GAP_DAYS_HOME)
    )
    duties = []
    for assignment in rows:
        begins, ends = selectors.shift_window(
            assignment.shift.date, assignment.shift.start_time, assignment.shift.end_time
        )
        if ends > now:
            duties.append({"shift": assignment.shift, "shift_id": assignment.shift_id, "now": begins <= now})
        if len(duties) == NEXT_DUTIES:
            break
    return duties


def roster_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, ShiftAssignment):
        return None
    today = timezone.localdate()
    manager = can(user, CHANGE, Shift)
    panel = {"gaps": None, "duties": None, "roster_url": reverse("hotline:roster")}
    if manager:
        end = today + datetime.timedelta(days=selectors.GAP_DAYS_HOME)
        gaps = list(
            selectors.roster_gaps(user, today, end).filter(team__in=selectors.roster_teams(user, CHANGE))[
                : selectors.HOME_GAPS_SHOWN
            ]
        )
        panel.update(gaps=gaps[:FIRST_GAPS], gap_count=len(gaps), more=len(gaps) == selectors.HOME_GAPS_SHOWN)
    duties = _duties(user, today)
    if not manager and not duties:
        return None  # a reader of the roster with no duty coming: nothing to flag
    panel["duties"] = duties if (duties or not manager) else None
    return panel


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("hotline-roster", order=14, template="hotline/_roster_home_panel.html", context=roster_panel)

"""工作台 panel 「本季度/本月缺少的组织生活」 for whoever keeps branches' organizational life
(secretaries, 党办): each branch in their change scope with a meeting missing from this quarter
or last month, in red when overdue, one tap from its calendar. Three queries (branches,
meetings, rules); not shown when nothing is missing."""

from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role
from xianfeng.accounts.scoping import CHANGE, active_grants, can

from . import compliance
from . import selectors_meetings as selectors
from .compliance import BRANCH_KINDS
from .models import Meeting, MeetingKind

MAX_ROWS = 6


def _keeps_branches(user) -> bool:
    if user.is_superuser:
        return True
    return any(g.role in (Role.SECRETARY, Role.CLERK) for g in active_grants(user))


def missing_panel(request) -> dict | None:
    user = request.user
    if not can(user, CHANGE, Meeting) or not _keeps_branches(user):
        return None
    today = timezone.localdate()
    branches = list(selectors.meeting_orgs(user).filter(kind__in=BRANCH_KINDS)[: selectors.MAX_BRANCHES])
    rows = []
    calendar_url = reverse("partylife:index")
    for branch, calendar in selectors.branches_overview(user, today.year, today, branches):
        missing = calendar.recent_missing()
        if not missing:
            continue
        rows.append(
            {
                "branch": branch,
                "overdue": len(calendar.overdue),
                "url": f"{calendar_url}?org={branch.pk}",
                "missing": [
                    {
                        "status": c.status,
                        "label": f"{MeetingKind(c.kind).label}（{compliance.period_label(c.period, c.start)}）",
                    }
                    for c in missing
                ],
            }
        )
    if not rows:
        return None
    rows.sort(key=lambda r: -r["overdue"])
    return {"branches": rows[:MAX_ROWS], "more": max(len(rows) - MAX_ROWS, 0), "calendar_url": calendar_url}

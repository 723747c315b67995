"""工作台 panel 「待随访」: the user's own worklist (as responsible member or through their teams):
counts for 今日, 本周, 逾期, 失访 and the first five rows due, overdue first, each one tap from
its visit form. Read through ``scoped()`` (worklist.py); shown only to users who are members.
Four small queries: the member, their teams, one aggregate, the rows."""

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from xianfeng.accounts.scoping import VIEW, can
from xianfeng.servicelog.selectors import own_member

from . import worklist
from .models import Enrollment
from .views_worklist import BUCKET_LABELS, worklist_rows

PANEL_ROWS = 5


def worklist_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, Enrollment) or own_member(user) is None:
        return None
    today = timezone.localdate()
    counts = worklist.worklist_counts(user, mine=True, today=today)
    if not any(counts.values()):
        return None  # nothing due this week, overdue or lost: no panel to scroll past
    list_url = reverse("programs:worklist")
    rows = worklist_rows(
        worklist.due_soon(user, limit=PANEL_ROWS, today=today, mine=True), today=today, next_url=request.get_full_path()
    )
    return {
        "buckets": [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": f"{list_url}?{urlencode({'scope': 'mine', 'bucket': key})}",
            }
            for key, label in BUCKET_LABELS.items()
        ],
        "rows": rows,
        "list_url": f"{list_url}?scope=mine",
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("programs-worklist", order=8, template="programs/_home_worklist.html", context=worklist_panel)

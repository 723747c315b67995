"""工作台 panel 「热线危机升级」 (key ``hotline-escalations``): the open escalations the user must act
on, red until closed, with the time since each call; for a duty member, a 登记来电 button and
the calls they took today. Nothing for users without "hotline.view". Two queries: the open
escalations (one more than shown, to know there are more) and today's count."""

from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped

from . import selectors_calls
from .models import Call

PANEL_ROWS = 5


def escalations_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, Call):
        return None
    now = timezone.now()
    rows = list(selectors_calls.open_escalations_to_act_on(user)[: PANEL_ROWS + 1])
    today = timezone.localdate()
    mine_today = scoped(user, Call, VIEW).filter(taken_by__user=user, served_on=today, voided_at__isnull=True).count()
    return {
        "rows": [
            {
                "escalation": e,
                "minutes": selectors_calls.minutes_since(e.call.started_at, now),
                "overdue": e.due_at < now,
                "url": reverse("hotline:escalation_detail", args=[e.pk]),
            }
            for e in rows[:PANEL_ROWS]
        ],
        "more": len(rows) > PANEL_ROWS,
        "list_url": reverse("hotline:escalation_list") + "?status=open",
        "calls_url": reverse("hotline:call_list"),
        "new_url": reverse("hotline:call_new") if can(user, CHANGE, Call) else "",
        "today": mine_today,
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel(
        "hotline-escalations", order=5, template="hotline/_escalation_home_panel.html", context=escalations_panel
    )

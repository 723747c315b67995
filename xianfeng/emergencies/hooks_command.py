"""Registrations of the emergency, its working groups, leadership meetings and daily situation
reports: the 工作台 panel 「应急指挥」 (the running emergencies in the user's scope, whether today's
report is filed, one tap to file it)."""

from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can

from .models import Emergency

MAX_ROWS = 3


def emergency_panel(request) -> dict | None:
    """The running emergencies the user reads (two queries); not shown when there is none."""
    from . import daily_selectors
    from . import selectors_command as selectors

    user = request.user
    if not can(user, VIEW, Emergency):
        return None
    today = timezone.localdate()
    running = list(selectors.emergency_list(user=user, status=selectors.STATUS_ACTIVE, today=today)[:MAX_ROWS])
    if not running:
        return None
    reported = daily_selectors.reported_on(user=user, emergencies=running, day=today)
    changeable = set(
        selectors.emergencies_changeable(user=user).filter(pk__in=[e.pk for e in running]).values_list("pk", flat=True)
    )
    rows = [{"emergency": e, "reported_today": e.pk in reported, "can_file": e.pk in changeable} for e in running]
    return {"rows": rows, "today": today}


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("emergencies", order=5, template="emergencies/emergency_home_panel.html", context=emergency_panel)

"""工作台 panel 「民情诉求」: the needs assigned to me (or to the teams I serve in) that are still
open — overdue first, in red, then those due this week — and, for whoever may work needs over an
organization, how many needs in their scope are overdue, one tap from the filtered ledger.
Two queries at most; the panel is not shown when there is nothing to say."""

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, role_allows
from xianfeng.accounts.scoping import CHANGE, active_grants, can, scoped
from xianfeng.servicelog.selectors import own_member

from .models import OPEN_STATUSES, Need
from .selectors import mine_q, overdue_q

MAX_ROWS = 8


def my_needs(user, today: datetime.date) -> list[Need]:
    """My open needs due within a week or overdue (overdue first), then the rest by due date."""
    if own_member(user) is None:
        return []
    week = today + datetime.timedelta(days=7)
    return list(
        scoped(user, Need)
        .filter(mine_q(user), status__in=OPEN_STATUSES, voided_at__isnull=True)
        .select_related("resident", "household__head")
        .only(
            "pk",
            "title",
            "due_on",
            "status",
            "voided_at",
            "raised_on",
            "resident__name",
            "household__number",
            "household__head__name",
        )
        .annotate(
            urgency=Case(
                When(due_on__lt=today, then=Value(0)),
                When(due_on__lte=week, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "due_on", "id")[: MAX_ROWS + 1]
    )


def needs_panel(request) -> dict | None:
    user = request.user
    if not can(user, CHANGE, Need):
        return None
    today = timezone.localdate()
    rows = my_needs(user, today)
    overdue = None
    if _is_manager(user):
        overdue = scoped(user, Need, CHANGE).filter(overdue_q(today)).count()
    if not rows and not overdue:
        return None
    list_url = reverse("needs:list")
    return {
        "rows": rows[:MAX_ROWS],
        "more": len(rows) > MAX_ROWS,
        "today": today,
        "overdue": overdue,
        "overdue_url": f"{list_url}?overdue=1",
        "mine_url": f"{list_url}?assigned=me&status=active",
        "new_url": reverse("needs:new"),
    }


def _is_manager(user) -> bool:
    """Works needs over an organization or a place: a grant holding "needs.change" whose role is
    not the volunteer's (a volunteer's own assignments are in the list above)."""
    if user.is_superuser:
        return True
    return any(role_allows(g.role, "needs.change") and g.role != Role.MEMBER for g in active_grants(user))


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("needs", order=14, template="needs/need_home_panel.html", context=needs_panel)

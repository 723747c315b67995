"""工作台 panel 「本周结对联系」: the signed-in volunteer's own pairs that still owe contacts this
week (or this month, for a monthly target), each one tap from the contact form. Shown only to
members who are responsible for at least one open pair. Three small queries at most: the
pairs, and one count per kind of period."""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from xianfeng.accounts.scoping import scoped
from xianfeng.servicelog.selectors import own_member

from .compliance import PROGRAM, current_results
from .models import OPEN_STATUSES, Enrollment

MAX_ROWS = 10


def _contact_url(enrollment: Enrollment) -> str:
    """The contact form (the enrollment pages are another module's: fall back gracefully)."""
    query = urlencode({"kind": "contact", "next": reverse("core:home")})
    try:
        return f"{reverse('programs:visit_new', args=[enrollment.pk])}?{query}"
    except NoReverseMatch:
        return ""


def owed_pairs(user, *, today=None) -> list[dict]:
    """The user's own open pairs with contacts still owed in the current period, the ones
    falling behind first, then by due date."""
    member = own_member(user)
    if member is None:
        return []
    today = today or timezone.localdate()
    pairs = list(
        scoped(user, Enrollment)
        .filter(program=PROGRAM, voided_at__isnull=True, status__in=OPEN_STATUSES, responsible_member=member)
        .select_related("resident__village", "household__head", "household__village", "region")
        .order_by("next_due_on", "id")
    )
    results = current_results(user, pairs, today)
    rows = []
    for pair in pairs:
        found = results.get(pair.pk)
        now = found["now"] if found else None
        if now is None or now.owed == 0:
            continue
        rows.append({"pair": pair, "now": now, "behind": found["behind"], "url": _contact_url(pair)})
    rows.sort(key=lambda r: (not r["behind"], r["pair"].next_due_on or today, r["pair"].pk))
    return rows


def pairing_panel(request) -> dict | None:
    user = request.user
    if own_member(user) is None:
        return None
    if not _has_pairs(user):  # one query for most users, who have no pairs
        return None
    rows = owed_pairs(user)
    return {
        "rows": rows[:MAX_ROWS],
        "more": max(0, len(rows) - MAX_ROWS),
        "owed": sum(r["now"].owed for r in rows),
        "list_url": reverse("programs:pairing_list") + "?mine=1",
    }


def _has_pairs(user) -> bool:
    member = own_member(user)
    return (
        scoped(user, Enrollment)
        .filter(program=PROGRAM, voided_at__isnull=True, status__in=OPEN_STATUSES, responsible_member=member)
        .exists()
    )


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("programs-pairing", order=9, template="programs/_home_pairing.html", context=pairing_panel)

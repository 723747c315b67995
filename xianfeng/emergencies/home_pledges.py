"""工作台 panel 「请战倡议」: shown to a member while an emergency in their reach is active with its
call to serve open — the call, and a button to write their 请战书 (or their pledge's status).
Two queries; not shown to users without a member record or when no call is open."""

from django.urls import reverse

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.servicelog.selectors import own_member

from . import selectors_pledges as selectors
from .models import Pledge


def pledge_panel(request) -> dict | None:
    user = request.user
    if own_member(user) is None or not can(user, CHANGE, Pledge):
        return None
    calls = selectors.open_calls(user)
    if not calls:
        return None
    mine = {p.emergency_id: p for p in selectors.my_pledges(user).filter(emergency__in=calls)}
    rows = [
        {
            "emergency": e,
            "mine": mine.get(e.pk) if mine.get(e.pk) and mine[e.pk].status != Pledge.Status.WITHDRAWN else None,
            "new_url": f"{reverse('emergencies:pledge_new')}?emergency={e.pk}",
        }
        for e in calls
    ]
    return {"rows": rows, "mine_url": reverse("emergencies:pledge_mine")}

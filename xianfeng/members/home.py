"""工作台 panels: the party-step worklist (《发展党员工作细则》 steps) due and overdue, in one query;
and 「我的发展党员进度」, the signed-in user's own next step when they are in the pipeline themselves."""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can, scoped

from . import pipeline, selectors
from .models import Member

SOON_DAYS = 30


def worklist_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, Member):
        return None
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=SOON_DAYS)
    deadline = ~Q(next_step__in=pipeline.NOT_BEFORE_STEPS)
    counts = (
        scoped(user, Member, VIEW)
        .filter(party_stage__in=pipeline.IN_PIPELINE)
        .aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=deadline & Q(next_due_on__lt=today)),
            due_soon=Count("pk", filter=deadline & Q(next_due_on__gte=today, next_due_on__lte=soon)),
            ready=Count("pk", filter=~deadline & Q(next_due_on__lte=today)),
        )
    )
    url = reverse("members:worklist")
    return {
        **counts,
        "soon_days": SOON_DAYS,
        "url": url,
        "url_now": f"{url}?days=0",
        "url_soon": f"{url}?days={SOON_DAYS}",
    }


def own_member(user) -> Member | None:
    """The signed-in user's own Member, or None: the user's own row (DESIGN.md §3 仅本人), one
    query cached on the user object for the request, shared by every panel that asks."""
    if not user.is_authenticated:
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def progress_panel(request) -> dict | None:
    member = own_member(request.user)
    if member is None or member.party_stage not in pipeline.IN_PIPELINE:
        return None
    today = timezone.localdate()
    return {
        "stage": member.get_party_stage_display(),
        "dues": selectors.member_dues(member),
        "today": today,
        "soon": today + datetime.timedelta(days=SOON_DAYS),
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("members-worklist", order=10, template="members/_home_panel.html", context=worklist_panel)
    register_panel("members-progress", order=15, template="members/_progress_panel.html", context=progress_panel)

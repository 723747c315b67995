"""工作台 panel 「我的队伍」: the teams, 先锋岗 and 责任区 the signed-in user holds today.

Only for a user linked to a Member (``members.home.own_member``). The rows read are the user's
own (``member__user``: what a 仅本人 grant opens), shown whatever the user's grants, since a
volunteer's team may belong to another organization than their grant's; whether each team, post
or zone page opens for the user is an ``Exists`` over ``scoped()`` rows, so a link never answers
404. Two queries besides the shared Member lookup (posts and zones are one UNION).
"""

import datetime

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can, scoped
from xianfeng.members.home import own_member

from .models import Post, PostAssignment, Team, TeamMembership, Zone, ZoneAssignment
from .selectors import on_date_q

LEADING = {TeamMembership.Role.LEADER, TeamMembership.Role.DEPUTY, TeamMembership.Role.FIRST_SECRETARY}


def _opens(user, model, field: str) -> Exists:
    return Exists(scoped(user, model, VIEW).filter(pk=OuterRef(field)))


def _own(model, user):
    """The user's own rows of a membership or assignment model (never anyone else's)."""
    return model._default_manager.filter(member__user=user)


def _current_places(user, today: datetime.date) -> tuple[list[dict], list[dict]]:
    """The user's 先锋岗 and 责任区 today, in one query (a UNION of the two assignment tables)."""

    def rows(model, place: str):
        return (
            _own(model, user)
            .filter(on_date_q(today))
            .annotate(
                kind=Value(place, output_field=CharField()),
                place_id=F(f"{place}_id"),
                name=F(f"{place}__name"),
                opens=_opens(user, Post if place == "post" else Zone, f"{place}_id"),
            )
            .values_list("kind", "place_id", "name", "start_on", "opens")
            .order_by()  # the models' default ordering is not allowed inside a UNION
        )

    places = {"post": [], "zone": []}
    urls = {"post": "teams:post_detail", "zone": "teams:zone_detail"}
    union = rows(PostAssignment, "post").union(rows(ZoneAssignment, "zone"), all=True)
    for kind, place_id, name, since, opens in sorted(union, key=lambda row: (row[3], row[2])):
        url = reverse(urls[kind], args=[place_id]) if opens else ""
        places[kind].append({"name": name, "since": since, "url": url})
    return places["post"], places["zone"]


def teams_panel(request) -> dict | None:
    user = request.user
    if own_member(user) is None:
        return None
    today = timezone.localdate()
    memberships = (
        _own(TeamMembership, user)
        .filter(on_date_q(today))
        .filter(Q(team__active_to__isnull=True) | Q(team__active_to__gte=today))
        .select_related("team")
        .annotate(
            roster=Count("team__memberships", filter=on_date_q(today, "team__memberships__")),
            opens=_opens(user, Team, "team_id"),
        )
        .order_by("team__name", "pk")
    )
    teams = [
        {
            "name": ms.team.name,
            "kind": ms.team.get_kind_display(),
            "role": ms.get_role_display(),
            "since": ms.start_on,
            "roster": ms.roster if ms.role in LEADING else None,
            "url": reverse("teams:detail", args=[ms.team_id]) if ms.opens else "",
        }
        for ms in memberships
    ]
    posts, zones = _current_places(user, today)
    return {
        "teams": teams,
        "posts": posts,
        "zones": zones,
        "list_url": reverse("teams:list") if can(user, VIEW, Team) else "",
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("teams-mine", order=20, template="teams/_home_panel.html", context=teams_panel)

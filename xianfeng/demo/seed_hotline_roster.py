"""Demo duty roster (issue 12 §1) of 心理援助热线值守组: the month around today, three 8-hour
shifts a day with 2 seats each, members rotated, 孙督导 (login ``dudao``) supervising.

``rexian`` (周值守) is on duty in the shift covering now, so the calls he logs land on it; three
shifts of the coming week are left one member short (the gaps the roster page and the 工作台
flag); one swap request waits for a decision.

Through the services (ChangeLog rows, the roster's rules). Idempotent: the shifts are generated
with skipping, a shift already staffed is left as it is, the swap request is asked once.
Dates are relative to today.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.hotline import services_roster as services
from xianfeng.hotline import services_roster_swaps as swaps
from xianfeng.hotline.models import Shift, SwapRequest
from xianfeng.hotline.selectors_roster import local_now, team_members_on
from xianfeng.members.models import Member
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.selectors import on_date_q

TEAM = "心理援助热线值守组"
DAYS_BEFORE, DAYS_AFTER = 15, 15
SLOTS = [
    (datetime.time(0), datetime.time(8)),
    (datetime.time(8), datetime.time(16)),
    (datetime.time(16), datetime.time(0)),
]
SEATS = 2
# (days from today, slot start hour): left one member short
GAPS = [(2, 8), (4, 16), (6, 0)]
SWAP = (3, 8)  # 周值守 asks to hand this duty over


def _ensure_in_team(admin, team: Team, member: Member | None) -> None:
    if (
        member is None
        or TeamMembership.objects.filter(on_date_q(timezone.localdate()), team=team, member=member).exists()
    ):
        return
    team_services.membership_add(acting_user=admin, team=team, member=member, start_on=team.active_from)


def _slot(shift_day: datetime.date, hour: int, team: Team) -> Shift | None:
    return Shift.objects.filter(team=team, date=shift_day, start_time=datetime.time(hour)).first()


def _fill(admin, shift: Shift, wanted: int, rota: list[Member], turn: int) -> int:
    """Put members on ``shift`` until it has ``wanted``, taking the rota in turn and skipping
    anyone busy then; returns the next turn."""
    have = shift.assignments.count()
    tries = 0
    while have < wanted and tries < len(rota):
        member = rota[turn % len(rota)]
        turn += 1
        tries += 1
        try:
            services.assignment_add(acting_user=admin, shift=shift, member=member)
        except ValidationError:
            continue  # already on it or on duty then: the next in the rota
        have += 1
    return turn


def seed_hotline_roster(admin, orgs) -> None:
    team = Team.objects.filter(name=TEAM, kind=Team.Kind.HOTLINE).first()
    if team is None:
        return
    zhou = Member.objects.filter(user__username="rexian").first()
    sun = Member.objects.filter(user__username="dudao").first()
    _ensure_in_team(admin, team, zhou)
    _ensure_in_team(admin, team, sun)
    today = timezone.localdate()
    services.shifts_generate(
        acting_user=admin,
        team=team,
        date_from=today - datetime.timedelta(days=DAYS_BEFORE),
        date_to=today + datetime.timedelta(days=DAYS_AFTER),
        slots=SLOTS,
        seats=SEATS,
        supervisor=sun,
    )
    # 周值守 first on the shift covering now and on the one he asks to swap.
    now = local_now()
    current = _slot(now.date(), (now.hour // 8) * 8, team)
    swap_shift = _slot(today + datetime.timedelta(days=SWAP[0]), SWAP[1], team)
    for shift in (current, swap_shift):
        if zhou is not None and shift is not None and not shift.assignments.filter(member=zhou).exists():
            if shift.assignments.count() < SEATS:
                services.assignment_add(acting_user=admin, shift=shift, member=zhou)
    gaps = {(today + datetime.timedelta(days=d), datetime.time(h)) for d, h in GAPS}
    rota = [m for m in team_members_on(team, today) if m.pk not in {getattr(sun, "pk", None)}]
    shifts = Shift.objects.filter(
        team=team,
        date__gte=today - datetime.timedelta(days=DAYS_BEFORE),
        date__lte=today + datetime.timedelta(days=DAYS_AFTER),
    ).order_by("date", "start_time")
    turn = 0
    for shift in shifts:
        wanted = shift.seats - 1 if (shift.date, shift.start_time) in gaps else shift.seats
        turn = _fill(admin, shift, wanted, rota, turn)
    _ask_swap(team, zhou, swap_shift, rota)


def _ask_swap(team: Team, zhou: Member | None, shift: Shift | None, rota: list[Member]) -> None:
    if zhou is None or shift is None or zhou.user is None:
        return
    if SwapRequest.objects.filter(assignment__shift__team=team).exists():
        return
    duty = shift.assignments.filter(member=zhou).first()
    if duty is None:
        return
    for colleague in rota:
        try:
            swaps.swap_request(
                acting_user=zhou.user, assignment=duty, to_member=colleague, reason="家中老人住院，需要陪护"
            )
        except ValidationError:
            continue  # on this shift or busy then: ask the next colleague
        return

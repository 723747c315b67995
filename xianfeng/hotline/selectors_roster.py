"""Reads of the duty roster (issue 12 §1): shifts, gaps, who may stand a duty, swap requests.

Every read starts from ``scoped()`` on a roster model. The roster is its own access area
("hotlineroster"): a supervising doctor or a duty member manages or reads it without holding
"teams.view", so the teams and team members a roster page offers are reached through the
roster's own scope (a 热线值守组 whose owner organization the roster grants cover), not
through the teams area.
"""

import copy
import datetime

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from xianfeng.accounts.scoping import (
    CHANGE,
    NO_GRANT,
    VIEW,
    can,
    ensure_in_scope,
    get_scoped_or_404,
    permission_filter,
    permission_name,
    scoped,
)
from xianfeng.members.models import Member
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.selectors import on_date_q

from .models import Call, Shift, ShiftAssignment, SwapRequest

GAP_DAYS_PAGE = 14  # the roster page flags gaps this far ahead
GAP_DAYS_HOME = 7  # the home panel, for roster managers
HOME_GAPS_SHOWN = 50  # the panel counts up to this many ("50+" beyond)


# --- time -------------------------------------------------------------------------------------


def shift_window(date: datetime.date, start: datetime.time, end: datetime.time):
    """The shift's [start, end) as naive datetimes; an end at or before the start is the next day
    (16:00–24:00 is stored 16:00–00:00; 22:00–08:00 runs past midnight)."""
    begins = datetime.datetime.combine(date, start)
    ends = datetime.datetime.combine(date, end)
    if end <= start:
        ends += datetime.timedelta(days=1)
    return begins, ends


def overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def local_now() -> datetime.datetime:
    return timezone.localtime().replace(tzinfo=None)


def has_started(shift: Shift) -> bool:
    return shift_window(shift.date, shift.start_time, shift.end_time)[0] <= local_now()


def has_ended(shift: Shift) -> bool:
    return shift_window(shift.date, shift.start_time, shift.end_time)[1] <= local_now()


# --- teams and members ------------------------------------------------------------------------


def _on_team(node):
    """A roster grant's filter on Shift rewritten for Team (``team__owner_org__path`` →
    ``owner_org__path``): the roster's scope applied to the teams themselves."""
    if isinstance(node, Q):
        clone = copy.copy(node)
        clone.children = [_on_team(child) for child in node.children]
        return clone
    key, value = node
    return (key.removeprefix("team__"), value)


def roster_teams(user, action: str = VIEW) -> QuerySet:
    """The 热线值守组 whose roster the user may read (VIEW) or manage (CHANGE), by name."""
    teams = Team.objects.filter(kind=Team.Kind.HOTLINE).select_related("owner_org").order_by("name", "pk")
    if user is None or not user.is_authenticated or not user.is_active:
        return teams.none()
    if user.is_superuser:
        return teams
    q = permission_filter(user, Shift, permission_name(Shift, action))
    if q is NO_GRANT:
        # A duty member who reads only their own duty still sees the teams of their shifts.
        if action == VIEW:
            return teams.filter(pk__in=scoped(user, ShiftAssignment, VIEW).values("shift__team"))
        return teams.none()
    if q is None:
        return teams
    if action == VIEW:
        return teams.filter(_on_team(q) | Q(pk__in=scoped(user, ShiftAssignment, VIEW).values("shift__team")))
    return teams.filter(_on_team(q))


def may_manage(user, shift: Shift) -> bool:
    return scoped(user, Shift, CHANGE).filter(pk=shift.pk).exists()


def may_manage_any(user) -> bool:
    return can(user, CHANGE, Shift)


def managed(user, model, pk: int, shift_of):
    """A row the user sees (else 404) on a shift they manage (else 403). Managing is decided on
    the shift, not the row: a member reaches their own duty and their own swap requests
    (owner), which does not make them its manager."""
    obj = get_scoped_or_404(user, model, VIEW, pk=pk)
    ensure_in_scope(user, shift_of(obj), CHANGE)
    return obj


def team_members_on(team: Team, day: datetime.date) -> QuerySet:
    """Members in ``team`` on ``day`` (TeamMembership start_on/end_on, both inclusive), by name.
    Call only with a team reached through the roster's scope (a scoped shift's, roster_teams)."""
    return (
        Member.objects.filter(pk__in=TeamMembership.objects.filter(on_date_q(day), team=team).values("member"))
        .only("pk", "name", "name_initials", "user_id", "branch_id")
        .order_by("name_initials", "pk")
    )


def members_of_teams(teams) -> QuerySet:
    """Members in any of ``teams`` today (supervisor pickers of forms that choose the team too)."""
    today = timezone.localdate()
    memberships = TeamMembership.objects.filter(on_date_q(today), team__in=teams).values("member")
    return Member.objects.filter(pk__in=memberships).only("pk", "name", "name_initials").order_by("name_initials")


def member_in_team(member: Member, team: Team, day: datetime.date) -> bool:
    return TeamMembership.objects.filter(on_date_q(day), team=team, member=member).exists()


def busy_with(member: Member, window: tuple, *, exclude_shift: int | None = None) -> Shift | None:
    """A shift (any team) the member is already on that overlaps ``window``, or None. A shift
    is at most a day long, so the candidates are those of the day before, the day and the day after."""
    day = window[0].date()
    shifts = Shift.objects.filter(
        assignments__member=member,
        date__gte=day - datetime.timedelta(days=1),
        date__lte=window[1].date(),
    ).exclude(pk=exclude_shift)
    for shift in shifts:
        if overlaps(window, shift_window(shift.date, shift.start_time, shift.end_time)):
            return shift
    return None


# --- shifts -----------------------------------------------------------------------------------


def shift_list(user, *, team: Team | None = None, date_from=None, date_to=None, gaps_only: bool = False) -> QuerySet:
    """Shifts in scope with ``staffed`` (assignments) annotated, in date and time order."""
    shifts = scoped(user, Shift, VIEW).select_related("team", "supervisor").annotate(staffed=Count("assignments"))
    if team is not None:
        shifts = shifts.filter(team=team)
    if date_from is not None:
        shifts = shifts.filter(date__gte=date_from)
    if date_to is not None:
        shifts = shifts.filter(date__lte=date_to)
    if gaps_only:
        shifts = shifts.filter(staffed__lt=F("seats"))
    return shifts.order_by("date", "start_time", "pk")


def with_assignments(shifts: QuerySet) -> QuerySet:
    return shifts.prefetch_related(
        Prefetch("assignments", queryset=ShiftAssignment.objects.select_related("member").order_by("pk"))
    )


def roster_gaps(user, start: datetime.date, end: datetime.date, *, team: Team | None = None) -> QuerySet:
    """Unstaffed shifts between ``start`` and ``end`` (inclusive): fewer members than seats."""
    return shift_list(user, team=team, date_from=start, date_to=end, gaps_only=True)


def own_duties(user, start: datetime.date, end: datetime.date) -> QuerySet:
    """The signed-in member's own assignments on shifts between the two dates."""
    return (
        scoped(user, ShiftAssignment, VIEW)
        .filter(member__user=user, shift__date__gte=start, shift__date__lte=end)
        .select_related("shift__team")
        .order_by("shift__date", "shift__start_time")
    )


# --- swaps ------------------------------------------------------------------------------------


def swap_list(user, *, status: str = "") -> QuerySet:
    """Swap requests in scope, pending first, newest first within a status."""
    swaps = scoped(user, SwapRequest, VIEW).select_related(
        "assignment__shift__team", "assignment__member", "from_member", "to_member", "requested_by", "decided_by"
    )
    if status:
        swaps = swaps.filter(status=status)
    pending_first = Case(When(status=SwapRequest.Status.PENDING, then=Value(0)), default=Value(1))
    return swaps.annotate(later=pending_first).order_by("later", "-requested_at", "-pk")


def calls_on_shift(shift: Shift) -> QuerySet:
    """The live calls logged to a shift the reader reached through the roster. The roster page
    shows everyone who manages it how many there were; only holders of "hotline.view" are shown
    the calls themselves (the page lists them through ``scoped(user, Call)``)."""
    return Call.objects.filter(shift=shift, voided_at__isnull=True)

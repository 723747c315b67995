"""Volunteer hours ledgers (DESIGN.md §2: 志愿服务时长 = the sum of participation hours, travel excluded).

Hours come from two counted sources, both carrying their member, day, organization and place:

* ``RecordProvider.hours`` — a member's hours on a service record; counted while the record is
  not voided (``counted`` follows the record);
* ``ActivityParticipant.hours`` — a member's hours at an activity; counted while the activity is
  held and not voided (``counted`` follows the activity).

Every selector starts from ``scoped()`` (a reader sees the hours of facts in their scope; hours of
health-level records are hidden from roles without the health level), except a member's *own*
ledger (see ``_sources``). A period is two inclusive dates (DESIGN.md §4.9). Each ledger is one or
two grouped queries: no query per member or per row.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.orgs.selectors import name_matches
from xianfeng.teams.models import Team, TeamMembership

from .models import Activity, ActivityParticipant, RecordProvider
from .selectors import may_record_health

ZERO = Decimal("0.0")
HOURS_FIELD = DecimalField(max_digits=9, decimal_places=1)
MONTH_BARS_MAX = 24  # a longer period lists only the months that have hours


@dataclass(frozen=True)
class LedgerRow:
    served_on: datetime.date
    kind: str  # "record" or "activity"
    what: str  # the record's service type, or the activity's title
    hours: Decimal
    object_id: int  # the record's or the activity's id


@dataclass
class MemberLedger:
    member: Member
    start: datetime.date
    end: datetime.date
    rows: list[LedgerRow] = field(default_factory=list)
    record_hours: Decimal = ZERO
    activity_hours: Decimal = ZERO
    months: list[tuple[datetime.date, Decimal, int]] = field(default_factory=list)  # (month, hours, % of max)
    by_type: list[tuple[str, int, Decimal]] = field(default_factory=list)  # (label, times, hours)

    @property
    def total(self) -> Decimal:
        return self.record_hours + self.activity_hours

    def summary(self, limit: int = 6) -> str:
        """The service content for a certificate: the main kinds of service, with how often."""
        parts = [_("%(what)s %(n)d 次") % {"what": label, "n": times} for label, times, _hours in self.by_type[:limit]]
        if len(self.by_type) > limit:
            parts.append(_("等"))
        return "、".join(parts)


@dataclass(frozen=True)
class MemberHours:
    member: Member
    record_hours: Decimal
    activity_hours: Decimal

    @property
    def total(self) -> Decimal:
        return self.record_hours + self.activity_hours


@dataclass
class TeamLedger:
    team: Team
    start: datetime.date
    end: datetime.date
    rows: list[MemberHours]

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)


def is_own(user, member: Member) -> bool:
    return member.user_id is not None and user.is_authenticated and member.user_id == user.pk


def _sources(user, member: Member) -> tuple[QuerySet, QuerySet]:
    """The provider and participant rows of ``member`` that ``user`` may count."""
    if is_own(user, member):
        # A member's own ledger holds every row naming them, read by ``member__user=user``
        # rather than through scoped(): scoped() would keep only facts inside the user's grant
        # (a visit a teammate entered under another branch) and drop health-level rows, yet
        # these are the member's own hours. A volunteer never provides health services anyway
        # (they cannot record them); the type of such a row is not named to them (see member_hours).
        return (
            RecordProvider.objects.filter(member=member, member__user=user),
            ActivityParticipant.objects.filter(member=member, member__user=user),
        )
    return (
        scoped(user, RecordProvider).filter(member=member),
        scoped(user, ActivityParticipant).filter(member=member),
    )


def _counted(qs: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
    return qs.filter(counted=True, served_on__gte=start, served_on__lte=end)


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def member_hours(*, user, member: Member, start: datetime.date, end: datetime.date) -> MemberLedger:
    """One member's hours in [start, end]: total, by month, by kind of service, and every row.

    Two queries (the counted provider rows and participant rows); the sums are made from them.
    The caller has checked that ``user`` may see ``member`` (or that it is their own).
    """
    providers, participants = _sources(user, member)
    see_health = may_record_health(user)
    ledger = MemberLedger(member=member, start=start, end=end)
    types: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for row in (
        _counted(providers, start, end)
        .values_list("served_on", "hours", "record_id", "record__service_type__name", "record__health")
        .order_by()
    ):
        served_on, hours, record_id, type_name, health = row
        label = type_name if see_health or not health else _("健康服务")
        ledger.rows.append(LedgerRow(served_on, "record", label, hours, record_id))
        ledger.record_hours += hours
        types[label][0] += 1
        types[label][1] += hours
    kinds = dict(Activity.Kind.choices)
    for served_on, hours, activity_id, title, kind in (
        _counted(participants, start, end)
        .values_list("served_on", "hours", "activity_id", "activity__title", "activity__kind")
        .order_by()
    ):
        ledger.rows.append(LedgerRow(served_on, "activity", title, hours, activity_id))
        ledger.activity_hours += hours
        label = _("活动·%(kind)s") % {"kind": kinds.get(kind, kind)}
        types[label][0] += 1
        types[label][1] += hours
    ledger.rows.sort(key=lambda r: (r.served_on, r.kind, r.object_id), reverse=True)
    ledger.by_type = sorted(((label, n, h) for label, (n, h) in types.items()), key=lambda t: (-t[2], -t[1], t[0]))
    by_month: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for row in ledger.rows:
        by_month[row.served_on.replace(day=1)] += row.hours
    months = _months(start, end)
    if len(months) > MONTH_BARS_MAX:
        months = sorted(by_month)
    top = max(by_month.values(), default=ZERO)
    ledger.months = [(m, by_month[m], int(by_month[m] * 100 / top) if top else 0) for m in months]
    return ledger


def _membership_on_day(team: Team) -> Exists:
    """The row's member was in ``team`` on the row's day (memberships are inclusive date ranges)."""
    return Exists(
        TeamMembership.objects.filter(team=team, member=OuterRef("member"), start_on__lte=OuterRef("served_on")).filter(
            Q(end_on__isnull=True) | Q(end_on__gte=OuterRef("served_on"))
        )
    )


def _sums_by_member(qs: QuerySet) -> dict[int, Decimal]:
    return {row["member_id"]: row["s"] for row in qs.order_by().values("member_id").annotate(s=Sum("hours"))}


def team_hours(*, user, team: Team, start: datetime.date, end: datetime.date) -> TeamLedger:
    """Per member hours of a team in [start, end], and the team's total.

    The members are those in the team at any time of the period (TeamMembership dates). A row
    counts for the team when its record names the team (``record.team``) or its activity lists
    it (``activity.teams``), and only on days the member was in the team: a member who left in
    March brings no April hours, one who joined in June none from May. Three queries.
    """
    memberships = (
        scoped(user, TeamMembership)
        .filter(team=team, start_on__lte=end)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=start))
    )
    members = Member.objects.filter(pk__in=memberships.values("member_id")).select_related("branch")
    in_team = _membership_on_day(team)
    records = _sums_by_member(_counted(scoped(user, RecordProvider), start, end).filter(in_team, record__team=team))
    activities = _sums_by_member(
        _counted(scoped(user, ActivityParticipant), start, end).filter(in_team, activity__teams=team)
    )
    rows = [MemberHours(m, records.get(m.pk) or ZERO, activities.get(m.pk) or ZERO) for m in members]
    rows.sort(key=lambda r: (-r.total, r.member.name_initials, r.member.pk))
    return TeamLedger(team=team, start=start, end=end, rows=rows)


def _hours_subquery(qs: QuerySet) -> Coalesce:
    sums = qs.filter(member=OuterRef("pk")).order_by().values("member").annotate(s=Sum("hours")).values("s")[:1]
    return Coalesce(Subquery(sums, output_field=HOURS_FIELD), Value(ZERO), output_field=HOURS_FIELD)


SORTS = {
    "hours": ("-hours", "name_initials", "pk"),
    "-hours": ("hours", "name_initials", "pk"),
    "name": ("name_initials", "pk"),
}


def org_hours(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    org=None,
    query: str = "",
    sort: str = "hours",
) -> QuerySet:
    """Members the user may see (in ``org``'s subtree when given), each annotated with
    ``record_hours``, ``activity_hours`` and ``hours`` in [start, end] from the facts in the
    user's scope: one query (correlated sums along the member/day indexes), sortable by hours
    and paginated by the database."""
    members = scoped(user, Member).select_related("branch")
    if org is not None:
        members = members.filter(branch__path__startswith=org.path)
    if query:
        members = members.filter(name_matches(query))
    members = members.annotate(
        record_hours=_hours_subquery(_counted(scoped(user, RecordProvider), start, end)),
        activity_hours=_hours_subquery(_counted(scoped(user, ActivityParticipant), start, end)),
    ).annotate(hours=ExpressionWrapper(F("record_hours") + F("activity_hours"), output_field=HOURS_FIELD))
    return members.order_by(*SORTS.get(sort, SORTS["hours"]))


def orgs_for_ledger(*, user, limit: int = 300) -> list:
    """Organizations whose members' ledger the user may filter by (those in scope, by path)."""
    return list(scoped(user, Organization).filter(active_to__isnull=True).order_by("path")[:limit])


def teams_for_ledger(*, user, limit: int = 200) -> QuerySet:
    """Teams whose ledger the user may open: those in scope, current ones first."""
    return scoped(user, Team).order_by(F("active_to").desc(nulls_first=True), "name_initials")[:limit]


def own_teams(*, user, member: Member | None) -> QuerySet:
    """Teams the member has served in that the user may open (links to their ledgers)."""
    if member is None:
        return Team.objects.none()
    ids = scoped(user, TeamMembership).filter(member=member).values("team_id")
    return scoped(user, Team).filter(pk__in=ids).order_by("name_initials")

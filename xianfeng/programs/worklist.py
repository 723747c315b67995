"""Who is due, who is overdue, who is lost (issue 10 §7): the worklists are queries on the stored
``next_due_on`` of open, unvoided enrollments, always through ``scoped()``.

Buckets (DESIGN.md §6: one township among 1 000 000 enrollments in ≤ 50 ms): every predicate is
an equality on an indexed column plus a range on ``next_due_on``, so each filter meets its
(column, next_due_on) index in programs/models.py:

- ``today``: due today;
- ``week``: due from today to today + 6 (today counts in both);
- ``overdue``: due before today;
- ``lost``: lost to follow-up (失访), whatever the due date.

The first three hold only enrollments still followed (enrolled, active): a lost person has
their own tab and is not listed twice. Moved, deceased, exited and voided enrollments never
appear.
"""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from xianfeng.accounts.scoping import scoped
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household
from xianfeng.servicelog.selectors import current_teams, own_member

from .models import Enrollment, Status

BUCKETS = ("today", "week", "overdue", "lost")
FOLLOWED = (Status.ENROLLED, Status.ACTIVE)
WEEK_DAYS = 7  # "this week" is a rolling seven days from today, not the calendar week

# Encrypted columns decrypt on load (core/fields.py); a worklist shows names only.
_DEFERRED = (
    "resident__id_number",
    "resident__phone",
    "responsible_member__id_number",
    "responsible_member__phone",
)
# Joined: what nearly every row shows. Households and places (pairing) are rare subjects:
# prefetched, so the row query stays small enough for PostgreSQL to plan quickly (nine joins
# cost 20-40 ms of planning per query on the 1 000 000-row bench, more than running it).
_RELATED = ("resident__village", "responsible_member", "responsible_team", "org")


def _with_related(qs: QuerySet) -> QuerySet:
    """What a row shows, without decrypting ID numbers and phones nobody reads here. The
    household (and its head) is the enrollment's own subject, already within scope."""
    households = Household.objects.select_related("head", "village").defer("phone", "head__id_number", "head__phone")
    return (
        qs.select_related(*_RELATED)
        .prefetch_related(Prefetch("household", queryset=households), "region")
        .defer(*_DEFERRED)
    )


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def bucket_q(bucket: str, today: datetime.date) -> Q:
    """The predicate of one bucket (on open enrollments)."""
    if bucket == "today":
        return Q(status__in=FOLLOWED, next_due_on=today)
    if bucket == "week":
        horizon = today + datetime.timedelta(WEEK_DAYS - 1)
        return Q(status__in=FOLLOWED, next_due_on__gte=today, next_due_on__lte=horizon)
    if bucket == "overdue":
        return Q(status__in=FOLLOWED, next_due_on__lt=today)
    if bucket == "lost":
        return Q(status=Status.LOST)
    raise ValueError(f"unknown worklist bucket: {bucket!r} (one of {', '.join(BUCKETS)})")


def place_q(code: str) -> Q:
    """A region code as an equality on the enrollment's code column of that level (county 6,
    township 9, village 12 digits); any other prefix matches villages by LIKE."""
    code = (code or "").strip()
    column = {6: "county_code", 9: "township_code", 12: "village_code"}.get(len(code))
    if column:
        return Q(**{column: code})
    return Q(village_code__startswith=code)


def mine_q(user, today: datetime.date | None = None) -> Q:
    """Enrollments the user answers for: as the responsible member, or through a team they serve
    in today. Team ids are read first (one small query) so the predicate stays two indexed
    equalities instead of a join."""
    today = today or timezone.localdate()
    memo = user.__dict__.setdefault("_worklist_mine", {})  # one request asks twice (counts, rows)
    if today not in memo:
        member = own_member(user)
        if member is None:
            memo[today] = Q(pk__in=[])
        else:
            team_ids = list(current_teams(user, today).values_list("pk", flat=True))
            q = Q(responsible_member_id=member.pk)
            if team_ids:
                q |= Q(responsible_team_id__in=team_ids)
            memo[today] = q
    return memo[today]


def mine(user, today: datetime.date | None = None) -> QuerySet:
    """The user's own open, unvoided enrollments, within their scope."""
    return _open(user).filter(mine_q(user, today))


def _open(user) -> QuerySet:
    return scoped(user, Enrollment).filter(voided_at__isnull=True, status__in=(*FOLLOWED, Status.LOST))


def _filtered(
    user,
    *,
    program=None,
    member=None,
    team=None,
    org=None,
    township=None,
    mine: bool = False,
    today: datetime.date | None = None,
) -> QuerySet:
    qs = _open(user)
    if program:
        qs = qs.filter(program=program)
    if member:
        qs = qs.filter(responsible_member_id=_pk(member))
    if team:
        qs = qs.filter(responsible_team_id=_pk(team))
    if org:
        # An organization and the ones below it (a secretary's branch and its groups). The
        # subquery keeps the predicate on org_id, which the (org, next_due_on) index serves.
        if isinstance(org, Organization):
            path = org.path
        else:
            path = Subquery(Organization.objects.filter(pk=org).values("path")[:1])
        qs = qs.filter(org_id__in=Organization.objects.filter(path__startswith=path).values("pk"))
    if township:
        qs = qs.filter(place_q(township))
    if mine:
        qs = qs.filter(mine_q(user, today))
    return qs


def worklist(
    user,
    *,
    bucket: str,
    program=None,
    member=None,
    team=None,
    org=None,
    township=None,
    today: datetime.date | None = None,
    mine: bool = False,
) -> QuerySet:
    """One bucket of the worklist: scoped open enrollments, soonest due first.

    ``member``/``team``/``org`` take an object or its pk (``org`` includes the organizations
    below it); ``township`` a region code (county, township or village); ``mine`` keeps the
    user's own work (mine_q).
    """
    today = today or timezone.localdate()
    qs = _filtered(user, program=program, member=member, team=team, org=org, township=township, mine=mine, today=today)
    return _with_related(qs.filter(bucket_q(bucket, today))).order_by("next_due_on", "id")


def due_soon(user, *, limit: int = 5, today: datetime.date | None = None, mine: bool = True) -> list[Enrollment]:
    """The first ``limit`` followed enrollments due within the week, overdue first (the 工作台
    panel's rows)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(WEEK_DAYS - 1)
    qs = _filtered(user, mine=mine, today=today).filter(status__in=FOLLOWED, next_due_on__lte=horizon)
    return list(_with_related(qs).order_by("next_due_on", "id")[:limit])


def worklist_counts(
    user,
    *,
    program=None,
    member=None,
    team=None,
    org=None,
    township=None,
    today: datetime.date | None = None,
    mine: bool = False,
) -> dict[str, int]:
    """How many enrollments each bucket holds, in one aggregate query."""
    today = today or timezone.localdate()
    qs = _filtered(user, program=program, member=member, team=team, org=org, township=township, mine=mine, today=today)
    # Only rows that can fall in a bucket: due within the week, or lost.
    horizon = today + datetime.timedelta(WEEK_DAYS - 1)
    qs = qs.filter(Q(next_due_on__lte=horizon) | Q(status=Status.LOST))
    counts = qs.aggregate(**{bucket: Count("pk", filter=bucket_q(bucket, today)) for bucket in BUCKETS})
    return {bucket: counts[bucket] or 0 for bucket in BUCKETS}


def worklist_groups(
    user, *, by: str, program=None, org=None, township=None, today: datetime.date | None = None
) -> list[dict]:
    """Bucket counts per township (``by="township"``) or per responsible team (``by="team"``),
    one grouped query: the county's and the secretary's overview."""
    today = today or timezone.localdate()
    column = {"township": "township_code", "team": "responsible_team_id"}[by]
    qs = _filtered(user, program=program, org=org, township=township, today=today)
    horizon = today + datetime.timedelta(WEEK_DAYS - 1)
    qs = qs.filter(Q(next_due_on__lte=horizon) | Q(status=Status.LOST))
    if by == "team":
        qs = qs.filter(responsible_team__isnull=False)
    rows = (
        qs.order_by()
        .values(column)
        .annotate(**{bucket: Count("pk", filter=bucket_q(bucket, today)) for bucket in BUCKETS})
        .order_by(column)
    )
    return [{"key": row[column], **{b: row[b] for b in BUCKETS}} for row in rows]

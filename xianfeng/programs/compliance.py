"""Compliance of pairs (结对帮扶) with their contact frequency, per ISO week or calendar month.

A contact counts when its record is counted (not voided) and it reached the family (a call
nobody answered is an attempt, not a contact). The target of a period the pair only partly
covers (paired on a Friday) is prorated and rounded up: 2 a week over 3 days → 1.

A period is *met* when its contacts reach the target; a period that is over and short is
*missed*; the current period is *pending* while the remaining days could still make up the
target (one contact a day at most) and *missed* once they cannot. 达标率 = met ÷ (met + missed):
pending periods are left out of it, so a pair is not counted as failing a week still under way.

The pure functions come first (tests feed them dates); the selectors read through ``scoped()``
with one aggregate query over Visit grouped by enrollment and period.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped

WEEK, MONTH = "week", "month"
PERIOD_DAYS = {WEEK: 7, MONTH: 30}
MET, MISSED, PENDING = "met", "missed", "pending"
DAY = datetime.timedelta(days=1)
PROGRAM = "pairing"


# --- pure functions --------------------------------------------------------------------------


def period_bounds(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """The ISO week (Monday–Sunday) or calendar month containing ``day``, both ends inclusive."""
    if period == WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + 6 * DAY
    start = day.replace(day=1)
    following = (start + 32 * DAY).replace(day=1)
    return start, following - DAY


def periods_between(start: datetime.date, end: datetime.date, period: str) -> list[tuple[datetime.date, datetime.date]]:
    """Every period overlapping [start, end], oldest first."""
    found, day = [], start
    while day <= end:
        bounds = period_bounds(day, period)
        found.append(bounds)
        day = bounds[1] + DAY
    return found


def contacts_in(contacts, start: datetime.date, end: datetime.date) -> int:
    return sum(1 for day in contacts if start <= day <= end)


def period_target(
    target: int, bounds: tuple, *, active_from: datetime.date, active_to: datetime.date | None = None
) -> int:
    """The period's target, prorated (rounded up) to the days the pair existed in it; 0 if none."""
    start, end = bounds
    first, last = max(start, active_from), min(end, active_to or end)
    if last < first:
        return 0
    days, whole = (last - first).days + 1, (end - start).days + 1
    return target if days >= whole else math.ceil(target * days / whole)


def period_status(made: int, target: int, bounds: tuple, today: datetime.date) -> str:
    start, end = bounds
    if made >= target:
        return MET
    if end < today:
        return MISSED
    remaining = (end - max(today, start)).days + 1  # today included: a contact may still be made
    return MISSED if made + remaining < target else PENDING


@dataclass(frozen=True)
class PeriodResult:
    start: datetime.date
    end: datetime.date
    made: int
    target: int
    status: str

    @property
    def ok(self) -> bool | None:
        return {MET: True, MISSED: False}.get(self.status)

    @property
    def owed(self) -> int:
        return max(0, self.target - self.made)


def target_of(enrollment) -> tuple[int, str]:
    data = enrollment.data or {}
    return int(data.get("target_count") or 2), data.get("target_period") or WEEK


def evaluate(enrollment, bounds: tuple, made: int, today: datetime.date) -> PeriodResult | None:
    """One pair in one period; None when the pair did not exist in it."""
    count, period = target_of(enrollment)
    active_to = enrollment.ended_on if enrollment.ended_on else None
    target = period_target(count, bounds, active_from=enrollment.enrolled_on, active_to=active_to)
    if target == 0:
        return None
    return PeriodResult(bounds[0], bounds[1], made, target, period_status(made, target, bounds, today))


def falling_behind(enrollment, today: datetime.date | None = None, *, counts: dict | None = None) -> bool:
    """This period can no longer reach its target, or the last period fell short.

    ``counts``: {period start: contacts} for at least this and the last period (read from the
    database when not given, one query)."""
    today = today or timezone.localdate()
    _count, period = target_of(enrollment)
    current = period_bounds(today, period)
    previous = period_bounds(current[0] - DAY, period)
    if counts is None:
        counts = contact_counts_for(enrollment, period=period, start=previous[0], end=current[1])
    for bounds in (previous, current):
        result = evaluate(enrollment, bounds, counts.get(bounds[0], 0), today)
        if result is not None and result.status == MISSED:
            return True
    return False


# --- selectors -------------------------------------------------------------------------------


def _trunc(period: str):
    return TruncWeek("visited_on") if period == WEEK else TruncMonth("visited_on")


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def contacts_q() -> Q:
    return Q(kind="contact", counted=True, reached=True)


def period_counts(
    visits, *, period: str, start: datetime.date, end: datetime.date
) -> dict[tuple[int, datetime.date], int]:
    """{(enrollment id, period start): contacts} from a (scoped) Visit queryset: one GROUP BY."""
    rows = (
        visits.filter(contacts_q(), visited_on__gte=start, visited_on__lte=end)
        .annotate(p=_trunc(period))
        .order_by()
        .values_list("enrollment_id", "p")
        .annotate(n=Count("id"))
    )
    return {(eid, _as_date(p)): n for eid, p, n in rows}


def contact_counts_for(enrollment, *, period: str, start: datetime.date, end: datetime.date) -> dict:
    """{period start: contacts} of one enrollment (its own visits: no scope question left)."""
    days = enrollment.visits.filter(contacts_q(), visited_on__gte=start, visited_on__lte=end)
    return Counter(period_bounds(d, period)[0] for d in days.values_list("visited_on", flat=True))


def pair_queryset(user):
    from .models import Enrollment

    return (
        scoped(user, Enrollment)
        .filter(program=PROGRAM, voided_at__isnull=True)
        .select_related("resident__village", "household__head", "household__village", "region")
        .select_related("responsible_member", "responsible_team")
    )


@dataclass
class PairRow:
    enrollment: object
    cells: list  # PeriodResult or None per period of the table
    met: int = 0
    missed: int = 0


@dataclass
class ComplianceTable:
    period: str
    periods: list
    rows: list = field(default_factory=list)
    met: int = 0
    missed: int = 0

    @property
    def rate(self) -> float | None:
        judged = self.met + self.missed
        return round(100 * self.met / judged, 1) if judged else None


def compliance_table(
    user,
    *,
    period: str,
    start: datetime.date,
    end: datetime.date,
    team=None,
    member=None,
    today: datetime.date | None = None,
    pairs=None,
) -> ComplianceTable:
    """Pairs whose target is counted per ``period``, each period in [start, end]: contacts made,
    target, met/missed/pending; and the overall 达标率. Two queries: the pairs, the counts."""
    from .models import Visit

    today = today or timezone.localdate()
    periods = periods_between(start, end, period)
    first, last = periods[0][0], periods[-1][1]
    pairs = pairs if pairs is not None else pair_queryset(user)
    pairs = pairs.filter(data__target_period=period, enrolled_on__lte=last).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    )
    if team is not None:
        pairs = pairs.filter(responsible_team=team)
    if member is not None:
        pairs = pairs.filter(responsible_member=member)
    pairs = list(pairs.order_by("id"))
    visits = scoped(user, Visit).filter(enrollment_id__in=[p.pk for p in pairs])
    counts = period_counts(visits, period=period, start=first, end=last) if pairs else {}
    table = ComplianceTable(period=period, periods=periods)
    for pair in pairs:
        row = PairRow(pair, [evaluate(pair, b, counts.get((pair.pk, b[0]), 0), today) for b in periods])
        row.met = sum(1 for c in row.cells if c is not None and c.status == MET)
        row.missed = sum(1 for c in row.cells if c is not None and c.status == MISSED)
        table.rows.append(row)
        table.met += row.met
        table.missed += row.missed
    return table


def current_results(user, pairs: list, today: datetime.date) -> dict[int, dict]:
    """For a page of pairs: {pk: {"now": this period's PeriodResult, "behind": bool}}.

    At most two aggregate queries (weekly and monthly pairs), covering this and the last period."""
    from .models import Visit

    results = {}
    for period in (WEEK, MONTH):
        group = [p for p in pairs if target_of(p)[1] == period]
        if not group:
            continue
        current = period_bounds(today, period)
        previous = period_bounds(current[0] - DAY, period)
        visits = scoped(user, Visit).filter(enrollment_id__in=[p.pk for p in group])
        counts = period_counts(visits, period=period, start=previous[0], end=current[1])
        for pair in group:
            own = {b[0]: counts.get((pair.pk, b[0]), 0) for b in (previous, current)}
            now = evaluate(pair, current, own[current[0]], today)
            results[pair.pk] = {"now": now, "behind": pair.is_open and falling_behind(pair, today, counts=own)}
    return results


def compliance_figures(*, enrollments, visits, start: datetime.date, end: datetime.date) -> list:
    """The pairing program's indicators over scoped querysets: pairs, contacts and 达标率."""
    from .indicators import Figure

    today = timezone.localdate()
    pairs = list(
        enrollments.filter(program=PROGRAM, voided_at__isnull=True, enrolled_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )
    )
    met = missed = made = 0
    for period in (WEEK, MONTH):
        group = [p for p in pairs if target_of(p)[1] == period]
        if not group:
            continue
        periods = periods_between(start, end, period)
        ids = [p.pk for p in group]
        counts = period_counts(
            visits.filter(enrollment_id__in=ids), period=period, start=periods[0][0], end=periods[-1][1]
        )
        made += visits.filter(contacts_q(), enrollment_id__in=ids, visited_on__range=(start, end)).count()
        for pair in group:
            for bounds in periods:
                result = evaluate(pair, bounds, counts.get((pair.pk, bounds[0]), 0), today)
                met += result is not None and result.status == MET
                missed += result is not None and result.status == MISSED
    group = _("结对帮扶指标")
    return [
        Figure(
            "pairs",
            _("结对数"),
            len(pairs),
            _("期间内存续过的结对（对象可为居民、户或一个乡镇/村的患者；作废的不计）"),
            unit=_("对"),
            drill={"status": "open"},
            group=group,
        ),
        Figure(
            "contacts",
            _("联系人次"),
            made,
            _("期间内联系上的联系记录数（作废的记录和未联系上的不计）"),
            unit=_("人次"),
            group=group,
        ),
        Figure(
            "compliance",
            _("达标率"),
            met,
            _(
                "按约定周期（每周：周一至周日；每月：自然月）考核，联系上的次数达到约定次数的“结对·周期”数 ÷ "
                "已考核的“结对·周期”数；已考核 = 周期已结束，或本周期剩余天数已不够补足；不足一个周期的结对，"
                "约定次数按天数折算（向上取整）"
            ),
            denominator=met + missed,
            unit=_("对·周期"),
            group=group,
        ),
    ]

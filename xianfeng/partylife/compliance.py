"""What a branch's organizational life must hold, and whether it did (issue 13 §1): pure rules,
no database. The selectors (selectors_meetings.py) read the meetings and the local rules and
hand them to ``branch_calendar``.

National defaults, after 《中国共产党支部工作条例（试行）》(2018):
- 第十五条 (三会一课): 支部党员大会 一般每季度召开 1 次; 支部委员会会议 一般每月召开 1 次;
  党小组会 一般每月召开 1 次; 党课 每季度至少 1 次 (党员领导干部讲党课).
- 第十六条: 主题党日 一般每月相对固定 1 天; 组织生活会 一般每年召开 1 次; 民主评议党员
  一般每年开展 1 次; 谈心谈话 每年至少 1 次 (支部委员之间、支部委员和党员之间、党员和党员之间).

Local variations are ComplianceRule rows: for one kind of meeting, the rule of the nearest
organization at or above the branch, valid on the first day of the period, replaces the default
(a min_count of 0 means "not required"). Only branch-like organizations (党支部, 临时党支部, 党总支)
have a calendar; 党小组会 held by the branch's 党小组 count for the branch.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xianfeng.orgs.models import Organization

from .models import MeetingKind, Period

K = MeetingKind
BRANCH_KINDS = frozenset({Organization.Kind.BRANCH, Organization.Kind.TEMP_BRANCH, Organization.Kind.GENERAL_BRANCH})

# kind → (period, at least how many), 《中国共产党支部工作条例（试行）》第十五条、第十六条.
NATIONAL_DEFAULTS: dict[str, tuple[str, int]] = {
    K.BRANCH_ASSEMBLY: (Period.QUARTER, 1),
    K.COMMITTEE: (Period.MONTH, 1),
    K.GROUP: (Period.MONTH, 1),
    K.LECTURE: (Period.QUARTER, 1),
    K.THEME_DAY: (Period.MONTH, 1),
    K.ORG_LIFE: (Period.YEAR, 1),
    K.APPRAISAL: (Period.YEAR, 1),
    K.TALK: (Period.YEAR, 1),
}
NATIONAL_NOTE = "《中国共产党支部工作条例（试行）》第十五条、第十六条"
PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF_YEAR: 6, Period.YEAR: 12}

DONE, DUE, OVERDUE, FUTURE, NOT_REQUIRED = "done", "due", "overdue", "future", "not_required"


@dataclass(frozen=True)
class RuleRow:
    """A ComplianceRule as the calendar needs it: ``depth`` of its organization (deeper = nearer
    the branch)."""

    kind: str
    period: str
    min_count: int
    start_on: datetime.date
    end_on: datetime.date | None = None
    depth: int = 0
    note: str = ""
    pk: int | None = None

    def valid_on(self, day: datetime.date) -> bool:
        return self.start_on <= day and (self.end_on is None or day <= self.end_on)


@dataclass(frozen=True)
class Requirement:
    kind: str
    period: str
    min_count: int
    note: str
    rule_pk: int | None = None  # None: the national default


@dataclass
class Cell:
    kind: str
    period: str
    start: datetime.date
    end: datetime.date
    required: int
    held: int
    status: str
    note: str = ""
    rule_pk: int | None = None

    @property
    def first_month(self) -> int:
        return self.start.month

    @property
    def span(self) -> int:
        """How many months the cell covers in the grid."""
        return PERIOD_MONTHS[self.period]

    @property
    def missing(self) -> bool:
        return self.status in (DUE, OVERDUE)

    def suggested_day(self, today: datetime.date) -> datetime.date:
        """A day in the period on which a meeting may still be recorded (not after today)."""
        return min(self.end, today) if self.start <= today else self.start


@dataclass
class Calendar:
    year: int
    today: datetime.date
    cells: list[Cell] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, list[Cell]]]:
        """(kind, label, cells in order) for each kind, the kinds in the model's order."""
        out = []
        for kind, label in MeetingKind.choices:
            cells = sorted((c for c in self.cells if c.kind == kind), key=lambda c: c.start)
            out.append((kind, label, cells))
        return out

    @property
    def ended(self) -> list[Cell]:
        return [c for c in self.cells if c.required and c.end < self.today]

    @property
    def overdue(self) -> list[Cell]:
        return [c for c in self.cells if c.status == OVERDUE]

    @property
    def due(self) -> list[Cell]:
        return [c for c in self.cells if c.status == DUE]

    @property
    def compliance_rate(self) -> float | None:
        """Periods done ÷ periods ended (None before any required period has ended)."""
        ended = self.ended
        if not ended:
            return None
        return sum(1 for c in ended if c.status == DONE) / len(ended)

    def recent_missing(self) -> list[Cell]:
        """What to record now: the missing cells ending in this quarter, and last month's."""
        quarter_start = quarter_of(self.today)[0]
        last_month = add_months(month_start(self.today), -1)
        since = min(quarter_start, last_month)
        cells = [c for c in self.cells if c.missing and c.end >= since and c.start <= self.today]
        return sorted(cells, key=lambda c: (c.status != OVERDUE, c.end, c.kind))


# --- periods ----------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_bounds(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """The period of kind ``period`` containing ``day``: (first day, last day), both inclusive."""
    size = PERIOD_MONTHS[period]
    first_month = (day.month - 1) // size * size + 1
    start = datetime.date(day.year, first_month, 1)
    end = add_months(start, size) - datetime.timedelta(days=1)
    return start, end


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return period_bounds(day, Period.QUARTER)


def periods_of_year(year: int, period: str) -> list[tuple[datetime.date, datetime.date]]:
    size = PERIOD_MONTHS[period]
    return [period_bounds(datetime.date(year, month, 1), period) for month in range(1, 13, size)]


def period_label(period: str, start: datetime.date) -> str:
    values = {"y": start.year, "m": start.month, "q": (start.month - 1) // 3 + 1}
    if period == Period.MONTH:
        return _("%(y)s年%(m)s月") % values
    if period == Period.QUARTER:
        return _("%(y)s年第%(q)s季度") % values
    if period == Period.HALF_YEAR:
        return (_("%(y)s年上半年") if start.month <= 6 else _("%(y)s年下半年")) % values
    return _("%(y)s年") % values


# --- rules ------------------------------------------------------------------------------------


def requirement(kind: str, day: datetime.date, rules: Iterable[RuleRow]) -> Requirement:
    """The rule for ``kind`` on ``day``: the local rule of the nearest organization (the deepest)
    valid that day (the latest start when one organization has several), else the national default."""
    candidates = [r for r in rules if r.kind == kind and r.valid_on(day)]
    if candidates:
        rule = max(candidates, key=lambda r: (r.depth, r.start_on, r.pk or 0))
        return Requirement(kind, rule.period, rule.min_count, rule.note, rule.pk)
    period, count = NATIONAL_DEFAULTS[kind]
    return Requirement(kind, period, count, NATIONAL_NOTE)


def status_of(required: int, held: int, start: datetime.date, end: datetime.date, today: datetime.date) -> str:
    if required <= 0:
        return NOT_REQUIRED
    if held >= required:
        return DONE
    if end < today:
        return OVERDUE
    if start <= today:
        return DUE
    return FUTURE


def branch_calendar(
    *,
    year: int,
    today: datetime.date,
    held: dict[str, list[datetime.date]],
    rules: Iterable[RuleRow] = (),
    active_from: datetime.date | None = None,
    active_to: datetime.date | None = None,
) -> Calendar:
    """The calendar of one branch for ``year``.

    ``held``: kind → days of the live, valid meetings of the branch (and, for 党小组会, of its
    党小组). Each kind is cut into the periods of the rule valid on each period's first day: a
    rule moving from monthly to quarterly on 1 July gives six monthly cells, then two quarterly
    ones. Periods wholly outside the organization's life (``active_from`` .. ``active_to``) are
    left out."""
    rules = list(rules)
    calendar = Calendar(year=year, today=today)
    for kind in MeetingKind.values:
        days = sorted(held.get(kind, ()))
        for period in PERIOD_MONTHS:
            for start, end in periods_of_year(year, period):
                rule = requirement(kind, start, rules)
                if rule.period != period:
                    continue
                if (active_from and end < active_from) or (active_to and start > active_to):
                    continue
                count = sum(1 for d in days if start <= d <= end)
                calendar.cells.append(
                    Cell(
                        kind=kind,
                        period=period,
                        start=start,
                        end=end,
                        required=rule.min_count,
                        held=count,
                        status=status_of(rule.min_count, count, start, end, today),
                        note=rule.note,
                        rule_pk=rule.rule_pk,
                    )
                )
    return calendar

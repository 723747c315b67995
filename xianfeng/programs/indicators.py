"""Indicator values of programs (issue 10 §9; DESIGN.md §2 programme indicators).

Every figure is computed from scoped querysets of the facts (Enrollment, Visit, ServiceRecord)
for one period × organization subtree × region subtree, and carries its definition (口径),
with the deployment's chosen rule printed where national texts leave room.

Health programs (严重精神障碍) and aggregates: their rows need "programs.health" (DESIGN.md §3),
yet leaders read their indicators as aggregated figures. So a user without the health permission
gets counts over the scope of their grants that hold "reports.view" (统计报表) — never a row, and
no link to rows (``FigureSet.rows_visible`` is false). A volunteer (no reports.view) gets nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.roles import HEALTH
from xianfeng.accounts.scoping import NO_GRANT, VIEW, can, permission_filter, scoped
from xianfeng.servicelog.models import ServiceRecord

from .configuration import program_settings
from .models import CLOSED_STATUSES, Enrollment, Status, Visit
from .registry import Program, get_program

AGGREGATE_PERMISSION = "reports.view"


@dataclass(frozen=True)
class Figure:
    """One indicator for a period and scope, with its definition (口径) printed beside it.

    value: a count (numerator); denominator: None for a plain count; rate: numerator ÷
    denominator as a percentage, or per ``scale`` (1000: ‰ for a prevalence); None when the
    denominator is 0 or absent. note: why a rate is missing (人口数未填). drill: filters of the
    enrollment list that shows the rows behind the figure (None: no such list).
    """

    key: str
    label: str
    value: int
    definition: str
    denominator: int | None = None
    unit: str = ""
    scale: int = 100
    note: str = ""
    drill: dict | None = None
    group: str = ""

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.scale * self.value / self.denominator, 2 if self.scale > 100 else 1)

    @property
    def rate_unit(self) -> str:
        return "‰" if self.scale == 1000 else "%"


@dataclass
class FigureSet:
    """What a program's figures are computed from: the scoped rows of one period and filter."""

    user: object
    program: Program
    start: datetime.date
    end: datetime.date
    enrollments: QuerySet  # live enrollments of the program in scope and filter
    visits: QuerySet  # counted visits of those enrollments (any date)
    rows_visible: bool
    settings: dict
    org: object = None
    region: object = None
    extra: dict = field(default_factory=dict)

    @property
    def visits_in_period(self) -> QuerySet:
        return self.visits.filter(visited_on__gte=self.start, visited_on__lte=self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def records(self, service_types) -> QuerySet:
        """Live service records of these types in the period, within the same scope and filter."""
        qs = ServiceRecord.objects.live().filter(
            service_type__code__in=service_types, served_on__gte=self.start, served_on__lte=self.end
        )
        qs = _aggregate_scoped(self.user, qs, ServiceRecord, self.program.health)
        if self.org is not None:
            qs = qs.filter(org__path__startswith=self.org.path)
        if self.region is not None:
            qs = qs.filter(region_q(self.region.code))
        return qs


def region_q(code: str, prefix: str = "") -> Q:
    """Rows in the region ``code`` (and below), as equalities on the per-level code columns."""
    column = {6: "county_code", 9: "township_code", 12: "village_code"}.get(len(code))
    if column:
        return Q(**{f"{prefix}{column}": code})
    return Q(**{f"{prefix}county_code__startswith": code})


def _aggregate_scoped(user, qs: QuerySet, model, health: bool) -> QuerySet:
    """The rows counted for ``user``: their scoped rows, or for a health program read by a user
    without the area's health permission, the rows their "reports.view" grants reach (counts only)."""
    if not health or can(user, HEALTH, model):
        return scoped(user, qs, VIEW)
    if user is None or not user.is_authenticated:
        return qs.none()
    reach = permission_filter(user, model, AGGREGATE_PERMISSION)
    if reach is NO_GRANT:
        return qs.none()
    return qs if reach is None else qs.filter(reach)


def may_read_figures(user, program: Program) -> bool:
    """Whether the indicators page offers this program's figures to ``user``."""
    if not can(user, VIEW, Enrollment):
        return False
    if not program.health or can(user, HEALTH, Enrollment):
        return True
    return permission_filter(user, Enrollment, AGGREGATE_PERMISSION) is not NO_GRANT


def rows_visible(user, program: Program) -> bool:
    """Whether figures may link to the rows behind them (the user can see the program's rows)."""
    return not program.health or can(user, HEALTH, Enrollment)


def enrollments_for_figures(user, program: Program, *, org=None, region=None) -> QuerySet:
    """Live enrollments of ``program`` the figures count for ``user`` (see the module's note)."""
    qs = Enrollment.objects.live().filter(program=program.code)
    qs = _aggregate_scoped(user, qs, Enrollment, program.health)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if region is not None:
        qs = qs.filter(region_q(region.code))
    return qs


def figure_set(user, program_code: str, *, start, end, org=None, region=None) -> FigureSet:
    program = get_program(program_code)
    enrollments = enrollments_for_figures(user, program, org=org, region=region)
    visits = Visit.objects.filter(counted=True, enrollment__in=enrollments)
    return FigureSet(
        user=user,
        program=program,
        start=start,
        end=end,
        enrollments=enrollments,
        visits=visits,
        rows_visible=rows_visible(user, program),
        settings=program_settings(program.code),
        org=org,
        region=region,
    )


def program_figures(user, program_code: str, *, start, end, org=None, region=None) -> list[Figure]:
    """The figures of one program for the period [start, end] (inclusive) in the user's scope,
    narrowed to an organization subtree and a region; [] when the user may not read them."""
    program = get_program(program_code)
    if not may_read_figures(user, program):
        return []
    fs = figure_set(user, program_code, start=start, end=end, org=org, region=region)
    return specific_figures(fs) + generic_figures(fs)  # the program's own first: 在册, 管理率…


def specific_figures(fs: FigureSet) -> list[Figure]:
    """The program's own indicators: its ``indicators()`` hook, else the ones computed here."""
    from . import indicators_other, indicators_smd

    if fs.program.code == "smd":
        return indicators_smd.smd_figures(fs)
    if fs.program.code == "smd_screening":
        return indicators_smd.screening_figures(fs)
    own = fs.program.indicators(
        enrollments=fs.enrollments, visits=fs.visits, start=fs.start, end=fs.end, settings=fs.settings
    )
    return list(own) or indicators_other.figures(fs)


# --- figures every program has -----------------------------------------------------------------


def open_at(enrollments: QuerySet, day: datetime.date) -> QuerySet:
    """Enrollments followed on ``day``: enrolled by then and not closed (moved, deceased, exited) by then."""
    return enrollments.filter(enrolled_on__lte=day).exclude(status__in=CLOSED_STATUSES, ended_on__lte=day)


def generic_figures(fs: FigureSet) -> list[Figure]:
    group = _("项目概况")
    today = timezone.localdate()
    due_by = min(fs.end, today)
    closed = fs.enrollments.filter(status__in=CLOSED_STATUSES, ended_on__gte=fs.start, ended_on__lte=fs.end)
    return [
        Figure(
            "open",
            _("在管"),
            open_at(fs.enrollments, fs.end).count(),
            _("期末仍在项目中的对象数：纳入日期不晚于期末，且期末前未迁出、死亡或结案（含失访者）"),
            unit=_("人"),
            drill={"status": "open"},
            group=group,
        ),
        Figure(
            "new",
            _("新纳入"),
            fs.enrollments.filter(enrolled_on__gte=fs.start, enrolled_on__lte=fs.end).count(),
            _("纳入日期在期间内的对象数（作废的登记不计）"),
            unit=_("人"),
            group=group,
        ),
        Figure(
            "closed",
            _("结案"),
            closed.count(),
            _("期间内迁出、死亡或结案的对象数"),
            unit=_("人"),
            group=group,
        ),
        Figure(
            "visits",
            _("随访人次"),
            fs.visits_in_period.count(),
            _("期间内登记的随访（含未见到本人的）记录数；作废的服务记录不计"),
            unit=_("人次"),
            group=group,
        ),
        Figure(
            "overdue",
            _("逾期（当前）"),
            fs.enrollments.filter(status__in=(Status.ENROLLED, Status.ACTIVE), next_due_on__lt=due_by).count(),
            _("目前仍在管、下次随访日期早于期末（期末晚于今天时按今天）的对象数"),
            unit=_("人"),
            drill={"status": "overdue"},
            group=group,
        ),
        Figure(
            "lost",
            _("失访（当前）"),
            fs.enrollments.filter(status=Status.LOST).count(),
            _("目前状态为失访（连续多次未见到本人）的对象数"),
            unit=_("人"),
            drill={"status": "lost"},
            group=group,
        ),
    ]


__all__ = [
    "Figure",
    "FigureSet",
    "enrollments_for_figures",
    "figure_set",
    "may_read_figures",
    "open_at",
    "program_figures",
    "region_q",
]

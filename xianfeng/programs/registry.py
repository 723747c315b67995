"""Programs are defined in code and registered here (DESIGN.md §1, §4.11; issue 10).

A program says who may be enrolled, what an enrollment and a visit record hold, how the
enrollment's state and its next due date follow from its visit history, which of its numbers
may be changed by a deployment without code (settings) and which indicators it reports.
Storage is generic: ``Enrollment`` rows, and visits that are service records (``Visit`` links
one to its enrollment). Rules are plain functions of dates and dicts, like members/pipeline.py:
nothing here touches the database.

A deployment's own interval programs (custom.py) are registered from CustomProgram rows.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .fields import clean_fields


class Subject:
    RESIDENT = "resident"
    HOUSEHOLD = "household"
    REGION = "region"  # a whole township's (or village's) patients: pairing


@dataclass(frozen=True)
class SettingSpec:
    """A number or rule a deployment may change without code (audited; recomputes)."""

    key: str
    label: str
    default: Any
    kind: str = "integer"  # integer | choice
    min: int | None = 0
    max: int | None = 3650
    choices: tuple = ()
    help: str = ""
    # Whether a change moves due dates (recompute every open enrollment) or only indicators.
    affects_due: bool = True

    def as_field(self) -> dict:
        spec = {"key": self.key, "label": self.label, "kind": self.kind, "required": True}
        if self.kind == "integer":
            spec.update(min=self.min, max=self.max)
        if self.choices:
            spec["choices"] = [list(c) for c in self.choices]
        return spec


@dataclass(frozen=True)
class VisitFact:
    """What a rule sees of one counted visit."""

    on: datetime.date
    kind: str
    reached: bool = True
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    """What a rule derives from an enrollment's history; stored on the enrollment."""

    state: str = ""
    next_due_on: datetime.date | None = None
    misses: int = 0  # consecutive visits that did not reach the person
    lost: bool = False  # lost to follow-up


@dataclass(frozen=True)
class VisitKind:
    code: str
    label: str
    service_types: tuple[str, ...]  # service type codes a visit of this kind is recorded as
    fields: tuple = ()  # typed fields (fields.py) of this kind's form


class Program:
    """Subclass, fill the class attributes, override the rules, decorate with ``@register``."""

    code: ClassVar[str]
    name: ClassVar[str]
    # What may be enrolled: residents, households, places (Subject), first is the default.
    subjects: ClassVar[tuple[str, ...]] = (Subject.RESIDENT,)
    health: ClassVar[bool] = False  # enrollments and visits are health data (DESIGN.md §3)
    # A consent kind (residents.Consent.Kind) the resident must have given before enrollment.
    consent_kind: ClassVar[str | None] = None
    enrollment_fields: ClassVar[tuple] = ()
    visit_kinds: ClassVar[tuple[VisitKind, ...]] = ()
    states: ClassVar[tuple[tuple[str, str], ...]] = ()  # program-specific state codes and labels
    settings: ClassVar[tuple[SettingSpec, ...]] = ()
    # A responsible member or team must be named (a pair is a person or team paired with someone).
    requires_responsible: ClassVar[bool] = False
    # The regulation the rules follow, printed on the program's pages.
    basis: ClassVar[str] = ""
    sort_order: ClassVar[int] = 100

    # --- who may be enrolled and what an enrollment holds -----------------------------------

    def ineligible_reason(self, subject, on: datetime.date, settings: dict) -> str | None:
        """Why ``subject`` (a Resident, Household or Region) may not be enrolled on ``on``."""
        return None

    def clean_enrollment(self, data: dict | None, *, subject, enrolled_on: datetime.date, settings: dict) -> dict:
        return clean_fields(list(self.enrollment_fields), data)

    # --- visits -----------------------------------------------------------------------------

    def visit_kind(self, code: str) -> VisitKind:
        for kind in self.visit_kinds:
            if kind.code == code:
                return kind
        known = "、".join(str(k.label) for k in self.visit_kinds)
        raise ValidationError({"kind": _("该项目没有这种记录：%(k)s（可选：%(o)s）") % {"k": code, "o": known}})

    def clean_visit(
        self, data: dict | None, *, kind: str, enrollment, visited_on: datetime.date, settings: dict
    ) -> dict:
        """The visit's structured data, validated; errors keyed by field."""
        return clean_fields(list(self.visit_kind(kind).fields), data)

    def clean_visit_type(self, data: dict, *, kind: str, service_type: str) -> dict:
        """Checks that depend on the service type a visit is recorded as (a joint follow-up
        names its police or committee participants); after ``clean_visit``."""
        return data

    def default_service_type(self, enrollment, kind: str) -> str:
        """The service type a visit of ``kind`` is recorded as when none is chosen: the kind's
        first, unless the program knows better for this enrollment (a pair with a household)."""
        return self.visit_kind(kind).service_types[0]

    def visit_reached(self, kind: str, data: dict) -> bool:
        """Whether this visit saw the person (a missed attempt counts towards 失访)."""
        return data.get("reached", True) is not False

    # --- the rule ---------------------------------------------------------------------------

    def derive(
        self,
        *,
        enrolled_on: datetime.date,
        data: dict,
        visits: list[VisitFact],
        settings: dict,
        periods: tuple = (),
    ) -> Derived:
        """State and next due date from the counted visits (oldest first). ``periods`` are the
        enrollment's (kind, start_on, end_on or None) periods in hospital or away."""
        raise NotImplementedError

    def state_label(self, state: str) -> str:
        return str(dict(self.states).get(state, state))

    # --- indicators -------------------------------------------------------------------------

    def indicators(self, *, enrollments, visits, start: datetime.date, end: datetime.date, settings: dict) -> list:
        """Indicator values (indicators.Figure) over scoped querysets for the period."""
        return []

    # --- settings ---------------------------------------------------------------------------

    def setting_spec(self, key: str) -> SettingSpec:
        for spec in self.settings:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def defaults(self) -> dict:
        return {spec.key: spec.default for spec in self.settings}


_registry: dict[str, Program] = {}


def register(program_class: type[Program]) -> type[Program]:
    _registry[program_class.code] = program_class()
    return program_class


def register_instance(program: Program) -> Program:
    """Register a program built at run time (a deployment's custom interval program)."""
    _registry[program.code] = program
    return program


def unregister(code: str) -> None:
    _registry.pop(code, None)


# Programs built from database rows (custom.py) are loaded lazily, because AppConfig.ready()
# must not query the database: the loader is called with the code asked for (or None before
# the whole list is read) and registers or refreshes what the rows say.
_loader = None


def set_loader(loader) -> None:
    global _loader
    _loader = loader


def registered_codes() -> list[str]:
    return list(_registry)


def peek(code: str) -> Program | None:
    """The registered program, without asking the loader (for the loader itself)."""
    return _registry.get(code)


def get_program(code: str) -> Program:
    if _loader is not None:
        _loader(code)
    try:
        return _registry[code]
    except KeyError:
        raise ValidationError({"program": _("没有这个项目：%(c)s") % {"c": code}}) from None


def all_programs() -> Iterable[Program]:
    if _loader is not None:
        _loader(None)
    return sorted(_registry.values(), key=lambda p: (p.sort_order, p.code))


def program_choices() -> list[tuple[str, str]]:
    return [(p.code, str(p.name)) for p in all_programs()]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clipped to the month's end (3 months after 30 Nov: 28 Feb)."""
    import calendar

    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

"""A deployment's own interval programs (issue 10 §6), configured by an administrator without
code: 孕产妇心理随访, 留守儿童探访… Each CustomProgram row becomes a ``CustomIntervalProgram``
registered as ``custom_<code>``: who may be enrolled (residents carrying one of the eligible tags;
none listed: anyone), a visit every ``interval_days`` days, a few typed visit fields, and the
service type its visits are recorded as.

The rows are read lazily (``sync``, installed as the registry's loader): AppConfig.ready() must
not query the database, and every web process learns of another process's change at its next
request (a stamp of the rows is compared once per request, or every ``RECHECK_SECONDS`` outside
requests). Deactivated programs stay registered, so their enrollments and visits stay readable;
they take no new enrollment.
"""

import datetime
import time

from django.core.signals import request_started
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry
from .fields import clean_fields
from .interval import IntervalRule, derive_interval
from .registry import Derived, Program, Subject, VisitKind

PREFIX = "custom_"
RECHECK_SECONDS = 30
# A follow-up that did not reach the person counts towards 失访 (three in a row), as in every
# other interval program; administrators need not define it.
REACHED_FIELD = {"key": "reached", "label": gettext_lazy("见到本人"), "kind": "boolean"}


def program_code(row_code: str) -> str:
    return PREFIX + row_code


class CustomIntervalProgram(Program):
    """One CustomProgram row as a program (instance attributes shadow the class attributes)."""

    sort_order = 200

    def __init__(self, row):
        self.row_id = row.pk
        self.stamp = (row.pk, row.updated_at)
        self.code = program_code(row.code)
        self.active = row.active
        self.name = row.name if row.active else _("%(n)s（已停用）") % {"n": row.name}
        self.health = row.health
        self.subjects = (Subject.RESIDENT,)
        self.eligible_tags = tuple(row.eligible_tags or ())
        self.interval_days = row.interval_days
        fields = list(row.visit_fields or [])
        if not any(f["key"] == "reached" for f in fields):
            fields.insert(0, REACHED_FIELD)
        self.visit_kinds = (VisitKind("visit", gettext_lazy("随访"), (row.service_type.code,), tuple(fields)),)
        self.settings = ()
        self.basis = _("自定义随访项目：每 %(n)d 天随访一次") % {"n": row.interval_days}

    def ineligible_reason(self, subject, on: datetime.date, settings: dict) -> str | None:
        if not self.active:
            return _("“%(p)s”已停用，不能再纳入") % {"p": self.name}
        if not self.eligible_tags:
            return None
        from xianfeng.residents.models import ResidentTagKind, is_elderly

        if ResidentTagKind.ELDERLY in self.eligible_tags and is_elderly(subject.birth_date, on):
            return None
        for tag in subject.tags.filter(tag__in=self.eligible_tags):
            if tag.is_active_on(on):
                return None
        labels = dict(ResidentTagKind.choices)
        wanted = "、".join(str(labels.get(t, t)) for t in self.eligible_tags)
        return _("%(n)s 不属于“%(p)s”的适用人群（%(t)s）") % {"n": subject.name, "p": self.name, "t": wanted}

    def clean_visit(self, data, *, kind, enrollment, visited_on, settings) -> dict:
        return clean_fields(list(self.visit_kind(kind).fields), data)

    def derive(self, *, enrolled_on, data, visits, settings, periods=()) -> Derived:
        return derive_interval(IntervalRule(self.interval_days), enrolled_on=enrolled_on, visits=visits)


# --- loading the rows into the registry ------------------------------------------------------

_state = {"checked_at": None, "table": False}


def _stale(**_kwargs) -> None:
    _state["checked_at"] = None


request_started.connect(_stale, dispatch_uid="programs.custom.stale")


def _table_exists() -> bool:
    # Before the first migration (or while it runs) there is no table: no custom programs yet.
    if not _state["table"]:
        from .models import CustomProgram

        try:
            _state["table"] = CustomProgram._meta.db_table in connection.introspection.table_names()
        except RuntimeError:  # no database access allowed here (a test without the database)
            return False
    return _state["table"]


def sync(code: str | None = None) -> None:
    """Bring the registry's custom programs in line with the rows. ``code``: the program asked
    for (a shipped program's code returns at once); None: the whole list is about to be read."""
    if code is not None and not code.startswith(PREFIX):
        return
    checked = _state["checked_at"]
    fresh = checked is not None and time.monotonic() - checked < RECHECK_SECONDS
    if code is not None and fresh and code in registry.registered_codes():
        return
    if not _table_exists():
        return
    from .models import CustomProgram

    rows = {program_code(row.code): row for row in CustomProgram.objects.select_related("service_type")}
    for known in [c for c in registry.registered_codes() if c.startswith(PREFIX)]:
        if known not in rows:
            registry.unregister(known)
    for program_code_, row in rows.items():
        current = registry.peek(program_code_)
        if getattr(current, "stamp", None) != (row.pk, row.updated_at):
            registry.register_instance(CustomIntervalProgram(row))
    _state["checked_at"] = time.monotonic()


def reload(row) -> None:
    """After a change made in this process: the row's program is replaced at once."""
    registry.register_instance(CustomIntervalProgram(row))


registry.set_loader(sync)

"""The narrative report (issue 11 §4): a work-summary draft in the seed articles' style, written
from an administrator's template (placeholders.py) with the figures of one filter.

The figures are ``metrics.metrics_for(user, flt)`` — the dashboard's numbers, whatever prints
them — and each figure the text uses goes to the appendix with its exact value, its definition
(口径) and the number of rows behind it (drill.figure_rows), so a reader can check "30余万人次"
against 301,234 and against the records.

An empty period does not print zeros as achievements: the report is one sentence saying there
is nothing to report (``Narrative.empty``).
"""

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.servicelog.models import ServiceType, Unit

from . import placeholders as ph
from .definitions import METRICS
from .drill import DRILLABLE, figure_rows
from .facts import facts_for
from .filters import ReportFilter
from .metrics import is_empty, metrics_for
from .reach import reach_of


class Rate(NamedTuple):
    numerator: int
    denominator: int | None
    rate: float | None
    unit: str = "%"

    def __str__(self) -> str:
        if not self.denominator:
            return _("%(rate)s（分母为 0，无法计算）") % {"rate": ph.DASH}
        return f"{ph.rate_text(self.rate, self.unit)}（{self.numerator:,} ÷ {self.denominator:,}）"


class NarrativeFigure(NamedTuple):
    """One figure the text prints: (key, label, printed text, exact value, 口径, rows behind it)."""

    key: str
    label: str
    printed: str
    exact: object  # int | Decimal | Rate | None (not readable / not in this filter)
    definition: str
    record_count: int | None

    @property
    def exact_text(self) -> str:
        if isinstance(self.exact, Rate):
            return str(self.exact)
        return ph.exact_text(self.exact)


@dataclass
class Narrative:
    title: str
    paragraphs: list[str]
    figures: list[NarrativeFigure]
    empty: bool
    description: str = ""  # the filter as a reader reads it (flt.describe())
    metrics: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs])


def period_text(flt: ReportFilter) -> str:
    """2026年1月1日至3月31日 (the year once when both ends share it)."""

    def day(d: datetime.date, year: bool = True) -> str:
        return (f"{d.year}年" if year else "") + f"{d.month}月{d.day}日"

    if flt.start == flt.end:
        return day(flt.start)
    return _("%(start)s至%(end)s") % {"start": day(flt.start), "end": day(flt.end, flt.end.year != flt.start.year)}


def empty_message(flt: ReportFilter) -> str:
    return _("所选期间（%(period)s）在所选范围内没有服务记录，无法生成报告。请调整期间或筛选条件后再试。") % {
        "period": period_text(flt)
    }


class _Nobody:
    """A reader with no grant at all (figure names only; every count is over no rows)."""

    pk = None
    is_superuser = is_authenticated = is_active = False
    _active_grants: list = []


def program_figure_defs(code: str) -> dict:
    """{API key: Figure} of a program with its labels and definitions as configured, computed
    over no rows (cheap, and the same whoever asks: whether a name exists is not a permission)."""
    from xianfeng.programs.configuration import program_settings
    from xianfeng.programs.indicators import FigureSet, generic_figures, specific_figures
    from xianfeng.programs.models import Enrollment, Visit
    from xianfeng.programs.registry import get_program

    from .definitions import SMD_KEYS

    today = timezone.localdate()
    fs = FigureSet(
        user=_Nobody(),
        program=get_program(code),
        start=today,
        end=today,
        enrollments=Enrollment.objects.none(),
        visits=Visit.objects.none(),
        rows_visible=False,
        settings=program_settings(code),
    )
    names = SMD_KEYS if code == "smd" else {}
    return {names.get(f.key, f.key): f for f in specific_figures(fs) + generic_figures(fs)}


def catalog() -> ph.Catalog:
    """What templates may name (service types and programs as installed)."""
    from xianfeng.programs.registry import all_programs

    types = dict(ServiceType.objects.order_by("sort_order", "code").values_list("code", "name"))
    programs = {p.code: str(p.name) for p in all_programs()}
    return ph.Catalog(
        types=types, programs=programs, units=tuple(Unit.values), load_program_figures=program_figure_defs
    )


def check_template(title: str, body: str) -> dict[str, list[str]]:
    """{field: errors} for a template about to be saved (services_templates, the editor form)."""
    return ph.check_template(title, body, catalog())


class _Writer:
    """Evaluates placeholders against one filter's metrics and remembers what it printed."""

    def __init__(self, flt: ReportFilter, metrics: dict, cat: ph.Catalog):
        self.flt, self.metrics, self.catalog = flt, metrics, cat
        self.used: dict[str, dict] = {}

    def text(self, template_text: str) -> str:
        out = []
        for part in ph.tokens(template_text):
            out.append(self.value(ph.parse_spec(part[0], self.catalog)) if isinstance(part, tuple) else part)
        return "".join(out)

    def _note(self, key, label, printed, exact, definition, source) -> None:
        entry = self.used.setdefault(
            key, {"label": str(label), "printed": [], "exact": exact, "definition": str(definition), "source": source}
        )
        if printed not in entry["printed"]:
            entry["printed"].append(printed)

    @staticmethod
    def _number(value, spec: ph.Spec) -> str:
        return ph.approx(value).text if spec.approx else ph.exact_text(value)

    def value(self, spec: ph.Spec) -> str:
        if spec.kind == ph.PERIOD:
            return period_text(self.flt)
        if spec.kind == ph.SCOPE:
            return self.flt.describe()
        if spec.kind == ph.METRIC:
            key = spec.args[0]
            printed = self._number(self.metrics[key], spec)
            m = METRICS[key]
            self._note(key, m.label, printed, self.metrics[key], m.definition, ("metric", key))
            return printed
        if spec.kind == ph.RATE:
            return self._rate(spec.args[0])
        if spec.kind == ph.TYPE:
            code, key = spec.args
            return self._type(code, key, spec)
        if spec.kind == ph.QUANTITY:
            unit = spec.args[0]
            value = self.metrics["quantity"].get(unit, Decimal(0))
            printed = self._number(value, spec)
            label = _("服务数量（%(unit)s）") % {"unit": unit}
            self._note(f"quantity:{unit}", label, printed, value, METRICS["quantity"].definition, ("quantity", unit))
            return printed
        if spec.kind == ph.PROGRAM:
            return self._program(spec)
        if spec.kind == ph.TOP_TYPES:
            return self._top_types(spec)
        raise ph.PlaceholderError([ph.unknown_message(spec.raw, self.catalog)])

    def _rate(self, which: str) -> str:
        numerator = self.metrics[f"{which}_covered_in_scope"]
        denominator = self.metrics[f"{which}_in_scope"]
        rate = round(100 * numerator / denominator, 1) if denominator else None
        exact = Rate(numerator, denominator, rate)
        printed = ph.rate_text(rate)
        covered = f"{which}_covered"
        label = _("乡镇覆盖率") if which == "townships" else _("村（社区）覆盖率")
        definition = _("统计范围内被覆盖的%(what)s数 ÷ 范围内%(what)s数。覆盖的口径：%(d)s") % {
            "what": _("乡镇") if which == "townships" else _("村（社区）"),
            "d": METRICS[covered].definition,
        }
        self._note(f"{which}_coverage", label, printed, exact, definition, ("metric", covered))
        return printed

    def _type(self, code: str, key: str, spec: ph.Spec) -> str:
        row = self.metrics["by_type"].get(code, {})
        value = row.get(key, 0)
        printed = self._number(value, spec)
        m = METRICS[key]
        label = f"{m.label}（{self.catalog.types.get(code, code)}）"
        definition = _("%(d)s；仅计该服务类型（多类型的活动计入其每一类型）") % {"d": m.definition}
        self._note(f"type:{code}:{key}", label, printed, value, definition, ("type", code, key))
        return printed

    def _top_types(self, spec: ph.Spec) -> str:
        rows = [(code, row["person_times"]) for code, row in self.metrics["by_type"].items() if row["person_times"]]
        rows.sort(key=lambda item: (-item[1], item[0]))
        parts = []
        for code, _n in rows[: spec.args[0]]:
            printed = self._type(code, "person_times", spec)
            parts.append(_("%(name)s%(n)s人次") % {"name": self.catalog.types.get(code, code), "n": printed})
        return "、".join(parts) if parts else ph.DASH

    def _program(self, spec: ph.Spec) -> str:
        code, api_key = spec.args
        figure = self.catalog.figures_of(code)[api_key]
        label = f"{figure.label}（{self.catalog.programs[code]}）"
        entry = self.metrics.get("programs", {}).get(code)
        value = entry.get(api_key) if entry is not None else None
        definition = str(figure.definition)
        if value is None:
            definition = _("本次筛选或您的权限不含该项目的统计。") + definition
            exact, printed = None, ph.DASH
        elif isinstance(value, dict):
            rate = Rate(value["numerator"], value["denominator"], value["rate"], figure.rate_unit)
            if spec.part:
                exact = value[spec.part]
                printed = self._number(exact, spec) if exact is not None else ph.DASH
                label = f"{label}·{_('分子') if spec.part == 'numerator' else _('分母')}"
            else:
                exact, printed = rate, ph.rate_text(value["rate"], figure.rate_unit)
        else:
            exact, printed = value, self._number(value, spec)
        key = f"program:{code}:{api_key}" + (f":{spec.part}" if spec.part else "")
        self._note(key, label, printed, exact, definition, ("program", code, api_key))
        return printed


def _counter(user, flt: ReportFilter):
    """record_count(source) -> rows behind a figure (drill.figure_rows, summed over kinds)."""
    reach = reach_of(user)
    cache: dict = {}

    def facts_of(code: str | None):
        if code not in cache:
            sub = flt
            if code is not None:
                sub = dataclasses.replace(flt, service_type=ServiceType.objects.filter(code=code).first())
            cache[code] = facts_for(sub, reach)
        return cache[code]

    def rows(facts, key) -> int:
        return sum(qs.count() for qs in figure_rows(facts, key).values())

    def count(source, exact) -> int | None:
        kind = source[0]
        if kind == "metric":
            return rows(facts_of(None), source[1]) if source[1] in DRILLABLE else exact
        if kind == "type":
            if flt.service_type is not None and flt.service_type.code != source[1]:
                return 0  # another type than the filter's: nothing behind it
            return rows(facts_of(source[1]), source[2])
        if kind == "quantity":
            facts = facts_of(None)
            return (
                facts.records.filter(service_type__unit=source[1]).count()
                + facts.quantities.filter(unit=source[1]).count()
            )
        if kind == "program":  # the people counted (a rate: its numerator)
            if isinstance(exact, Rate):
                return exact.numerator
            return exact if isinstance(exact, int) else None
        return None

    return count


def render_narrative(user, flt: ReportFilter, template) -> Narrative:
    """The report ``template`` writes for ``flt`` as ``user`` reads it; PlaceholderError (with
    every message) when the template names something that does not exist or personal data."""
    cat = catalog()
    errors = [*ph.check_text(template.title, cat), *ph.check_text(template.body, cat)]
    if errors:
        raise ph.PlaceholderError(errors)
    metrics = metrics_for(user, flt)
    writer = _Writer(flt, metrics, cat)
    title = writer.text(template.title)
    if is_empty(metrics):
        return Narrative(title, [empty_message(flt)], [], True, flt.describe(), metrics)
    paragraphs = [writer.text(line.strip()) for line in template.body.splitlines() if line.strip()]
    count = _counter(user, flt)
    figures = [
        NarrativeFigure(
            key,
            entry["label"],
            " / ".join(entry["printed"]),
            entry["exact"],
            entry["definition"],
            count(entry["source"], entry["exact"]),
        )
        for key, entry in writer.used.items()
    ]
    return Narrative(title, paragraphs, figures, False, flt.describe(), metrics)

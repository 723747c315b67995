"""疑似严重精神障碍筛查: the path from a suspected case to a registered patient (code
"smd_screening").

工作规范 第三章 患者发现、诊断与登记: a person suspected in screening (村医、网格员摸排, 《精神行为
异常识别清单》) is referred to a psychiatric hospital for diagnosis (转诊); a confirmed case is
registered for management with informed consent (then followed in the "smd" program), an excluded
one leaves the path. Every step is a service record, so screening person-times (smd_screening),
escorted referrals (referral_escort) and new diagnoses (new_diagnosis) are all counted.

States: suspected → referred → diagnosed → registered, or excluded (and "negative" when the
screening itself was negative). "registered" and "excluded" are the outcome stored on the
enrollment when it is closed (smd/services.py); the others follow from the latest record.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..fields import clean_fields
from ..registry import Derived, Program, SettingSpec, Subject, VisitFact, VisitKind, register
from . import diagnoses

CODE = "smd_screening"
SCREENING, REFERRAL, DIAGNOSIS = "screening", "referral", "diagnosis"
SUSPECTED, NEGATIVE, REFERRED, DIAGNOSED = "suspected", "negative", "referred", "diagnosed"
REGISTERED, EXCLUDED = "registered", "excluded"
OUTCOMES = (REGISTERED, EXCLUDED)

SCREENING_FIELDS = (
    {
        "key": "result",
        "label": gettext_lazy("筛查结果"),
        "kind": "choice",
        "required": True,
        "choices": [[SUSPECTED, gettext_lazy("疑似")], [NEGATIVE, gettext_lazy("阴性")]],
    },
    {"key": "tool", "label": gettext_lazy("筛查工具"), "kind": "text", "required": False, "max_length": 100},
    {"key": "source", "label": gettext_lazy("线索来源"), "kind": "text", "required": False, "max_length": 100},
)
REFERRAL_FIELDS = (
    {"key": "destination", "label": gettext_lazy("转往机构"), "kind": "text", "required": True, "max_length": 100},
)
DIAGNOSIS_FIELDS = (
    {
        "key": "diagnosis",
        "label": gettext_lazy("诊断"),
        "kind": "choice",
        "required": True,
        "choices": diagnoses.choices() + [[EXCLUDED, gettext_lazy("排除严重精神障碍")]],
    },
    {"key": "diagnosed_by", "label": gettext_lazy("诊断医院"), "kind": "text", "required": False, "max_length": 100},
    {"key": "reason", "label": gettext_lazy("排除理由"), "kind": "text", "required": False, "max_length": 200},
)


@register
class SmdScreeningProgram(Program):
    code = CODE
    name = gettext_lazy("疑似严重精神障碍筛查")
    subjects = (Subject.RESIDENT,)
    health = True
    visit_kinds = (
        VisitKind(SCREENING, gettext_lazy("筛查"), ("smd_screening",), SCREENING_FIELDS),
        VisitKind(REFERRAL, gettext_lazy("转诊"), ("referral_escort",), REFERRAL_FIELDS),
        VisitKind(DIAGNOSIS, gettext_lazy("诊断结果"), ("new_diagnosis",), DIAGNOSIS_FIELDS),
    )
    states = (
        (SUSPECTED, gettext_lazy("疑似")),
        (NEGATIVE, gettext_lazy("筛查阴性")),
        (REFERRED, gettext_lazy("已转诊待确诊")),
        (DIAGNOSED, gettext_lazy("已确诊待纳入")),
        (REGISTERED, gettext_lazy("已纳入管理")),
        (EXCLUDED, gettext_lazy("已排除")),
    )
    settings = (
        SettingSpec("screen_days", gettext_lazy("纳入筛查后：完成筛查时限（天）"), 14, min=0, max=90),
        SettingSpec("referral_days", gettext_lazy("疑似：转诊时限（天）"), 14, min=1, max=90),
        SettingSpec("diagnosis_days", gettext_lazy("转诊后：确诊时限（天）"), 30, min=1, max=180),
        SettingSpec("register_days", gettext_lazy("确诊后：纳入管理时限（天）"), 14, min=1, max=90),
    )
    basis = gettext_lazy("《严重精神障碍管理治疗工作规范（2018年版）》第三章 患者发现、诊断与登记")
    sort_order = 11

    def ineligible_reason(self, subject, on: datetime.date, settings: dict) -> str | None:
        if getattr(subject, "deceased_on", None) and subject.deceased_on <= on:
            return _("该居民已于 %(d)s 死亡") % {"d": subject.deceased_on}
        return None

    def clean_enrollment(self, data: dict | None, *, subject, enrolled_on: datetime.date, settings: dict) -> dict:
        # No fields of its own; the outcome written when the path closes is kept through edits.
        data = dict(data or {})
        outcome = {k: data.pop(k) for k in ("outcome", "smd_enrollment") if k in data}
        clean = clean_fields([], data)
        if outcome.get("outcome") not in (None, *OUTCOMES):
            raise ValidationError({"outcome": _("筛查结局应为已纳入管理或已排除")})
        clean.update(outcome)
        return clean

    def clean_visit(
        self, data: dict | None, *, kind: str, enrollment, visited_on: datetime.date, settings: dict
    ) -> dict:
        data = dict(data or {})
        if kind == DIAGNOSIS and "diagnosis" in data:
            data["diagnosis"] = diagnoses.normalize(data["diagnosis"])
        clean = clean_fields(list(self.visit_kind(kind).fields), data)
        if kind == DIAGNOSIS:
            if clean["diagnosis"] == EXCLUDED and "reason" not in clean:
                raise ValidationError({"reason": _("排除诊断时请填写理由")})
            if clean["diagnosis"] != EXCLUDED and "reason" in clean:
                raise ValidationError({"reason": _("已确诊时不应填写排除理由")})
        return clean

    def derive(
        self,
        *,
        enrolled_on: datetime.date,
        data: dict,
        visits: list[VisitFact],
        settings: dict,
        periods: tuple = (),
    ) -> Derived:
        return derive_path(enrolled_on=enrolled_on, data=data, visits=visits, settings=settings)


def step(visit: VisitFact) -> str:
    """The state one record moves the path to."""
    if visit.kind == SCREENING:
        return SUSPECTED if visit.data.get("result") == SUSPECTED else NEGATIVE
    if visit.kind == REFERRAL:
        return REFERRED
    return EXCLUDED if visit.data.get("diagnosis") == EXCLUDED else DIAGNOSED


def derive_path(*, enrolled_on: datetime.date, data: dict, visits: list[VisitFact], settings: dict) -> Derived:
    """The latest record decides the state; each open state has its deadline: screen within
    ``screen_days`` of enrollment, refer a suspected case within ``referral_days`` (14), have a
    referred one diagnosed within ``diagnosis_days`` (30), register a diagnosed one within
    ``register_days``. Negative, excluded and registered need nothing more."""
    if data.get("outcome") in OUTCOMES:
        return Derived(state=data["outcome"], next_due_on=None)
    if not visits:
        return Derived(state="", next_due_on=enrolled_on + datetime.timedelta(days=settings["screen_days"]))
    last = visits[-1]
    state = step(last)
    days = {SUSPECTED: "referral_days", REFERRED: "diagnosis_days", DIAGNOSED: "register_days"}.get(state)
    due = last.on + datetime.timedelta(days=settings[days]) if days else None
    return Derived(state=state, next_due_on=due)


def latest_diagnosis(visits: list[VisitFact]) -> VisitFact | None:
    found = [v for v in visits if v.kind == DIAGNOSIS]
    return found[-1] if found else None

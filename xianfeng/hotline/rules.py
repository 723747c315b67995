"""The hotline's structured risk screen and when a call must be escalated (pure functions).

The six questions follow the suicide and violence risk assessment that 《心理援助热线技术指南
（试行）》(国家卫生健康委办公厅, 国卫办疾控函〔2021〕 — the national technical guide for
psychological-aid hotlines) asks every call to go through: ideation, plan, preparation or
attempt, access to lethal means, self-harm history, and risk to others. The guide asks for a
graded judgment and an immediate crisis intervention (escalation to the supervisor) for high
risk; it leaves the exact grading to each hotline. This module is that grading, stated once:

* 高风险 HIGH — any of: a suicide attempt in progress or a recent attempt; a plan together
  with access to lethal means; thoughts or acts of harming others. The guide's "立即进入危机
  干预流程": the supervisor is alerted at once.
* 中风险 MEDIUM — not high, and any of: a plan or preparation (without access to means);
  suicidal ideation (without a plan).
* 低风险 LOW — none of the above, and any of: self-harm behaviour (history) only; access to
  lethal means only.
* 无风险 NONE — every answer no.

Answering one more question "yes" never lowers the level (monotone; tested for every one of the
64 combinations in tests/test_rules.py).
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models import Outcome, RiskLevel

# The six questions, in the order the call form asks them (the model's boolean fields).
RISK_QUESTIONS = (
    ("suicidal_ideation", _("最近有没有想过结束自己的生命？")),
    ("suicide_plan", _("有没有具体的计划或做过准备？")),
    ("suicide_attempt", _("现在是否正在实施，或近期有过自杀行为？")),
    ("means_access", _("身边能否拿到药物、刀具、农药等致命手段？")),
    ("violence_risk", _("有没有伤害他人的想法或行为？")),
    ("self_harm", _("有没有自伤行为（如割伤自己）？")),
)
RISK_FIELDS = tuple(field for field, _label in RISK_QUESTIONS)

_ORDER = {RiskLevel.NONE: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


def risk_level(answers: Mapping[str, bool]) -> RiskLevel:
    """The level of a screen; ``answers`` maps RISK_FIELDS to yes (True) / no (missing = no)."""

    def yes(field: str) -> bool:
        return bool(answers.get(field, False))

    if yes("suicide_attempt") or (yes("suicide_plan") and yes("means_access")) or yes("violence_risk"):
        return RiskLevel.HIGH
    if yes("suicide_plan") or yes("suicidal_ideation"):
        return RiskLevel.MEDIUM
    if yes("self_harm") or yes("means_access"):
        return RiskLevel.LOW
    return RiskLevel.NONE


def rank(level: str) -> int:
    """Levels in order (none < low < medium < high), to compare them."""
    return _ORDER[RiskLevel(level)]


def answers_of(call) -> dict[str, bool]:
    return {field: bool(getattr(call, field)) for field in RISK_FIELDS}


def must_escalate(call) -> bool:
    """A high-risk call, or one whose outcome is 危机升级, opens an escalation (whatever else
    was logged as its outcome: a high-risk call "resolved" on the phone still alerts the
    supervisor, who decides)."""
    return call.risk_level == RiskLevel.HIGH or call.outcome == Outcome.CRISIS


def hours_of(duration_minutes: int) -> Decimal:
    """A call's volunteer hours: its duration in hours, to 0.1 (half up), at least 0.1 (a short
    call was still a service given)."""
    hours = (Decimal(int(duration_minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return max(Decimal("0.1"), hours)

"""防返贫监测 (issue 10 §5): households watched for falling back into poverty.

A household is enrolled with its risk factors (大病、慢性病负担重、重度残疾、失能老人…), optionally its
monitored income per head and the cadre in charge; it is visited every ``visit_days`` days (30 by
default, a deployment setting); each visit records the situation, the measures taken and whether
the risk is eliminated. Eliminating the risk does not close the case by itself: the page suggests
结案 (the enrollment's state is ``risk_eliminated``) and a person closes it with ``poverty_exit``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .interval import IntervalRule, derive_interval
from .registry import Derived, Program, SettingSpec, Subject, VisitKind, register

CODE = "poverty_watch"

RISK_FACTORS = [
    ["serious_illness", gettext_lazy("大病")],
    ["chronic_burden", gettext_lazy("慢性病负担重")],
    ["severe_disability", gettext_lazy("重度残疾")],
    ["disabled_elderly", gettext_lazy("失能老人")],
    ["accident", gettext_lazy("意外事故")],
    ["unemployment", gettext_lazy("务工就业不稳")],
    ["other", gettext_lazy("其他")],
]
SITUATIONS = [
    ["improving", gettext_lazy("好转")],
    ["stable", gettext_lazy("平稳")],
    ["worsening", gettext_lazy("恶化")],
]
MEASURES = [
    ["medical_aid", gettext_lazy("医疗救助")],
    ["employment", gettext_lazy("就业帮扶")],
    ["industry", gettext_lazy("产业帮扶")],
    ["dibao", gettext_lazy("低保")],
    ["temporary_aid", gettext_lazy("临时救助")],
    ["education_aid", gettext_lazy("教育资助")],
    ["other", gettext_lazy("其他")],
]
EXIT_REASONS = [
    ["risk_eliminated", gettext_lazy("风险消除")],
    ["moved", gettext_lazy("迁出")],
    ["other", gettext_lazy("其他")],
]

ENROLLMENT_FIELDS = (
    {
        "key": "risk_factors",
        "label": gettext_lazy("致贫返贫风险"),
        "kind": "multichoice",
        "required": True,
        "choices": RISK_FACTORS,
    },
    {
        "key": "income_per_capita",
        "label": gettext_lazy("监测人均纯收入（元/年）"),
        "kind": "decimal",
        "min": 0,
        "max": 10_000_000,
    },
    {"key": "contact_cadre", "label": gettext_lazy("联系干部"), "kind": "text", "max_length": 50},
)
VISIT_FIELDS = (
    {"key": "situation", "label": gettext_lazy("家庭状况"), "kind": "choice", "required": True, "choices": SITUATIONS},
    {"key": "measures", "label": gettext_lazy("已落实帮扶措施"), "kind": "multichoice", "choices": MEASURES},
    {"key": "risk_eliminated", "label": gettext_lazy("风险已消除"), "kind": "boolean"},
)


@register
class PovertyWatchProgram(Program):
    code = CODE
    name = gettext_lazy("防返贫监测")
    subjects = (Subject.HOUSEHOLD,)
    basis = gettext_lazy("《关于建立防止返贫动态监测和帮扶机制的指导意见》")
    sort_order = 50
    enrollment_fields = ENROLLMENT_FIELDS
    # 入户走访 and 电话走访 of the service-type catalogue (both per household).
    visit_kinds = (VisitKind("visit", gettext_lazy("走访"), ("household_visit", "phone_survey"), VISIT_FIELDS),)
    states = (*((code, label) for code, label in SITUATIONS), ("risk_eliminated", gettext_lazy("风险已消除，可结案")))
    settings = (
        SettingSpec(
            "visit_days",
            gettext_lazy("走访间隔（天）"),
            30,
            min=1,
            max=365,
            help=gettext_lazy("上次走访后这么多天再次到期"),
        ),
    )

    def derive(self, *, enrolled_on, data, visits, settings, periods=()) -> Derived:
        derived = derive_interval(IntervalRule(int(settings["visit_days"])), enrolled_on=enrolled_on, visits=visits)
        state = ""
        if visits:
            last = visits[-1].data
            state = "risk_eliminated" if last.get("risk_eliminated") else last.get("situation", "")
        return Derived(state=state, next_due_on=derived.next_due_on, misses=derived.misses, lost=derived.lost)


def suggests_exit(enrollment) -> bool:
    """Whether the last visit found the risk eliminated and the case is still open (the page
    then offers 结案)."""
    return enrollment.program == CODE and enrollment.is_open and enrollment.state == "risk_eliminated"


def poverty_exit(*, acting_user, enrollment, reason: str, ended_on=None, note: str = ""):
    """Close a household's monitoring (结案) with one of EXIT_REASONS and an optional note."""
    from .models import Status
    from .services import enrollment_end

    if enrollment.program != CODE:
        raise ValidationError({"program": _("这不是防返贫监测的登记")})
    labels = {code: str(label) for code, label in EXIT_REASONS}
    if reason not in labels:
        raise ValidationError({"reason": _("请选择结案原因：%(o)s") % {"o": "、".join(labels.values())}})
    note = (note or "").strip()
    if reason == "other" and not note:
        raise ValidationError({"note": _("结案原因为“其他”时请说明")})
    text = labels[reason] + (f"：{note}" if note else "")
    return enrollment_end(
        acting_user=acting_user, enrollment=enrollment, status=Status.EXITED, ended_on=ended_on, reason=text
    )

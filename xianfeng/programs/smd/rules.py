"""严重精神障碍患者管理 as plain rules: risk levels, stability, the next follow-up.

Sources, cited below by short name:

- 《国家基本公共卫生服务规范（第三版）》严重精神障碍患者管理服务规范 ("规范"): 二（二）随访评估 —
  at least 4 follow-ups a year, each with a risk assessment in six levels (0–5); 二（三）分类干预 —
  unstable / basically stable / stable and what follows each; 二（四）健康体检 — once a year, with
  consent.
- 《严重精神障碍管理治疗工作规范（2018年版）》("工作规范"): 第五章 随访管理 (the same classes and
  intervals; 失访 after consecutive unsuccessful attempts), 第七章 应急处置, 附件 危险性评估.

Nothing here touches the database: the program passes visit facts and settings in and gets the
class, the errors (``ValidationError`` keyed by field) or the next due date back.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..registry import Derived, VisitFact, add_months

FOLLOWUP, EXAM, EMERGENCY = "followup", "exam", "emergency"
STABLE, BASICALLY_STABLE, UNSTABLE = "stable", "basically_stable", "unstable"
IN_HOSPITAL = "in_hospital"
SEVERITY = {STABLE: 0, BASICALLY_STABLE: 1, UNSTABLE: 2}

STABILITY_CHOICES = (
    (STABLE, gettext_lazy("稳定")),
    (BASICALLY_STABLE, gettext_lazy("基本稳定")),
    (UNSTABLE, gettext_lazy("不稳定")),
)

# 规范 二（二）/ 工作规范 附件: 危险性评估 in six levels, as printed on the follow-up form.
RISK_LEVELS = (
    ("0", gettext_lazy("0级 无符合以下1–5级中的任何行为")),
    ("1", gettext_lazy("1级 口头威胁，喊叫，但没有打砸行为")),
    ("2", gettext_lazy("2级 打砸行为，局限在家里，针对财物，能被劝说制止")),
    ("3", gettext_lazy("3级 明显打砸行为，不分场合，针对财物，不能接受劝说而停止")),
    ("4", gettext_lazy("4级 持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）")),
    ("5", gettext_lazy("5级 持械针对人的任何暴力行为，或者纵火、爆炸等行为，无论在家里还是公共场合")),
)
# The mildest class each risk level allows (规范 二（三）: stable needs level 0; 1–2 is at most
# basically stable; 3–5 is unstable).
MILDEST_FOR_RISK = {0: STABLE, 1: BASICALLY_STABLE, 2: BASICALLY_STABLE, 3: UNSTABLE, 4: UNSTABLE, 5: UNSTABLE}


def risk_of(data: dict) -> int:
    try:
        return int(data.get("risk_level", 0))
    except (TypeError, ValueError):
        return 0


def classify(data: dict) -> str:
    """The class a follow-up record describes (规范 二（三）分类干预).

    - 不稳定: risk 3–5, or obvious symptoms with insight lacking (自知力缺失), or serious side
      effects or a serious physical illness (``serious_condition``).
    - 基本稳定: risk 1–2, or at least one of symptoms, insight, social function poor — read as any
      symptom listed, insight not full (不全 or 缺失; stable needs 自知力基本恢复) or social function
      较差.
    - 稳定: otherwise (risk 0, symptoms gone, insight back, social function fair or good).
    """
    risk = risk_of(data)
    symptoms = bool(data.get("symptoms"))
    insight = data.get("insight")
    if risk >= 3 or (symptoms and insight == "none") or data.get("serious_condition") is True:
        return UNSTABLE
    if risk >= 1 or symptoms or insight in ("partial", "none") or data.get("social_function") == "poor":
        return BASICALLY_STABLE
    return STABLE


def check_stability(given: str, derived: str, risk: int) -> None:
    """Refuse a class the doctor gave that the record contradicts (keyed ``stability``).

    The risk level bounds the class (stable needs level 0, basically stable at most 2). Beyond
    that the doctor's judgement stands — "obvious" symptoms and "recovered" insight are clinical
    calls the form's items only approximate — but never two classes milder than the record
    (a "stable" patient whose record reads unstable)."""
    mildest = MILDEST_FOR_RISK.get(risk, UNSTABLE)
    if SEVERITY[given] < SEVERITY[mildest]:
        raise ValidationError(
            {
                "stability": _("危险性评估为%(r)d级，病情不能评为“%(g)s”（稳定须为0级，基本稳定不超过2级）")
                % {"r": risk, "g": dict(STABILITY_CHOICES)[given]}
            }
        )
    if SEVERITY[derived] - SEVERITY[given] >= 2:
        raise ValidationError({"stability": _("本次记录的症状、自知力或严重不良反应表明病情不稳定，不能评为“稳定”")})


# --- the next follow-up ------------------------------------------------------------------------


def stable_interval_months(settings: dict) -> int:
    """规范 二（三）3: a stable patient is seen again in 3 months; the interval never lets a
    year hold fewer than the minimum follow-ups (规范 二（二）: 每年至少随访4次)."""
    months = settings["stable_months"]
    per_year = settings.get("min_followups_per_year", 0)
    if per_year:
        months = min(months, max(1, 12 // per_year))
    return months


def stability_of(visit: VisitFact) -> str:
    """The stored class (given or derived when recorded), else derived now (an imported record)."""
    given = visit.data.get("stability")
    return given if given in SEVERITY else classify(visit.data)


def next_followup(
    history: list[VisitFact], settings: dict, *, enrolled_on: datetime.date | None = None
) -> datetime.date | None:
    """When the next follow-up is due, from the follow-ups so far (oldest first).

    - none yet: ``first_days`` after enrollment (工作规范 第五章: a newly registered patient is
      seen within 2 weeks);
    - last one stable: in ``stable_months`` (3);
    - last one basically stable: after a stable one (or the first), observe ``observe_days`` (2
      weeks); when the observation visit finds the patient still not stable, the issue's rule is
      "refer and check within 2 weeks" (``unsettled_days``, 14; the 规范's text says "1个月时随访" —
      a deployment may set 30); an observation visit that finds them stable falls under "stable";
    - last one unstable: refer at once and follow up within ``unstable_days`` (2 weeks);
    - last attempt did not reach the patient: try again within ``retry_days`` (14, our choice: the
      same fortnight the unstable rule allows), but never earlier than the schedule already said.
    """
    reached = [v for v in history if v.reached]
    due = _scheduled(reached, settings, enrolled_on)
    if history and not history[-1].reached:
        retry = history[-1].on + datetime.timedelta(days=settings["retry_days"])
        due = retry if due is None else max(due, retry)
    return due


def _scheduled(reached: list[VisitFact], settings: dict, enrolled_on) -> datetime.date | None:
    if not reached:
        return None if enrolled_on is None else enrolled_on + datetime.timedelta(days=settings["first_days"])
    last = reached[-1]
    stability = stability_of(last)
    if stability == STABLE:
        return add_months(last.on, stable_interval_months(settings))
    if stability == UNSTABLE:
        return last.on + datetime.timedelta(days=settings["unstable_days"])
    previous = stability_of(reached[-2]) if len(reached) > 1 else STABLE
    # A new basically-stable episode is observed; one that follows basically stable (or
    # unstable, still not settled) is the "未达到稳定" branch.
    key = "observe_days" if previous == STABLE else "unsettled_days"
    return last.on + datetime.timedelta(days=settings[key])


def consecutive_misses(history: list[VisitFact]) -> int:
    misses = 0
    for visit in reversed(history):
        if visit.reached:
            break
        misses += 1
    return misses


def derive(*, enrolled_on: datetime.date, visits: list[VisitFact], settings: dict, periods: tuple = ()) -> Derived:
    """State, next due date, misses and loss of one patient.

    - Only follow-ups count for the schedule and for 失访: ``lost_after`` (3) consecutive
      follow-ups that did not reach the patient (工作规范 第五章).
    - 应急处置 (工作规范 第七章): after an emergency the patient is followed up within
      ``unstable_days``, if nothing earlier was due.
    - In hospital (an open hospital period): state "in_hospital", nothing due — the doctor is
      not nagged while the patient is admitted, and a patient whose whereabouts are known is not
      lost. After discharge the patient is seen within ``discharge_days`` (2 weeks), unless the
      schedule already fell due before admission (then it stays overdue).
    """
    history = [v for v in visits if v.kind == FOLLOWUP]
    reached = [v for v in history if v.reached]
    state = stability_of(reached[-1]) if reached else ""
    due = next_followup(history, settings, enrolled_on=enrolled_on)
    last_on = history[-1].on if history else enrolled_on
    for emergency in (v for v in visits if v.kind == EMERGENCY and v.on >= last_on):
        soon = emergency.on + datetime.timedelta(days=settings["unstable_days"])
        due = soon if due is None else min(due, soon)
    misses = consecutive_misses(history)
    lost = settings["lost_after"] > 0 and misses >= settings["lost_after"]
    stay = _last_hospital_stay(periods)
    if stay is not None:
        start, end = stay
        if end is None:
            return Derived(state=IN_HOSPITAL, next_due_on=None, misses=misses, lost=False)
        after = end + datetime.timedelta(days=settings["discharge_days"])
        # What fell due while admitted moves to after discharge; a later date stays if sooner.
        if end >= last_on and (due is None or due >= start):
            due = after if due is None or due <= end else min(due, after)
    return Derived(state=state, next_due_on=due, misses=misses, lost=lost)


def _last_hospital_stay(periods: tuple):
    stays = [(start, end) for kind, start, end in periods if kind == "hospital"]
    if not stays:
        return None
    open_ = [s for s in stays if s[1] is None]
    return open_[-1] if open_ else max(stays, key=lambda s: (s[1], s[0]))


def exam_due(enrolled_on: datetime.date, exam_dates: list[datetime.date], settings: dict) -> datetime.date:
    """规范 二（四）: one physical examination a year — ``exam_interval_months`` after the last
    one, or within that long of enrollment when there has been none."""
    last = max(exam_dates) if exam_dates else enrolled_on
    return add_months(last, settings["exam_interval_months"])

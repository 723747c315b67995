"""The party-membership pipeline of 《中国共产党发展党员工作细则》 as plain rules.

申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员, with the dated steps between them:

- the branch talks with an applicant within one month of the application (第七条);
- an activist is reviewed at least every six months (第十二条);
- an activist becomes a candidate only after more than one year of training (第十三条);
- a candidate is politically reviewed (第十五条) and admitted with two introducers (第十七条);
- probation lasts one year (第二十八条); it may be extended once, by at most one year (第三十一条).

Nothing here touches the database: services pass the member's steps in and get errors
(``PipelineError``, keyed by form field) or what is due next back.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TALK_WITHIN_MONTHS = 1
REVIEW_EVERY_MONTHS = 6
TRAINING_MONTHS = 12
PROBATION_MONTHS = 12
MIN_EXTENSION_MONTHS = 6
MAX_EXTENSION_MONTHS = 12
MIN_AGE = 18


class Stage(models.TextChoices):
    NONE = "none", gettext_lazy("群众")
    APPLICANT = "applicant", gettext_lazy("入党申请人")
    ACTIVIST = "activist", gettext_lazy("入党积极分子")
    CANDIDATE = "candidate", gettext_lazy("发展对象")
    PROBATIONARY = "probationary", gettext_lazy("预备党员")
    FULL = "full", gettext_lazy("正式党员")


class Step(models.TextChoices):
    APPLY = "apply", gettext_lazy("递交入党申请书")
    TALK = "talk", gettext_lazy("入党谈话")
    ACTIVIST = "activist", gettext_lazy("确定为入党积极分子")
    REVIEW = "review", gettext_lazy("培养考察（半年）")
    CANDIDATE = "candidate", gettext_lazy("确定为发展对象")
    POLITICAL_REVIEW = "political_review", gettext_lazy("政治审查")
    ADMIT = "admit", gettext_lazy("接收为预备党员")
    EXTEND = "extend", gettext_lazy("延长预备期")
    FULL = "full", gettext_lazy("转为正式党员")


# Steps that move a member to a stage, in pipeline order.
STAGE_OF_STEP = {
    Step.APPLY: Stage.APPLICANT,
    Step.ACTIVIST: Stage.ACTIVIST,
    Step.CANDIDATE: Stage.CANDIDATE,
    Step.ADMIT: Stage.PROBATIONARY,
    Step.FULL: Stage.FULL,
}
STAGE_RANK = {stage: rank for rank, stage in enumerate(Stage.values)}
# Milestones whose dates must not go backwards, in order.
ORDER = [Step.APPLY, Step.TALK, Step.ACTIVIST, Step.CANDIDATE, Step.POLITICAL_REVIEW, Step.ADMIT, Step.FULL]
# Which stage a step may be recorded in (interactive recording).
ALLOWED_IN = {
    Step.APPLY: {Stage.NONE},
    Step.TALK: {Stage.APPLICANT},
    Step.ACTIVIST: {Stage.APPLICANT},
    Step.REVIEW: {Stage.ACTIVIST, Stage.CANDIDATE},
    Step.CANDIDATE: {Stage.ACTIVIST},
    Step.POLITICAL_REVIEW: {Stage.CANDIDATE},
    Step.ADMIT: {Stage.CANDIDATE},
    Step.EXTEND: {Stage.PROBATIONARY},
    Step.FULL: {Stage.PROBATIONARY},
}
# Steps whose date is the first day they may be taken, not a deadline: a candidate only after
# more than a year of training (第十三条); the vote on full membership once probation has ended
# (第二十八条, "预备期满…及时讨论", 第二十九条). Their stored next_due_on is that first day.
NOT_BEFORE_STEPS = {Step.CANDIDATE, Step.FULL}

IN_PIPELINE = {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY}


class PipelineError(ValueError):
    """{field: message}; field is "on_date", "step", "introducers", "extension_months" or ""."""

    def __init__(self, errors: dict[str, str] | str, step: str = ""):
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        self.step = step  # the step whose date is wrong, when known (imports point at its column)
        super().__init__("；".join(self.errors.values()))


@dataclass(frozen=True)
class Event:
    step: str
    on_date: datetime.date
    introducers: tuple[str, ...] = ()
    extension_months: int | None = None


@dataclass(frozen=True)
class Due:
    step: str
    due_on: datetime.date | None = None  # deadline
    earliest_on: datetime.date | None = None  # not allowed before
    note: str = ""

    @property
    def label(self) -> str:
        return str(Step(self.step).label)

    def overdue(self, today: datetime.date) -> bool:
        return self.due_on is not None and self.due_on < today


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped to the month's end (1月31日 + 1 month = 2月28/29日)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _first(events: Iterable[Event], step: str) -> Event | None:
    return next((e for e in events if e.step == step), None)


def _fmt(day: datetime.date) -> str:
    return day.isoformat()


def stage_of(events: Iterable[Event]) -> str:
    stage = Stage.NONE
    for event in events:
        reached = STAGE_OF_STEP.get(event.step)
        if reached is not None and STAGE_RANK[reached] > STAGE_RANK[stage]:
            stage = reached
    return stage


def probation_end(events: list[Event]) -> datetime.date | None:
    admit = _first(events, Step.ADMIT)
    if admit is None:
        return None
    extension = _first(events, Step.EXTEND)
    months = PROBATION_MONTHS + ((extension.extension_months or 0) if extension else 0)
    return add_months(admit.on_date, months)


def check_history(events: list[Event], *, today: datetime.date, birth_date: datetime.date | None = None) -> None:
    """A whole history (possibly with gaps, as imported from old records) must be in order and
    keep the intervals. Raises PipelineError naming the first problem."""
    for event in events:
        if event.on_date > today:
            raise PipelineError({"on_date": _("%(step)s的日期 %(d)s 晚于今天") % _args(event)}, event.step)
    for step in Step.values:
        if step != Step.REVIEW and sum(1 for e in events if e.step == step) > 1:
            raise PipelineError({"step": _("“%(step)s”只能记录一次") % {"step": Step(step).label}})
    present = [e for s in ORDER if (e := _first(events, s)) is not None]
    for earlier, later in zip(present, present[1:], strict=False):
        if later.on_date < earlier.on_date:
            raise PipelineError(
                {
                    "on_date": _("%(later)s（%(ld)s）不能早于%(earlier)s（%(ed)s）")
                    % {
                        "later": Step(later.step).label,
                        "ld": _fmt(later.on_date),
                        "earlier": Step(earlier.step).label,
                        "ed": _fmt(earlier.on_date),
                    }
                },
                later.step,
            )
    apply = _first(events, Step.APPLY)
    if apply and birth_date and add_months(birth_date, MIN_AGE * 12) > apply.on_date:
        raise PipelineError(
            {"on_date": _("递交入党申请时须年满十八周岁（出生于 %(b)s）") % {"b": _fmt(birth_date)}}, Step.APPLY
        )
    _check_reviews(events)
    activist, candidate = _first(events, Step.ACTIVIST), _first(events, Step.CANDIDATE)
    if activist and candidate:
        earliest = add_months(activist.on_date, TRAINING_MONTHS)
        if candidate.on_date < earliest:
            raise PipelineError(
                {
                    "on_date": _("入党积极分子须经一年以上培养考察才能确定为发展对象：最早 %(d)s")
                    % {"d": _fmt(earliest)}
                },
                Step.CANDIDATE,
            )
    _check_admission(events)
    _check_probation(events)


def _args(event: Event) -> dict:
    return {"step": Step(event.step).label, "d": _fmt(event.on_date)}


def _check_reviews(events: list[Event]) -> None:
    activist, admit = _first(events, Step.ACTIVIST), _first(events, Step.ADMIT)
    for review in (e for e in events if e.step == Step.REVIEW):
        if activist and review.on_date < activist.on_date:
            raise PipelineError(
                {"on_date": _("培养考察（%(d)s）不能早于确定为入党积极分子的日期") % _args(review)}, Step.REVIEW
            )
        if admit and review.on_date > admit.on_date:
            raise PipelineError(
                {"on_date": _("培养考察（%(d)s）不能晚于接收为预备党员的日期") % _args(review)}, Step.REVIEW
            )


def _check_admission(events: list[Event]) -> None:
    admit = _first(events, Step.ADMIT)
    if admit is None or not admit.introducers:
        return  # old records may not name the introducers; interactive admission requires them
    names = [n.strip() for n in admit.introducers if n.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise PipelineError({"introducers": _("须有两名正式党员作入党介绍人")}, Step.ADMIT)


def _check_probation(events: list[Event]) -> None:
    admit, extension, full = _first(events, Step.ADMIT), _first(events, Step.EXTEND), _first(events, Step.FULL)
    if extension is not None:
        months = extension.extension_months or 0
        if not MIN_EXTENSION_MONTHS <= months <= MAX_EXTENSION_MONTHS:
            raise PipelineError(
                {"extension_months": _("预备期只能延长一次，延长时间不少于半年、最长不超过一年（6–12个月）")}
            )
        if admit is None:
            raise PipelineError({"step": _("尚未接收为预备党员，不能延长预备期")})
        regular_end = add_months(admit.on_date, PROBATION_MONTHS)
        if not admit.on_date <= extension.on_date <= regular_end:
            raise PipelineError(
                {
                    "on_date": _("延长预备期须在一年预备期内（%(a)s 至 %(b)s）决定")
                    % {"a": admit.on_date, "b": regular_end}
                }
            )
        if full is not None and full.on_date < extension.on_date:
            raise PipelineError({"on_date": _("转正日期不能早于延长预备期的决定日期")})
    if admit and full:
        end = probation_end(events)
        if full.on_date < end:
            raise PipelineError({"on_date": _("预备期未满：最早 %(d)s 才能转为正式党员") % {"d": _fmt(end)}}, Step.FULL)


def check_step(
    events: list[Event], new: Event, *, today: datetime.date, birth_date: datetime.date | None = None
) -> None:
    """Whether ``new`` may be recorded after ``events`` (interactive: the step must follow the
    current stage, and admission needs a political review and two introducers)."""
    stage = stage_of(events)
    if stage not in ALLOWED_IN[new.step]:
        raise PipelineError(
            {
                "step": _("当前为“%(stage)s”，不能记录“%(step)s”")
                % {"stage": Stage(stage).label, "step": Step(new.step).label}
            }
        )
    if new.step == Step.TALK and _first(events, Step.TALK):
        raise PipelineError({"step": _("入党谈话已记录")})
    if new.step == Step.ADMIT:
        if _first(events, Step.POLITICAL_REVIEW) is None:
            raise PipelineError({"step": _("接收预备党员前须完成政治审查")})
        if len([n for n in new.introducers if n.strip()]) != 2:
            raise PipelineError({"introducers": _("须有两名正式党员作入党介绍人")})
    if new.step == Step.EXTEND and _first(events, Step.EXTEND):
        raise PipelineError({"step": _("预备期只能延长一次")})
    check_history([*events, new], today=today, birth_date=birth_date)


def dues(events: list[Event]) -> list[Due]:
    """What is due next for a member with this history, with deadlines where the rules set one."""
    stage = stage_of(events)
    if stage == Stage.APPLICANT:
        apply = _first(events, Step.APPLY)
        if _first(events, Step.TALK) is None and apply is not None:
            return [Due(Step.TALK, due_on=add_months(apply.on_date, TALK_WITHIN_MONTHS))]
        return [Due(Step.ACTIVIST)]
    if stage in (Stage.ACTIVIST, Stage.CANDIDATE):
        result = []
        last_review = _last_review(events)
        if last_review is not None:
            result.append(Due(Step.REVIEW, due_on=add_months(last_review, REVIEW_EVERY_MONTHS)))
        if stage == Stage.ACTIVIST:
            activist = _first(events, Step.ACTIVIST)
            earliest = add_months(activist.on_date, TRAINING_MONTHS) if activist else None
            result.append(Due(Step.CANDIDATE, earliest_on=earliest))
        elif _first(events, Step.POLITICAL_REVIEW) is None:
            result.append(Due(Step.POLITICAL_REVIEW))
        else:
            result.append(Due(Step.ADMIT))
        return result
    if stage == Stage.PROBATIONARY:
        end = probation_end(events)
        return [Due(Step.FULL, earliest_on=end)]  # not before the end of probation (第二十八条)
    return []


def _last_review(events: list[Event]) -> datetime.date | None:
    # Becoming a candidate is itself a review (the branch examines the activist's record).
    dates = [e.on_date for e in events if e.step in (Step.ACTIVIST, Step.REVIEW, Step.CANDIDATE)]
    return max(dates) if dates else None


def next_due(events: list[Event]) -> Due | None:
    """The most pressing item: the earliest deadline, else the first item due."""
    items = dues(events)
    dated = [d for d in items if d.due_on is not None]
    if dated:
        return min(dated, key=lambda d: d.due_on)
    return items[0] if items else None

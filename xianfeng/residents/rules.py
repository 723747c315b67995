"""What a person's record must agree with: the one place for these rules (issue 8 item 3).

Forms, the API, imports (residents and members) and the demo seed all ask these functions, so a
birth date or a special group refused on one path is refused on every path, with the same words.
The rules are pure functions over plain values (no database): each one cites why it holds.

Birth dates (residents and members, typed or read from the ID number):
- not after today (timezone.localdate(), the interface's day): nobody is registered before being born;
- not before 1900-01-01: the oldest verified person lived 122 years; an earlier date is a typing
  error (19xx → 18xx) or a spreadsheet's zero date, never a living person to serve.

Special groups (ResidentTagKind) against sex and age: TAG_RULES below, one row per group with its
reason. Age is counted in whole years on a reference day: today, or the day a group ended when it
ended before today (a woman who was 孕产妇 in 1990 is not refused at 70). Where the sex or the birth
date is unknown, the rule cannot judge and says nothing: the record is accepted as it is. Household
categories (低保户, 监测户…) describe a household, not a person, and have no rules here.

Messages only talk about the values being entered for this person: they never mention another
person, and the check of existing groups on an edit looks only at groups the user may see.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.core.models import Gender

from .models import ResidentTagKind

MIN_BIRTH_DATE = datetime.date(1900, 1, 1)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Whole years completed on ``on`` (周岁)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def birth_date_error(birth_date: datetime.date | None, *, from_id: bool = False, today=None) -> str:
    """The reason ``birth_date`` cannot be a person's birth date, or "" when it can (or is unknown).

    ``from_id``: the date was read from an ID number (the message then says so).
    """
    if birth_date is None:
        return ""
    if today is None:
        today = timezone.localdate()
    if MIN_BIRTH_DATE <= birth_date <= today:  # the common case: no message to build (imports)
        return ""
    values = {"d": birth_date.isoformat(), "min": MIN_BIRTH_DATE.isoformat()}
    if birth_date > today:
        if from_id:
            return _("身份证号中的出生日期 %(d)s 晚于今天，请核对身份证号") % values
        return _("出生日期 %(d)s 晚于今天") % values
    if birth_date < MIN_BIRTH_DATE:
        if from_id:
            return _("身份证号中的出生日期 %(d)s 早于 %(min)s，请核对身份证号") % values
        return _("出生日期 %(d)s 早于 %(min)s，请核对（是否把19写成了18？）") % values
    return ""


@dataclass(frozen=True)
class TagRule:
    """Who may be in a special group: ``sex`` ("F"/"M"; "" = either) and ``ages``, inclusive
    ranges of whole years (None = open end; empty = any age), the group applies if any matches."""

    tag: str
    reason: str
    sex: str = ""
    ages: tuple[tuple[int | None, int | None], ...] = ()

    def sex_allowed(self, gender: str) -> bool:
        return not self.sex or not gender or gender == self.sex

    def age_allowed(self, age: int | None) -> bool:
        if age is None or not self.ages:
            return True
        return any((low is None or age >= low) and (high is None or age <= high) for low, high in self.ages)

    def ages_text(self) -> str:
        """限6–35岁 / 未满16岁或60岁及以上."""
        parts = []
        for low, high in self.ages:
            if low is None:
                parts.append(_("未满%(n)s岁") % {"n": high + 1})
            elif high is None:
                parts.append(_("%(n)s岁及以上") % {"n": low})
            else:
                parts.append(_("%(a)s–%(b)s岁") % {"a": low, "b": high})
        return _("或").join(parts)


# One row per special group; the README lists the same table for users.
TAG_RULES: dict[str, TagRule] = {
    rule.tag: rule
    for rule in (
        TagRule(
            ResidentTagKind.PREGNANT,
            sex=Gender.FEMALE,
            ages=((10, 60),),
            reason=gettext_lazy(
                "孕产妇健康管理（《国家基本公共卫生服务规范（第三版）》）只面向妇女。统计上的育龄为15–49岁，"
                "但少女妊娠与高龄产妇同样要纳入管理，所以只拒绝生理上不可能的年龄（10岁以下、60岁以上）。"
            ),
        ),
        TagRule(
            ResidentTagKind.STUDENT,
            ages=((6, 35),),
            reason=gettext_lazy(
                "义务教育法第十一条：年满六周岁入学（幼儿园儿童不算在校学生）；35岁覆盖博士研究生在读的常见年龄，"
                "超过即多为录入错误（如把出生年份写错）。"
            ),
        ),
        TagRule(
            ResidentTagKind.LEFT_BEHIND,
            ages=((None, 15), (60, None)),
            reason=gettext_lazy(
                "留守儿童为不满十六周岁的未成年人（国发〔2016〕13号）；留守老年人为60周岁及以上（民发〔2017〕193号）。"
            ),
        ),
        TagRule(
            ResidentTagKind.ELDERLY,
            reason=gettext_lazy("按出生日期自动判断，从不手工登记，不需要规则。"),
        ),
        TagRule(ResidentTagKind.SEVERE_MENTAL, reason=gettext_lazy("任何性别、年龄都可能患病。")),
        TagRule(ResidentTagKind.DISABLED, reason=gettext_lazy("任何性别、年龄都可能有残疾。")),
        TagRule(ResidentTagKind.CHRONIC, reason=gettext_lazy("慢性病也见于儿童（如1型糖尿病），不限性别年龄。")),
        TagRule(ResidentTagKind.HUBEI_FAMILY, reason=gettext_lazy("家属不限性别、年龄。")),
    )
}


def reference_day(valid_to: datetime.date | None = None, today=None) -> datetime.date:
    """The day a group is judged on: today, or its end when it ended before today."""
    today = today or timezone.localdate()
    return valid_to if valid_to is not None and valid_to < today else today


def tag_error(tag: str, *, gender: str, birth_date: datetime.date | None, on: datetime.date | None = None) -> str:
    """Why this person cannot be in group ``tag``, naming both facts; "" when they can (or we cannot tell)."""
    rule = TAG_RULES.get(tag)
    if rule is None:
        return ""
    if not rule.sex_allowed(gender):
        return _("“%(t)s”只适用于%(s)s，此人性别为%(g)s") % {
            "t": ResidentTagKind(tag).label,
            "s": _("女性") if rule.sex == Gender.FEMALE else _("男性"),
            "g": Gender(gender).label,
        }
    if not rule.ages or not birth_date:  # any age, or no age to judge: no day needed
        return ""
    age = age_on(birth_date, on or timezone.localdate())
    if not rule.age_allowed(age):
        return _("“%(t)s”不适用于%(a)s岁的居民（限%(r)s）") % {
            "t": ResidentTagKind(tag).label,
            "a": age,
            "r": rule.ages_text(),
        }
    return ""


def tag_errors(tags, *, gender: str, birth_date: datetime.date | None, on: datetime.date | None = None) -> dict:
    """{"tags": messages joined} for the groups given that contradict this person's sex or age, else {}."""
    if not tags:  # most rows (imports call this per row)
        return {}
    messages = [tag_error(t, gender=gender, birth_date=birth_date, on=on) for t in tags]
    messages = [m for m in messages if m]
    return {"tags": "；".join(messages)} if messages else {}


def allowed_tags(tags, *, gender: str, birth_date: datetime.date | None, on: datetime.date | None = None) -> list:
    """The groups among ``tags`` this person may be in (the demo seed picks from these)."""
    return [t for t in tags if not tag_error(t, gender=gender, birth_date=birth_date, on=on)]

"""结对帮扶 (pairing): a member or team paired with a resident, a household or a whole township's
(village's) patients, with a target contact frequency such as "at least 2 contacts a week" (the
volunteers paired with the families of staff sent to Hubei) or "one visit a month" (a party
doctor and a township's poor home-bound patients). Issue 10 §4.

The rule (``derive``): the first contact is due on the day of pairing; after a contact that
reached the family the next one is due ``period_days ÷ target`` days later (2 a week: every 3
days; 1 a month: every 30), but never later than the end of the period by which the target
still has to be met (compliance.py counts calendar weeks (ISO) and months). A contact that did
not reach anyone is retried after ``retry_days``; ``lost_after`` consecutive misses mark the
pair lost (失访), and a contact that reaches them again ends that. Whether a pair is falling
behind depends on today, so it is computed when read (compliance.falling_behind), not stored.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .compliance import MONTH, PERIOD_DAYS, WEEK, contacts_in, period_bounds
from .fields import clean_fields
from .registry import Derived, Program, SettingSpec, Subject, VisitFact, VisitKind, register

CODE = "pairing"

KIND_CHOICES = [
    ["family_of_staff", _("援外医务人员家属")],
    ["poor_patients", _("贫困患者")],
    ["elderly", _("空巢老人")],
    ["other", _("其他")],
]
MODE_CHOICES = [["phone", _("电话")], ["visit", _("上门")], ["video", _("视频")], ["message", _("微信/短信")]]

ENROLLMENT_FIELDS = (
    {
        "key": "target_count",
        "label": _("目标联系次数"),
        "kind": "integer",
        "required": True,
        "min": 1,
        "max": 31,
        "default": 2,
    },
    {
        "key": "target_period",
        "label": _("考核周期"),
        "kind": "choice",
        "required": True,
        "choices": [[WEEK, _("每周")], [MONTH, _("每月")]],
        "default": WEEK,
    },
    {"key": "kind", "label": _("帮扶类别"), "kind": "choice", "required": False, "choices": KIND_CHOICES},
    {"key": "purpose", "label": _("帮扶内容"), "kind": "text", "required": False, "max_length": 200},
    # The staff member whose family this is (pairings made from a medical team's page).
    {"key": "staff", "label": _("援外医务人员"), "kind": "text", "required": False, "max_length": 50},
)

CONTACT_FIELDS = (
    {
        "key": "mode",
        "label": _("联系方式"),
        "kind": "choice",
        "required": True,
        "choices": MODE_CHOICES,
        "default": "phone",
    },
    {"key": "reached", "label": _("联系上"), "kind": "boolean", "required": False, "default": True},
    {"key": "needs", "label": _("家庭需求"), "kind": "text", "required": False, "max_length": 300},
    {"key": "need_raised", "label": _("已登记为民情需求"), "kind": "boolean", "required": False},
)

# Service types a contact is recorded as (servicelog/catalogue.py). The catalogue has no
# phone-care or home-visit type that fits every subject: the household types come first (the
# families of staff are households), then types without a required subject for a resident or
# a township's patients. See the report for the two catalogue rows this list should become.
CONTACT_SERVICE_TYPES = ("family_support", "phone_survey", "household_visit", "home_nursing_edu", "health_consult")

DEFAULTS = {"target_count": 2, "target_period": WEEK}


def contact_service_type(enrollment, *, mode: str = "phone", with_resident: bool = False) -> str:
    """The service type that fits a contact of this pair (the record's subject must match the
    type's): a staff family's contacts are 一线人员家属帮扶; another household's a phone or home
    visit; a resident's (or a township patient's, when named) 居家护理指导; otherwise 健康咨询."""
    if enrollment.household_id:
        if (enrollment.data or {}).get("kind") == "family_of_staff":
            return "family_support"
        return "household_visit" if mode == "visit" else "phone_survey"
    if enrollment.resident_id or with_resident:
        return "home_nursing_edu"
    return "health_consult"


def spacing_days(target_count: int, target_period: str) -> int:
    """Days between contacts that keep to the target: 2 a week → 3; 1 a month → 30."""
    return max(1, PERIOD_DAYS[target_period] // max(1, target_count))


def next_contact_due(
    *, enrolled_on: datetime.date, contacts: list[datetime.date], target_count: int, target_period: str
) -> datetime.date:
    """The date by which the next contact is needed to stay on target (contacts: reached, sorted).

    ``spacing_days`` after the last contact, but no later than the last day of the first period
    (from the last contact's) whose target is not yet met.
    """
    if not contacts:
        return enrolled_on
    last = contacts[-1]
    spaced = last + datetime.timedelta(days=spacing_days(target_count, target_period))
    start, end = period_bounds(last, target_period)
    if contacts_in(contacts, start, end) >= target_count:
        start, end = period_bounds(end + datetime.timedelta(days=1), target_period)
    return min(spaced, end)


def derive_pairing(
    *, enrolled_on: datetime.date, data: dict, visits: list[VisitFact], lost_after: int, retry_days: int
) -> Derived:
    target = int(data.get("target_count") or DEFAULTS["target_count"])
    period = data.get("target_period") or DEFAULTS["target_period"]
    contacts, misses, last_attempt = [], 0, None
    for visit in visits:
        last_attempt = visit.on
        if visit.reached:
            contacts.append(visit.on)
            misses = 0
        else:
            misses += 1
    due = next_contact_due(enrolled_on=enrolled_on, contacts=contacts, target_count=target, target_period=period)
    if misses and last_attempt is not None:
        # Try again soon after a call nobody answered, unless the next contact was due later anyway.
        due = max(due, last_attempt + datetime.timedelta(days=retry_days))
    lost = lost_after > 0 and misses >= lost_after
    return Derived(state="", next_due_on=due, misses=misses, lost=lost)


@register
class PairingProgram(Program):
    code = CODE
    name = _("结对帮扶")
    subjects = (Subject.HOUSEHOLD, Subject.RESIDENT, Subject.REGION)
    health = False
    enrollment_fields = ENROLLMENT_FIELDS
    visit_kinds = (VisitKind("contact", _("联系"), CONTACT_SERVICE_TYPES, CONTACT_FIELDS),)
    requires_responsible = True
    settings = (
        SettingSpec("lost_after", _("连续几次联系不上记为失访"), 3, min=1, max=10),
        SettingSpec("retry_days", _("联系不上后几天内再联系"), 1, min=1, max=30),
    )
    basis = _("结对帮扶：按约定频次联系（如每周不少于2次、每月至少上门1次），按周或按月考核达标")
    sort_order = 40

    def default_service_type(self, enrollment, kind):
        return contact_service_type(enrollment)

    def clean_enrollment(self, data, *, subject, enrolled_on, settings):
        data = dict(data or {})
        for key, value in DEFAULTS.items():  # a pair made without a frequency: 2 contacts a week
            if data.get(key) in (None, ""):
                data[key] = value
        return clean_fields(list(self.enrollment_fields), data)

    def visit_reached(self, kind: str, data: dict) -> bool:
        return data.get("reached", True) is not False

    def derive(self, *, enrolled_on, data, visits, settings, periods=()):
        return derive_pairing(
            enrolled_on=enrolled_on,
            data=data,
            visits=visits,
            lost_after=int(settings.get("lost_after", 3)),
            retry_days=int(settings.get("retry_days", 1)),
        )

    def indicators(self, *, enrollments, visits, start, end, settings):
        from .compliance import compliance_figures

        return compliance_figures(enrollments=enrollments, visits=visits, start=start, end=end)


def require_responsible(*, member, team) -> None:
    """A pair needs someone who keeps in touch: a member, a team or both."""
    if member is None and team is None:
        raise ValidationError({"responsible_member": _("请选择结对的帮扶人（成员）或帮扶队伍")})

"""严重精神障碍患者管理: the follow-up program of registered patients (code "smd").

Follows 《严重精神障碍管理治疗工作规范（2018年版）》 and 《国家基本公共卫生服务规范（第三版）》严重精神
障碍患者管理服务规范 (see rules.py for the sections). Enrollment needs the patient's or guardian's
informed consent to follow-up management (工作规范 第四章: 知情同意); the annual physical
examination needs its own consent, given on the record (规范 二（四）: 征得监护人与（或）患者本人同意).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..fields import clean_fields
from ..registry import Derived, Program, Subject, VisitFact, VisitKind, register
from . import diagnoses, rules
from .forms_spec import CLINICAL, EMERGENCY_FIELDS, ENROLLMENT_FIELDS, EXAM_FIELDS, FOLLOWUP_FIELDS, SETTINGS

try:  # the indicator definitions a deployment may choose (the indicators' own module)
    from ..smd_indicator_settings import INDICATOR_SETTINGS
except ImportError:  # pragma: no cover - only while that module is being written
    INDICATOR_SETTINGS = ()

CODE = "smd"
FOLLOWUP_TYPES = ("followup_home", "followup_clinic", "followup_phone", "joint_followup")
JOINT_TYPE = "joint_followup"
# 工作规范 第五章: a joint follow-up is made with the police and the village (neighbourhood)
# committee; the family and the doctor may join but do not make it joint.
JOINT_ROLES = ("police", "committee")


@register
class SevereMentalDisorderProgram(Program):
    code = CODE
    name = gettext_lazy("严重精神障碍患者管理")
    subjects = (Subject.RESIDENT,)
    health = True
    consent_kind = "follow_up"
    enrollment_fields = ENROLLMENT_FIELDS
    visit_kinds = (
        VisitKind(rules.FOLLOWUP, gettext_lazy("随访"), FOLLOWUP_TYPES, FOLLOWUP_FIELDS),
        VisitKind(rules.EXAM, gettext_lazy("年度健康体检"), ("physical_exam",), EXAM_FIELDS),
        VisitKind(rules.EMERGENCY, gettext_lazy("应急处置"), ("emergency_handling",), EMERGENCY_FIELDS),
    )
    states = tuple(rules.STABILITY_CHOICES) + ((rules.IN_HOSPITAL, gettext_lazy("住院中")),)
    settings = SETTINGS + tuple(INDICATOR_SETTINGS)
    basis = gettext_lazy(
        "《严重精神障碍管理治疗工作规范（2018年版）》；《国家基本公共卫生服务规范（第三版）》严重精神障碍患者管理服务规范"
    )
    sort_order = 10

    # --- enrollment ------------------------------------------------------------------------

    def ineligible_reason(self, subject, on: datetime.date, settings: dict) -> str | None:
        # Anyone diagnosed may be registered (the diagnosis is required data); only the dead may not.
        if getattr(subject, "deceased_on", None) and subject.deceased_on <= on:
            return _("该居民已于 %(d)s 死亡") % {"d": subject.deceased_on}
        return None

    def clean_enrollment(self, data: dict | None, *, subject, enrolled_on: datetime.date, settings: dict) -> dict:
        data = dict(data or {})
        if "diagnosis" in data:
            data["diagnosis"] = diagnoses.normalize(data["diagnosis"])
        clean = clean_fields(list(self.enrollment_fields), data)
        if "diagnosed_on" in clean:
            diagnosed_on = datetime.date.fromisoformat(clean["diagnosed_on"])
            birth = getattr(subject, "birth_date", None)
            if diagnosed_on > enrolled_on:
                raise ValidationError({"diagnosed_on": _("确诊日期不能晚于纳入日期（%(d)s）") % {"d": enrolled_on}})
            if birth and diagnosed_on < birth:
                raise ValidationError({"diagnosed_on": _("确诊日期早于出生日期")})
        return clean

    # --- visits ----------------------------------------------------------------------------

    def clean_visit(
        self, data: dict | None, *, kind: str, enrollment, visited_on: datetime.date, settings: dict
    ) -> dict:
        clean = clean_fields(list(self.visit_kind(kind).fields), data)
        if kind == rules.EXAM and clean.get("consent") is not True:
            raise ValidationError({"consent": _("健康体检须先征得患者本人或监护人同意")})
        if kind == rules.FOLLOWUP:
            clean = clean_followup(clean)
        return clean

    def clean_visit_type(self, data: dict, *, kind: str, service_type: str) -> dict:
        if service_type == JOINT_TYPE:
            roles = {p["role"] for p in data.get("participants", [])}
            if not roles & set(JOINT_ROLES):
                raise ValidationError({"participants": _("联合随访须列出参加的公安或村（居）委会人员")})
        return data

    def visit_reached(self, kind: str, data: dict) -> bool:
        # Only a follow-up can miss the patient; an examination or an emergency saw them.
        return kind != rules.FOLLOWUP or data.get("reached", True) is not False

    # --- the rule --------------------------------------------------------------------------

    def derive(
        self,
        *,
        enrolled_on: datetime.date,
        data: dict,
        visits: list[VisitFact],
        settings: dict,
        periods: tuple = (),
    ) -> Derived:
        return rules.derive(enrolled_on=enrolled_on, visits=visits, settings=settings, periods=periods)


def clean_followup(clean: dict) -> dict:
    """Cross-field checks of one follow-up record (fields already typed).

    Not reached: the reason is required and nothing may describe the patient. Reached: the
    risk level and medication adherence are required (规范 二（二）: every follow-up assesses the
    risk); the class is checked against the record, or derived from it and stored so the record
    shows it. Referral is not forced for an unstable patient: 规范 二（三）1 provides for those who
    cannot be referred (followed up jointly within 2 weeks instead).
    """
    if clean.get("reached", True) is False:
        errors = {key: [_("未访到本人时不应填写此项")] for key in CLINICAL if key in clean}
        if "not_reached_reason" not in clean:
            errors["not_reached_reason"] = [_("未访到本人时请填写原因")]
        if errors:
            raise ValidationError(errors)
        return clean
    errors = {}
    if "not_reached_reason" in clean:
        errors["not_reached_reason"] = [_("已见到本人，不应填写未访到原因")]
    if "risk_level" not in clean:
        errors["risk_level"] = [_("请填写危险性评估（0–5级）")]
    if "medication" not in clean:
        errors["medication"] = [_("请填写服药依从性")]
    if "referral_reason" in clean and clean.get("referral") is not True:
        errors["referral_reason"] = [_("未转诊时不应填写转诊原因")]
    if errors:
        raise ValidationError(errors)
    derived = rules.classify(clean)
    if "stability" in clean:
        rules.check_stability(clean["stability"], derived, rules.risk_of(clean))
    else:
        clean["stability"] = derived
    return clean


def exam_due_on(enrollment, *, settings: dict | None = None) -> datetime.date | None:
    """When the patient's annual physical examination is due: a year (``exam_interval_months``)
    after the last counted one, or after enrollment when none; None once the enrollment is closed.
    The caller has the enrollment from a scoped query."""
    from ..configuration import program_settings

    if not enrollment.is_open:
        return None
    settings = settings or program_settings(CODE)
    dates = list(enrollment.visits.filter(kind=rules.EXAM, counted=True).values_list("visited_on", flat=True))
    return rules.exam_due(enrollment.enrolled_on, dates, settings)

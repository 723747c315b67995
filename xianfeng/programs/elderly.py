"""65岁及以上老年人健康管理 (issue 10 §3): a free yearly check-up for everyone aged 65 or over.

Follows 《国家基本公共卫生服务规范（第三版）》老年人健康管理服务规范: once a year, 生活方式和健康状况
评估 (including 老年人生活自理能力评估), 体格检查, 辅助检查 (血常规、尿常规、肝功能、肾功能、空腹
血糖、血脂、心电图、腹部B超), 中医体质辨识 and 健康指导. Eligibility is the birth date (65 on the day
of enrollment); the check is due at enrollment and again when the last check is ``interval_months``
old (12 by default). ``elderly_enroll_all`` is the clerk's one button that enrolls every eligible
resident in their scope who is not yet enrolled.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped
from xianfeng.residents.models import Resident, elderly_born_before, is_elderly

from .fields import clean_fields
from .registry import Derived, Program, SettingSpec, VisitKind, add_months, register

CODE = "elderly_check"
NORMAL = [["normal", gettext_lazy("正常")], ["abnormal", gettext_lazy("异常")]]

# 老年人生活自理能力评估表: the total score (进餐、梳洗、穿衣、如厕、活动) read as four bands.
SELF_CARE = [
    ["independent", gettext_lazy("可自理（0–3分）")],
    ["mild", gettext_lazy("轻度依赖（4–8分）")],
    ["moderate", gettext_lazy("中度依赖（9–18分）")],
    ["dependent", gettext_lazy("不能自理（≥19分）")],
]
# 辅助检查 of the specification, each recorded as normal or abnormal.
LAB_ITEMS = [
    ("blood_routine", gettext_lazy("血常规")),
    ("urine_routine", gettext_lazy("尿常规")),
    ("fasting_glucose", gettext_lazy("空腹血糖")),
    ("blood_lipids", gettext_lazy("血脂")),
    ("liver_function", gettext_lazy("肝功能")),
    ("kidney_function", gettext_lazy("肾功能")),
    ("ecg", gettext_lazy("心电图")),
    ("abdominal_ultrasound", gettext_lazy("腹部B超")),
]
GUIDANCE = [
    ["chronic_management", gettext_lazy("纳入慢病管理")],
    ["recheck", gettext_lazy("建议复查")],
    ["referral", gettext_lazy("建议转诊")],
    ["health_education", gettext_lazy("健康教育")],
]

CHECK_FIELDS = (
    {"key": "self_care", "label": gettext_lazy("生活自理能力评估"), "kind": "choice", "choices": SELF_CARE},
    {"key": "systolic", "label": gettext_lazy("收缩压（mmHg）"), "kind": "integer", "min": 50, "max": 300},
    {"key": "diastolic", "label": gettext_lazy("舒张压（mmHg）"), "kind": "integer", "min": 20, "max": 200},
    {"key": "height", "label": gettext_lazy("身高（cm）"), "kind": "decimal", "min": 80, "max": 230},
    {"key": "weight", "label": gettext_lazy("体重（kg）"), "kind": "decimal", "min": 20, "max": 250},
    {"key": "bmi", "label": gettext_lazy("体质指数（BMI）"), "kind": "decimal", "min": 8, "max": 80},
    {"key": "waist", "label": gettext_lazy("腰围（cm）"), "kind": "decimal", "min": 40, "max": 200},
    *({"key": key, "label": label, "kind": "choice", "choices": NORMAL} for key, label in LAB_ITEMS),
    {"key": "tcm_constitution", "label": gettext_lazy("已做中医体质辨识"), "kind": "boolean"},
    {"key": "guidance", "label": gettext_lazy("健康指导"), "kind": "multichoice", "choices": GUIDANCE},
)


@register
class ElderlyCheckProgram(Program):
    code = CODE
    name = gettext_lazy("65岁及以上老年人健康管理")
    basis = gettext_lazy("国家基本公共卫生服务规范（第三版）·老年人健康管理服务规范")
    sort_order = 30
    visit_kinds = (VisitKind("check", gettext_lazy("年度健康体检"), ("physical_exam",), CHECK_FIELDS),)
    states = (("pending", gettext_lazy("待体检")), ("checked", gettext_lazy("已体检")))
    settings = (
        SettingSpec(
            "interval_months",
            gettext_lazy("体检间隔（月）"),
            12,
            min=1,
            max=36,
            help=gettext_lazy("上次体检满这么多个月后再次到期；规范为每年一次"),
        ),
    )

    def ineligible_reason(self, subject, on: datetime.date, settings: dict) -> str | None:
        if subject.birth_date is None:
            return _("%(n)s 没有登记出生日期，无法确认是否年满65岁") % {"n": subject.name}
        if not is_elderly(subject.birth_date, on):
            return _("%(n)s 在 %(d)s 未满65岁（出生于 %(b)s）") % {
                "n": subject.name,
                "d": on.isoformat(),
                "b": subject.birth_date.isoformat(),
            }
        return None

    def clean_visit(self, data, *, kind, enrollment, visited_on, settings) -> dict:
        clean = clean_fields(list(self.visit_kind(kind).fields), data)
        if "systolic" in clean and "diastolic" in clean and clean["diastolic"] >= clean["systolic"]:
            raise ValidationError({"diastolic": _("舒张压应低于收缩压")})
        if "bmi" not in clean and "height" in clean and "weight" in clean:
            # Entered or computed: kg / m², one decimal, as printed on the check-up form.
            metres = Decimal(clean["height"]) / 100
            clean["bmi"] = str((Decimal(clean["weight"]) / (metres * metres)).quantize(Decimal("0.1")))
        return clean

    def derive(self, *, enrolled_on, data, visits, settings, periods=()) -> Derived:
        checks = [v.on for v in visits if v.reached]
        if not checks:
            return Derived(state="pending", next_due_on=enrolled_on)
        return Derived(state="checked", next_due_on=add_months(checks[-1], int(settings["interval_months"])))


def eligible_not_enrolled(user, *, on: datetime.date, township_code: str | None = None):
    """Residents in the user's scope, alive, unmerged, 65 or over on ``on`` and not in the program."""
    from .models import OPEN_STATUSES, Enrollment

    residents = scoped(user, Resident, VIEW).filter(
        birth_date__lte=elderly_born_before(on), deceased_on__isnull=True, merged_into__isnull=True
    )
    if township_code:
        residents = residents.filter(village__code__startswith=township_code)
    enrolled = Enrollment.objects.live().filter(program=CODE, status__in=OPEN_STATUSES, resident__isnull=False)
    return residents.exclude(pk__in=enrolled.values("resident_id"))


MAX_BULK = 20000


@transaction.atomic
def elderly_enroll_all(*, acting_user, township_code: str | None = None, org=None) -> int:
    """Enroll every eligible resident in the user's scope (optionally one township) who is not
    yet enrolled: all or nothing; returns how many. Each enrollment goes through the program's
    rules (``enrollment_create``), so it is audited and placed like one made by hand."""
    from .models import Enrollment
    from .services import enrollment_create

    if not can(acting_user, CHANGE, Enrollment):
        raise PermissionDenied
    if township_code is not None and (len(township_code) != 9 or not township_code.isdigit()):
        raise ValidationError({"township_code": _("请选择乡镇（街道），代码为 9 位数字")})
    today = timezone.localdate()
    residents = list(eligible_not_enrolled(acting_user, on=today, township_code=township_code)[: MAX_BULK + 1])
    if len(residents) > MAX_BULK:
        raise ValidationError({"township_code": _("一次最多纳入 %(n)d 人，请按乡镇分批纳入") % {"n": MAX_BULK}})
    for resident in residents:
        try:
            enrollment_create(acting_user=acting_user, program=CODE, resident=resident, org=org, enrolled_on=today)
        except ValidationError as exc:
            raise ValidationError({"resident": f"{resident.name}：{'；'.join(exc.messages)}"}) from None
    return len(residents)

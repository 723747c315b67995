"""Indicators of 严重精神障碍患者管理 and its screening path (DESIGN.md §2; issue 10 §2, §9).

Definitions follow 国家基本公共卫生服务规范（第三版）“严重精神障碍患者管理服务规范” §5 工作指标 and
《严重精神障碍管理治疗工作规范（2018年版）》:

- 在册 (registered): patients enrolled by the period's end and not moved, deceased or exited by
  then (a lost patient stays registered); the base of every rate below.
- 报告患病率 = 在册 ÷ population of the regions in scope (‰).
- 管理率 = 在册 with ≥ 1 follow-up that reached the patient in the period, or in hospital at
  some time in it ÷ 在册.
- 规范管理率, 面访率, 体检率: open in the national texts; the deployment's rule
  (smd_indicator_settings.py) is printed beside each.
- 服药率 / 规律服药率: medication at the last reached follow-up of the period ÷ 在册.
- 病情稳定率 = stable at the last reached follow-up ÷ 在册 living at home (not in hospital at the
  period's end).
Screening: 筛查人次 counts smd_screening records, 新发确诊 new_diagnosis records (a diagnosis that
excluded the disorder is not one).
"""

import math

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Length
from django.utils.translation import gettext as _

from xianfeng.accounts.roles import role_allows
from xianfeng.accounts.scoping import active_grants, served_region_codes
from xianfeng.regions.models import Region

from .indicators import Figure, FigureSet, open_at
from .models import Period, Visit
from .smd_indicator_settings import AT_HOME, INDICATOR_DEFAULTS, YES

FACE_TYPES = ("followup_clinic", "followup_home")
JOINT_TYPE = "joint_followup"
TAKING = ("regular", "intermittent")
DAYS_A_YEAR = 365.25


def required_followups(per_year: int, days: int, prorate: bool) -> int:
    """Reached follow-ups a patient needs in a period of ``days`` to count as 规范管理: the
    yearly number, pro-rated by days when chosen (a quarter needs 1 of 4, a half-year 2), at least 1."""
    if not prorate:
        return per_year
    return max(1, math.floor(per_year * days / DAYS_A_YEAR + 0.5))


def smd_registered(fs: FigureSet):
    """在册 at the period's end: registered minus deceased (and moved away or exited)."""
    return open_at(fs.enrollments, fs.end).exclude(resident__deceased_on__lte=fs.end)


def _counts(fs: FigureSet, *, required: int, face_types: tuple) -> dict:
    start, end = fs.start, fs.end
    in_period = Visit.objects.filter(
        enrollment=OuterRef("pk"), counted=True, visited_on__gte=start, visited_on__lte=end
    ).order_by()
    followups = in_period.filter(kind="followup", reached=True)
    hospital = Period.objects.filter(enrollment=OuterRef("pk"), kind=Period.Kind.HOSPITAL, start_on__lte=end)
    last = followups.order_by("-visited_on", "-id")
    rows = smd_registered(fs).annotate(
        x_followed=Exists(followups),
        x_followups=Coalesce(
            Subquery(followups.values("enrollment").annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
            output_field=IntegerField(),
        ),
        x_faced=Exists(followups.filter(record__service_type__code__in=face_types)),
        x_examined=Exists(in_period.filter(kind="exam")),
        x_hospital_during=Exists(hospital.filter(Q(end_on__isnull=True) | Q(end_on__gte=start))),
        x_hospital_at_end=Exists(hospital.filter(Q(end_on__isnull=True) | Q(end_on__gte=end))),
        x_medication=Subquery(last.values(v=KeyTextTransform("medication", "record__result"))[:1]),
        x_stability=Subquery(last.values(v=KeyTextTransform("stability", "record__result"))[:1]),
    )
    return rows.aggregate(
        registered=Count("pk"),
        managed=Count("pk", filter=Q(x_followed=True) | Q(x_hospital_during=True)),
        standard=Count("pk", filter=Q(x_followups__gte=required)),
        faced=Count("pk", filter=Q(x_faced=True)),
        taking=Count("pk", filter=Q(x_medication__in=TAKING)),
        regular=Count("pk", filter=Q(x_medication="regular")),
        in_hospital=Count("pk", filter=Q(x_hospital_at_end=True)),
        stable=Count("pk", filter=Q(x_stability="stable", x_hospital_at_end=False)),
        examined=Count("pk", filter=Q(x_examined=True)),
        examined_at_home=Count("pk", filter=Q(x_examined=True, x_hospital_at_end=False)),
    )


def smd_figures(fs: FigureSet) -> list[Figure]:
    settings = {**INDICATOR_DEFAULTS, **fs.settings}
    per_year = int(settings["standard_min_followups"])
    prorate = settings["standard_prorate"] == YES
    required = required_followups(per_year, fs.days, prorate)
    joint = settings["face_joint_counts"] == YES
    face_types = FACE_TYPES + ((JOINT_TYPE,) if joint else ())
    c = _counts(fs, required=required, face_types=face_types)
    n = c["registered"]
    at_home = n - c["in_hospital"]
    population, population_note = scope_population(fs)
    group = _("严重精神障碍患者管理指标（国家基本公共卫生服务规范）")
    if prorate:
        standard_rule = _("当前口径：每年至少 %(y)s 次，期间不足一年按天数折算，本期间要求不少于 %(n)s 次") % {
            "y": per_year,
            "n": required,
        }
    else:
        standard_rule = _("当前口径：不论期间长短，均要求不少于 %(n)s 次（不折算）") % {"n": required}
    exam_home = settings["exam_denominator"] == AT_HOME
    return [
        Figure(
            "registered",
            _("在册患者"),
            n,
            _("期末登记在册的确诊患者数：纳入日期不晚于期末，减去期末前死亡、迁出或结案者（失访者仍在册）"),
            unit=_("人"),
            drill={"status": "open"},
            group=group,
        ),
        Figure(
            "prevalence",
            _("报告患病率"),
            n,
            _("在册患者数 ÷ 所选地区（或权限范围内地区）常住人口数 × 1000‰"),
            denominator=population,
            unit=_("人"),
            scale=1000,
            note=population_note,
            group=group,
        ),
        Figure(
            "managed",
            _("管理率"),
            c["managed"],
            _("期间内至少有1次见到本人的随访，或期间内曾住院的在册患者数 ÷ 在册患者数"),
            denominator=n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "standard",
            _("规范管理率"),
            c["standard"],
            _("期间内见到本人的随访次数达到要求的在册患者数 ÷ 在册患者数。") + standard_rule,
            denominator=n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "face",
            _("面访率"),
            c["faced"],
            _("期间内至少有1次门诊或上门面访（见到本人）的在册患者数 ÷ 在册患者数。")
            + (_("当前口径：联合随访计为面访") if joint else _("当前口径：联合随访不计为面访")),
            denominator=n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "medication",
            _("服药率"),
            c["taking"],
            _("期间内最后一次见到本人的随访记录为规律或间断服药的在册患者数 ÷ 在册患者数"),
            denominator=n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "regular_medication",
            _("规律服药率"),
            c["regular"],
            _("期间内最后一次见到本人的随访记录为规律服药的在册患者数 ÷ 在册患者数"),
            denominator=n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "stable",
            _("病情稳定率"),
            c["stable"],
            _("期间内最后一次见到本人的随访评估为“稳定”的居家患者数 ÷ 在册居家患者数（在册患者减去期末住院者）"),
            denominator=at_home,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "exam",
            _("体检率"),
            c["examined_at_home"] if exam_home else c["examined"],
            _("期间内至少完成1次健康体检的患者数 ÷ ")
            + (
                _("在册居家患者数（当前口径：分母不含期末住院者）")
                if exam_home
                else _("在册患者数（当前口径：分母为全部在册患者）")
            ),
            denominator=at_home if exam_home else n,
            unit=_("人"),
            group=group,
        ),
        Figure(
            "in_hospital",
            _("期末住院"),
            c["in_hospital"],
            _("期末处于住院期间的在册患者数"),
            unit=_("人"),
            group=group,
        ),
    ] + screening_figures(fs, with_group=_("筛查与新发确诊"))


def screening_figures(fs: FigureSet, with_group: str = "") -> list[Figure]:
    group = with_group or _("筛查与新发确诊")
    screenings = fs.records(["smd_screening"])
    diagnoses = fs.records(["new_diagnosis"]).exclude(result__diagnosis="excluded")
    return [
        Figure(
            "screenings",
            _("筛查人次"),
            screenings.count(),
            _("期间内“疑似严重精神障碍筛查”服务记录数（作废的不计）"),
            unit=_("人次"),
            group=group,
        ),
        Figure(
            "screened_people",
            _("筛查人数"),
            screenings.exclude(resident=None).values("resident").distinct().count(),
            _("期间内被筛查的不同居民数（同一人多次筛查计1人）"),
            unit=_("人"),
            group=group,
        ),
        Figure(
            "suspected",
            _("筛查疑似"),
            screenings.filter(result__result="suspected").count(),
            _("期间内筛查结果为“疑似”的记录数"),
            unit=_("人次"),
            group=group,
        ),
        Figure(
            "new_diagnoses",
            _("新发确诊"),
            diagnoses.count(),
            _("期间内“新发确诊”服务记录数；诊断结论为排除的不计"),
            unit=_("人"),
            group=group,
        ),
    ]


# --- population of the regions in scope ---------------------------------------------------------


def scope_codes(fs: FigureSet) -> list[str]:
    """The region codes whose population is the prevalence's denominator: the chosen region,
    else the regions the chosen organization's subtree serves, else those of the user's grants."""
    if fs.region is not None:
        return [fs.region.code]
    if fs.org is not None:
        return served_region_codes(fs.org, True)
    user = fs.user
    if user.is_superuser:
        return []
    codes: set[str] = set()
    for grant in active_grants(user):
        if not role_allows(grant.role, "programs.view"):
            continue
        if grant.scope == "region":
            codes.update(grant.region_prefix_list)
        elif grant.scope in ("org_subtree", "org_only") and grant.org_id:
            codes.update(served_region_codes(grant.org, grant.scope == "org_subtree"))
        else:  # 全部 or 仅本人: no place to take a population from
            return []
    return sorted(c for c in codes if not any(c != p and c.startswith(p) for p in codes))


def scope_population(fs: FigureSet) -> tuple[int | None, str]:
    """(population, why there is none). A region without a population of its own takes the sum
    of its direct children when every child has one; the note names the regions still missing."""
    codes = scope_codes(fs)
    if not codes:
        return None, _("请选择地区或组织以计算患病率")
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    total, missing = 0, []
    for code in codes:
        region = regions.get(code)
        value = region.population if region is not None else None
        if value is None:
            value = _children_population(code)
        if value is None:
            missing.append(region.name if region is not None else code)
        else:
            total += value
    if missing:
        return None, _("人口数未填：%(r)s") % {"r": "、".join(missing)}
    return total, ""


def _children_population(code: str) -> int | None:
    child_length = {2: 4, 4: 6, 6: 9, 9: 12}.get(len(code))
    if child_length is None:
        return None
    children = list(
        Region.objects.annotate(code_length=Length("code"))
        .filter(code__startswith=code, code_length=child_length)
        .values_list("population", flat=True)
    )
    if not children or any(p is None for p in children):
        return None
    return sum(children)

"""The figures of DESIGN.md §2 with their names, units and definitions (口径).

The keys are the JSON keys of the API and of ``manage.py report``; every page, workbook and
report prints the label and the definition from here, so a figure means the same everywhere.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: str
    unit: str
    definition: str
    headline: bool = True  # shown among the dashboard's headline figures


METRICS: dict[str, MetricDef] = {
    m.key: m
    for m in (
        MetricDef(
            "person_times",
            _("服务人次"),
            _("人次"),
            _(
                "期间内计入人次的服务类型的服务记录数（对个人或对户的每条记录各计 1），"
                "加上已举办活动登记的不记名服务人数；作废的记录与取消、作废的活动不计"
            ),
        ),
        MetricDef(
            "persons",
            _("服务人数"),
            _("人"),
            _("期间内至少有 1 条服务记录的居民数；同一居民被多支队伍、多次服务只计 1 人；不记名人数不计"),
        ),
        MetricDef(
            "households",
            _("服务户数"),
            _("户"),
            _("期间内服务记录指向的户数（去重）：对户的记录计该户，对个人的记录计其现属户；未建户的个人不计"),
        ),
        MetricDef("events", _("活动场次"), _("场"), _("期间内已举办且未作废的活动数（计划中、已取消的不计）")),
        MetricDef(
            "townships_covered",
            _("覆盖乡镇"),
            _("个"),
            _("服务记录与已举办活动所在的乡镇（9 位代码）去重计数；没有地点的记录（如匿名来电）不计"),
        ),
        MetricDef(
            "villages_covered",
            _("覆盖村（社区）"),
            _("个"),
            _("服务记录与已举办活动所在的村（12 位代码）去重计数；只记到乡镇的记录不计入村"),
        ),
        MetricDef(
            "townships_in_scope",
            _("范围内乡镇"),
            _("个"),
            _("所选地区（未选时为统计范围：授权地区或组织服务的地区）内的乡镇数，覆盖率的分母"),
            headline=False,
        ),
        MetricDef(
            "villages_in_scope",
            _("范围内村（社区）"),
            _("个"),
            _("所选地区（未选时为统计范围）内的村（社区）数，覆盖率的分母"),
            headline=False,
        ),
        MetricDef(
            "hours",
            _("志愿服务时长"),
            _("小时"),
            _("服务记录中服务人员登记的时长与已举办活动参与人员的时长之和，不含路途时间"),
        ),
        MetricDef(
            "quantity",
            _("服务数量"),
            "",
            _("按计量单位分别合计：服务记录的数量（单位为其服务类型的单位）加上活动登记的服务数量"),
            headline=False,
        ),
    )
}

COUNT_KEYS = (
    "person_times",
    "persons",
    "households",
    "events",
    "townships_covered",
    "villages_covered",
    "townships_in_scope",
    "villages_in_scope",
)

# The severe mental disorder program's figures (programs.indicators_smd) under the API's names.
SMD_KEYS = {
    "registered": "registered",
    "managed": "management_rate",
    "standard": "standard_management_rate",
    "face": "face_to_face_rate",
    "medication": "medication_rate",
    "regular_medication": "regular_medication_rate",
    "stable": "stable_rate",
    "exam": "physical_exam_rate",
}


def metric(key: str) -> MetricDef:
    return METRICS[key]

"""应急处置 in the reports (issue 13 §6): its figures under ``metrics_for(...)["emergencies"]``, a
panel on the dashboard (/reports/) and drill-downs to the emergencies, 请战书, teams, members,
groups, leadership meetings, applications and pairings behind each count, listed through
``scoped()``.
"""

from django.utils.translation import gettext_lazy as _

from xianfeng.reports.definitions import MetricDef
from xianfeng.reports.families import FamilyRows, register_family

from . import figures

DEFINITIONS = {
    m.key: m
    for m in (
        MetricDef(
            "emergencies",
            _("应急事件"),
            _("起"),
            _(
                "牵头组织为所选组织、其下级或其上级（支部可见党委的应急事件）、期间内任一天处于进行中的应急事件数；"
                "地区、队伍、服务类型、类别与项目筛选不适用于应急处置"
            ),
        ),
        MetricDef(
            "pledges",
            _("请战书"),
            _("份"),
            _("上述应急事件中，期间内（按日期）所选组织的党员提交且未撤回的请战书数"),
        ),
        MetricDef("commando_teams", _("党员突击队"), _("支"), _("上述应急事件组建的党员突击队数")),
        MetricDef(
            "commando_members",
            _("突击队队员"),
            _("人"),
            _("曾编入上述党员突击队的人员数（去重：一人在多支突击队只计 1 人）"),
        ),
        MetricDef(
            "outbound_teams",
            _("援外医疗队"),
            _("支"),
            _("上述应急事件派出的援外医疗队数"),
            headline=False,
        ),
        MetricDef(
            "working_groups",
            _("工作组"),
            _("个"),
            _("上述应急事件指挥体系中设立的工作组数"),
            headline=False,
        ),
        MetricDef(
            "leadership_meetings",
            _("领导小组会议"),
            _("次"),
            _("上述应急事件中，期间内召开且未作废的领导小组会议数"),
            headline=False,
        ),
        MetricDef(
            "applications",
            _("火线入党申请"),
            _("份"),
            _("上述应急事件中，入党申请日期在期间内的火线入党申请数"),
        ),
        MetricDef(
            "families_paired",
            _("结对家属"),
            _("户"),
            _(
                "结对帮扶项目中未作废的一线人员家属结对数：责任组织在应急事件牵头组织及其下级，"
                "纳入日期在应急事件起止期间内且在统计期间内"
            ),
        ),
        MetricDef(
            "latest_confirmed",
            _("累计确诊"),
            _("例"),
            _("上述每起应急事件在期间最后一天及以前最近一份未作废的每日报告中的累计确诊数，各事件相加"),
        ),
        MetricDef(
            "latest_screened",
            _("累计发热筛查"),
            _("人次"),
            _("上述每起应急事件最近一份每日报告中的累计发热筛查数，各事件相加"),
            headline=False,
        ),
    )
}

HEADLINE = (
    "emergencies",
    "pledges",
    "commando_teams",
    "commando_members",
    "families_paired",
    "latest_confirmed",
)

_DRILLS = {
    "emergencies": (_("应急事件"), "emergencies/figures_drill_emergencies.html", "emergencies:detail", ("org",)),
    "pledges": (_("请战书"), "emergencies/figures_drill_pledges.html", "", ("member", "member__branch", "team")),
    "commando_teams": (_("党员突击队"), "emergencies/figures_drill_teams.html", "", ("team", "emergency")),
    "outbound_teams": (_("援外医疗队"), "emergencies/figures_drill_teams.html", "", ("team", "emergency")),
    "commando_members": (_("突击队队员"), "emergencies/figures_drill_members.html", "members:detail", ("branch",)),
    "working_groups": (_("工作组"), "emergencies/figures_drill_groups.html", "", ("emergency", "leader")),
    "leadership_meetings": (_("领导小组会议"), "emergencies/figures_drill_meetings.html", "", ("emergency", "host")),
    "applications": (
        _("火线入党申请"),
        "emergencies/figures_drill_applications.html",
        "",
        ("member", "member__branch", "step", "emergency"),
    ),
    "families_paired": (
        _("结对家属"),
        "emergencies/figures_drill_pairings.html",
        "programs:enrollment_detail",
        ("household__head", "responsible_member", "org"),
    ),
}

HIDDEN = _("另有 %(n)s 条记录不在您的查看范围内，仅计数不显示")


def drill(flt, reach, key: str, params) -> FamilyRows:
    """The rows behind a count (KeyError for the report's counts)."""
    title, template, detail, related = _DRILLS[key]
    rows = figures.figure_rows(flt, reach, key)
    return FamilyRows(
        rows=rows.order_by("-pk"),
        title=title,
        template=template,
        hidden_text=HIDDEN,
        detail=detail,
        select_related=related,
    )


def register() -> None:
    register_family(
        "emergencies",
        _("应急处置"),
        figures.emergency_figures,
        DEFINITIONS,
        drill,
        headline=HEADLINE,
        drillable=figures.COUNT_KEYS,
        has_data=figures.has_data,
    )

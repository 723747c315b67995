"""组织生活与党建 in the reports (issue 13 §4, §5): its figures under
``metrics_for(...)["partylife"]``, a panel on the dashboard (/reports/) and drill-downs to the
meetings, study, payments, expenses, honours and outputs behind each count, listed through
``scoped()`` (the rows the reader may open; the others are counted only).
"""

from django.utils.translation import gettext_lazy as _

from xianfeng.reports.definitions import MetricDef
from xianfeng.reports.families import FamilyRows, register_family

from . import figures

DEFINITIONS = {
    m.key: m
    for m in (
        MetricDef(
            "meetings_held",
            _("召开会议"),
            _("次"),
            _(
                "期间内（按会议日期）召开、未作废且有效的三会一课及其他组织生活会议数（含党小组会）；"
                "按会议所属组织筛选，地区、队伍、服务类型、类别与项目筛选不适用于组织生活"
            ),
        ),
        MetricDef(
            "attendance_rate",
            _("到会率"),
            "%",
            _("上述会议的实到人数之和 ÷ 应到人数之和（只计登记了应到人数的会议）"),
        ),
        MetricDef(
            "compliance_rate",
            _("组织生活达标率"),
            "%",
            _(
                "期间内已结束的应开会议周期（支部 × 会议类型 × 月/季/年，按全国默认要求与本地规则）中，"
                "按要求次数召开了有效会议的周期所占比例；周期须完整落在期间内"
            ),
        ),
        MetricDef(
            "compliance_required",
            _("应开会议周期"),
            _("个"),
            _("期间内已结束、规则要求召开会议的周期数（支部 × 会议类型 × 周期），达标率的分母"),
            headline=False,
        ),
        MetricDef("study_items", _("推送学习内容"), _("项"), _("期间内（按推送日期）推送且未作废的学习内容数")),
        MetricDef(
            "study_completions",
            _("完成学习"),
            _("人次"),
            _("期间内（按完成日期）党员完成学习的记录数（学习内容未作废）"),
            headline=False,
        ),
        MetricDef("study_hours", _("学习时长"), _("学时"), _("上述完成学习记录的学时之和")),
        MetricDef(
            "dues_due",
            _("应交党费"),
            _("元"),
            _("所属月份在期间内（至本月为止）的各月，每名党员按当月有效的党费标准应交金额之和"),
            headline=False,
        ),
        MetricDef(
            "dues_collected",
            _("已交党费"),
            _("元"),
            _("所属月份在期间内、未作废的党费交纳金额之和"),
            headline=False,
        ),
        MetricDef(
            "dues_payments",
            _("党费交纳"),
            _("笔"),
            _("所属月份在期间内、未作废的党费交纳笔数"),
            headline=False,
        ),
        MetricDef("dues_collection_rate", _("党费收缴率"), "%", _("已交党费 ÷ 应交党费（同一批月份）")),
        MetricDef(
            "dues_arrears_members",
            _("欠缴党费半年以上"),
            _("人"),
            _(
                "按党费台账的口径，自党员的首个党费标准月份起至期间最后一个月（最晚至本月），"
                "曾连续 6 个月及以上未交党费的党员数（党章第三十八条）"
            ),
        ),
        MetricDef(
            "funds_budget",
            _("党建经费预算"),
            _("元"),
            _("期间所涉年度内，所选组织及其下级组织的年度党建经费预算之和"),
            headline=False,
        ),
        MetricDef("funds_spent", _("党建经费支出"), _("元"), _("期间内（按支出日期）未作废的党建经费支出金额之和")),
        MetricDef(
            "funds_balance",
            _("党建经费结余"),
            _("元"),
            _("预算 − 支出（期间为整年时即年度结余）"),
        ),
        MetricDef(
            "funds_expenses",
            _("经费支出笔数"),
            _("笔"),
            _("期间内未作废的党建经费支出笔数"),
            headline=False,
        ),
        MetricDef(
            "funds_over_budget",
            _("超预算支出"),
            _("笔"),
            _("上述支出中登记时已超出当年预算（允许但标记）的笔数"),
            headline=False,
        ),
        MetricDef("honours", _("获得荣誉"), _("项"), _("期间内（按授予日期）授予组织或党员且未作废的荣誉数")),
        MetricDef(
            "outputs",
            _("党建成果"),
            _("项"),
            _("期间内（按发布日期）发布且未作废的院刊期号、文章、公众号推送等成果数，按类型分列"),
        ),
    )
}

HEADLINE = (
    "meetings_held",
    "attendance_rate",
    "compliance_rate",
    "study_hours",
    "dues_collection_rate",
    "dues_arrears_members",
    "funds_spent",
    "funds_balance",
    "honours",
    "outputs",
)

_DRILLS = {
    "meetings_held": (
        _("组织生活会议"),
        "partylife/figures_drill_meetings.html",
        "partylife:meeting_detail",
        ("org",),
        ("-held_on", "-id"),
    ),
    "study_items": (
        _("学习内容"),
        "partylife/figures_drill_study_items.html",
        "partylife:study_detail",
        ("org",),
        ("-published_on", "-id"),
    ),
    "study_completions": (
        _("学习记录"),
        "partylife/figures_drill_study_completions.html",
        "",
        ("item", "member"),
        ("-completed_on", "-id"),
    ),
    "dues_payments": (
        _("党费交纳"),
        "partylife/figures_drill_dues_payments.html",
        "",
        ("member", "member__branch"),
        ("-month", "member_id", "-id"),
    ),
    "dues_arrears_members": (
        _("欠缴党费半年以上的党员"),
        "partylife/figures_drill_members.html",
        "members:detail",
        ("branch",),
        ("branch__path", "name_initials", "id"),
    ),
    "funds_expenses": (
        _("党建经费支出"),
        "partylife/figures_drill_expenses.html",
        "",
        ("org",),
        ("-spent_on", "-id"),
    ),
    "funds_over_budget": (
        _("超预算支出"),
        "partylife/figures_drill_expenses.html",
        "",
        ("org",),
        ("-spent_on", "-id"),
    ),
    "honours": (
        _("荣誉"),
        "partylife/figures_drill_honours.html",
        "partylife:honour_detail",
        ("org", "member"),
        ("-awarded_on", "-id"),
    ),
    "outputs": (
        _("党建成果"),
        "partylife/figures_drill_outputs.html",
        "",
        ("org",),
        ("-published_on", "-id"),
    ),
}

HIDDEN = _("另有 %(n)s 条记录不在您的查看范围内，仅计数不显示")


def drill(flt, reach, key: str, params) -> FamilyRows:
    """The rows behind a count (KeyError for a rate, a sum)."""
    title, template, detail, related, order = _DRILLS[key]
    rows = figures.figure_rows(flt, reach, key)
    return FamilyRows(
        rows=rows.order_by(*order),
        title=title,
        template=template,
        hidden_text=HIDDEN,
        detail=detail,
        select_related=related,
    )


def register() -> None:
    register_family(
        "partylife",
        _("组织生活与党建"),
        figures.partylife_figures,
        DEFINITIONS,
        drill,
        headline=HEADLINE,
        drillable=figures.COUNT_KEYS,
        has_data=figures.has_data,
    )

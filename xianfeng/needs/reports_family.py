"""The needs ledger in the reports (issue 12 §2, §4): its figures under
``metrics_for(...)["needs"]``, a panel on the dashboard (/reports/) and drill-downs to the needs
behind each count (listed through ``scoped()``: readers with needs.view see the rows).
"""

from django.utils.translation import gettext_lazy as _

from xianfeng.reports.definitions import MetricDef
from xianfeng.reports.families import FamilyRows, register_family

from . import figures
from .models import Category

DEFINITIONS = {
    m.key: m
    for m in (
        MetricDef(
            "raised",
            _("反映诉求"),
            _("件"),
            _(
                "期间内（按反映日期）登记且未作废的民情诉求数；按责任组织、居民所在地区与责任队伍筛选，"
                "服务类型、类别与项目筛选不适用于民情诉求"
            ),
        ),
        MetricDef("resolved", _("已解决"), _("件"), _("期间内反映的诉求中目前已解决（有办理记录为证）的件数")),
        MetricDef(
            "unresolved_closed",
            _("未解决关闭"),
            _("件"),
            _("期间内反映的诉求中目前已关闭但未解决（登记了原因）的件数"),
            headline=False,
        ),
        MetricDef("open", _("在办"), _("件"), _("期间内反映的诉求中目前待办或办理中的件数")),
        MetricDef("overdue", _("逾期未办结"), _("件"), _("期间内反映的诉求中目前未办结且办结期限早于今天的件数")),
        MetricDef(
            "resolved_in_period",
            _("期间内办结解决"),
            _("件"),
            _("办结日期在期间内且已解决的诉求件数（不论何时反映），反映期间内的办理工作量"),
            headline=False,
        ),
        MetricDef("resolution_rate", _("解决率"), "%", _("已解决 ÷ 反映诉求（同一批期间内反映的诉求）")),
        MetricDef(
            "median_days_to_resolve",
            _("办结天数中位数"),
            _("天"),
            _("期间内反映且已解决的诉求，从反映日期到办结日期的天数的中位数"),
        ),
    )
}

HEADLINE = ("raised", "resolved", "resolution_rate", "median_days_to_resolve", "overdue")
# The needs category is a parameter of its own in the reports drill-down: "category" there is
# the service category of the shared filter (and "medical" exists in both lists).
CATEGORY_PARAM = "need_category"


def drill(flt, reach, key: str, params) -> FamilyRows:
    rows = figures.figure_rows(flt, reach, key)
    category = str(params.get(CATEGORY_PARAM) or "").strip()
    if category:
        if category not in Category.values:
            raise ValueError(CATEGORY_PARAM)
        rows = rows.filter(category=category)
    return FamilyRows(
        rows=rows.order_by("-raised_on", "-id"),
        title=_("民情诉求"),
        template="needs/figures_drill_rows.html",
        hidden_text=_("另有 %(n)s 件诉求不在您的查看范围内，仅计数不显示"),
        detail="needs:detail",
        select_related=("org", "assigned_member", "assigned_team"),
    )


def register() -> None:
    register_family(
        "needs",
        _("民情台账"),
        figures.needs_figures,
        DEFINITIONS,
        drill,
        headline=HEADLINE,
        drillable=figures.COUNT_KEYS,
        page="needs:figures",
        has_data=figures.has_data,
    )

"""The hotline in the reports (issue 12 §4): its figures under ``metrics_for(...)["hotline"]``, a
panel on the dashboard (/reports/) and drill-downs to the calls and escalations behind each count.

Calls are health data: the drill-down lists only the calls ``scoped()`` lets the reader open
(hotline.view: the duty staff, the supervising psychiatrist); a leader sees the count and the line
"另有 N 条健康信息记录，仅计数不显示".
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.reports.definitions import MetricDef
from xianfeng.reports.families import FamilyRows, register_family

from . import figures
from .models import Channel, RiskLevel, Topic

HIDDEN = _("另有 %(n)s 条健康信息记录，仅计数不显示")

DEFINITIONS = {
    m.key: m
    for m in (
        MetricDef(
            "calls",
            _("热线来电"),
            _("人次"),
            _(
                "期间内（按来电日期）登记且未作废的热线来电与线上咨询数，每次计 1 人次；"
                "每次来电同时是一条“心理援助热线/线上心理服务”服务记录，已计入服务人次，不重复相加"
            ),
        ),
        MetricDef(
            "escalations",
            _("危机升级"),
            _("次"),
            _("上述来电中升级为危机处置的次数（高危来电或处理结果为危机升级）"),
        ),
        MetricDef("escalations_closed", _("已办结升级"), _("次"), _("危机升级中已登记处理结果并办结的次数")),
        MetricDef(
            "escalations_in_time",
            _("按时办结"),
            _("次"),
            _("在应处理时限内办结的危机升级次数（时限自来电起算，见系统设置 HOTLINE_ESCALATION_MINUTES）"),
        ),
        MetricDef(
            "escalations_overdue",
            _("超时未办结"),
            _("次"),
            _("截至现在仍未办结且已超过应处理时限的危机升级次数"),
            headline=False,
        ),
        MetricDef("open_escalations", _("未办结升级"), _("次"), _("截至现在仍未办结的危机升级次数（含未到时限的）")),
        MetricDef(
            "in_time_rate",
            _("按时处理率"),
            "%",
            _("按时办结数 ÷（已办结数 + 超时未办结数）；尚未到时限的未办结升级不计入分母；分母为 0 时不显示"),
        ),
        MetricDef(
            "median_minutes_to_handle",
            _("处理用时中位数"),
            _("分钟"),
            _("已办结危机升级从来电开始到办结的分钟数的中位数"),
        ),
    )
}

HEADLINE = ("calls", "escalations", "escalations_in_time", "in_time_rate", "open_escalations")


def _choice(params, name: str, choices) -> str:
    value = str(params.get(name) or "").strip()
    if value and value not in choices:
        raise ValueError(name)
    return value


def drill(flt, reach, key: str, params) -> FamilyRows:
    """The calls or escalations behind a count; the calls drill-down may narrow further by
    ``channel``, ``topic`` or ``risk`` (the hotline dashboard's rows link there)."""
    calls = figures.calls_of(flt, reach)
    if key == "calls":
        narrow = {
            "channel": _choice(params, "channel", Channel.values),
            "topic": _choice(params, "topic", Topic.values),
            "risk_level": _choice(params, "risk", RiskLevel.values),
        }
        calls = calls.filter(**{field: value for field, value in narrow.items() if value})
        return FamilyRows(
            rows=calls.order_by("-started_at", "-id"),
            title=_("热线来电"),
            template="hotline/dashboard_drill_calls.html",
            hidden_text=HIDDEN,
            detail="hotline:call_detail",
            select_related=("org", "taken_by"),
        )
    rows = figures.escalation_rows(figures.escalations_of(calls), key, timezone.now())
    return FamilyRows(
        rows=rows.order_by("-raised_at", "-id"),
        title=_("危机升级"),
        template="hotline/dashboard_drill_escalations.html",
        hidden_text=HIDDEN,
        detail="hotline:escalation_detail",
        select_related=("call", "supervisor"),
    )


def register() -> None:
    register_family(
        "hotline",
        _("心理援助热线"),
        figures.hotline_figures,
        DEFINITIONS,
        drill,
        headline=HEADLINE,
        drillable=figures.COUNT_KEYS,
        page="hotline:dashboard",
        has_data=figures.has_data,
    )

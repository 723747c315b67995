"""Indicators of the elderly check, pairing and poverty-return monitoring, computed here from
Enrollment and Visit rows when a program's own ``indicators()`` gives none (DESIGN.md §2).

- 65岁及以上老年人健康管理 (国家基本公共卫生服务规范（第三版）老年人健康管理服务规范, 工作指标):
  老年人健康管理率 = 期间内接受健康体检的65岁及以上居民数 ÷ 辖区65岁及以上常住居民数 (from the
  residents' birth dates in scope, alive at the period's end).
- 结对帮扶 computes its own (pairing.py → compliance.compliance_figures).
- 防返贫监测: 监测户, 已走访 (≥ 1 visit reaching the household), 消除风险.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import VIEW, scoped, served_region_codes
from xianfeng.residents.models import Resident, elderly_born_before

from .indicators import Figure, FigureSet, open_at
from .models import Status


def figures(fs: FigureSet) -> list[Figure]:
    code = fs.program.code
    if code == "elderly_check":
        return elderly_figures(fs)
    if code == "poverty_watch":
        return poverty_figures(fs)
    return []


# --- 65岁及以上老年人健康管理 -------------------------------------------------------------------------


def elderly_residents(fs: FigureSet):
    """Residents in scope and filter who are 65 or older and alive at the period's end."""
    qs = (
        scoped(fs.user, Resident, VIEW)
        .filter(merged_into__isnull=True, birth_date__lte=elderly_born_before(fs.end))
        .exclude(deceased_on__lte=fs.end)
    )
    if fs.region is not None:
        qs = qs.filter(village__code__startswith=fs.region.code)
    if fs.org is not None:
        served = Q(pk__in=[])
        for code in served_region_codes(fs.org, True):
            served |= Q(village__code__startswith=code)
        qs = qs.filter(served)
    return qs


def elderly_figures(fs: FigureSet) -> list[Figure]:
    group = _("老年人健康管理指标")
    elderly = elderly_residents(fs).count()
    checked = (
        fs.visits_in_period.filter(reached=True, enrollment__resident__isnull=False)
        .values("enrollment__resident")
        .distinct()
        .count()
    )
    return [
        Figure(
            "elderly",
            _("65岁及以上人数"),
            elderly,
            _("权限范围（及所选组织、地区）内期末年满65岁且在世的居民数（按居民档案出生日期）"),
            unit=_("人"),
            group=group,
        ),
        Figure(
            "checked",
            _("体检人数"),
            checked,
            _("期间内完成健康体检（见到本人）的项目对象数，同一人多次体检计1人"),
            unit=_("人"),
            group=group,
        ),
        Figure(
            "check_rate",
            _("体检率（老年人健康管理率）"),
            checked,
            _("期间内完成健康体检的65岁及以上居民数 ÷ 65岁及以上居民数"),
            denominator=elderly,
            unit=_("人"),
            group=group,
        ),
    ]


# --- 防返贫监测 ---------------------------------------------------------------------------------------


def poverty_figures(fs: FigureSet) -> list[Figure]:
    group = _("防返贫监测指标")
    watched = open_at(fs.enrollments, fs.end)
    visited = watched.filter(pk__in=fs.visits_in_period.filter(reached=True).values("enrollment")).count()
    eliminated = fs.enrollments.filter(
        Q(status=Status.EXITED, ended_on__gte=fs.start, ended_on__lte=fs.end, end_reason__contains="风险消除")
        | Q(pk__in=fs.visits_in_period.filter(record__result__risk_eliminated=True).values("enrollment"))
    ).count()
    return [
        Figure(
            "watched",
            _("监测户"),
            watched.count(),
            _("期末在监测中的户数"),
            unit=_("户"),
            drill={"status": "open"},
            group=group,
        ),
        Figure(
            "visited",
            _("已走访"),
            visited,
            _("期间内至少走访到1次的监测户数 ÷ 监测户数"),
            denominator=watched.count(),
            unit=_("户"),
            group=group,
        ),
        Figure(
            "eliminated",
            _("消除风险"),
            eliminated,
            _("期间内以“风险消除”结案，或走访记录标记风险已消除的户数"),
            unit=_("户"),
            group=group,
        ),
    ]


__all__ = ["figures"]

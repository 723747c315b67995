"""The one filter every figure is computed for (DESIGN.md §2): period × organization subtree ×
region subtree × team × service type or category × program.

The same parameters travel in every URL (dashboard, drill-down, table, report, API) and on the
``report`` command line, so one figure can be recomputed anywhere:

    from=YYYY-MM-DD  to=YYYY-MM-DD  org=<id>  region=<code>  team=<id>  type=<code>
    category=<code>  program=<code>

``parse_filter`` refuses, with one message per parameter, an inverted or absurd period, an
unknown value and an organization, region or team outside the user's scope: a figure is never
silently computed for something other than what was asked.
"""

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.params import query_int
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.servicelog.models import Category, ServiceType
from xianfeng.teams.models import Team

from .reach import reach_allows_region, reach_of

EARLIEST = datetime.date(2000, 1, 1)
MAX_YEARS = 20  # a longer period is a typo, not a report
PARAMS = ("from", "to", "org", "region", "team", "type", "category", "program")


class FilterError(ValueError):
    """Bad filter parameters: ``errors`` maps each parameter to what to fix."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))


@dataclass(frozen=True)
class ReportFilter:
    start: datetime.date
    end: datetime.date
    org: Organization | None = None
    region: Region | None = None
    team: Team | None = None
    service_type: ServiceType | None = None
    category: str = ""
    program: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def narrows_records(self) -> bool:
        """Whether the filter picks records by what they are (type, category, team, program),
        beyond where and when they happened."""
        return bool(self.team or self.service_type or self.category or self.program)

    def params(self) -> dict[str, str]:
        """The URL parameters of this filter (only those set)."""
        values = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "org": str(self.org.pk) if self.org else "",
            "region": self.region.code if self.region else "",
            "team": str(self.team.pk) if self.team else "",
            "type": self.service_type.code if self.service_type else "",
            "category": self.category,
            "program": self.program,
        }
        return {key: value for key, value in values.items() if value}

    def query(self, **override) -> str:
        """The URL query string of this filter, with some parameters replaced or dropped (None)."""
        params = {**self.params(), **override}
        return urlencode({key: value for key, value in params.items() if value not in (None, "")})

    def describe(self) -> str:
        """A reader's one-line description: 2026-01-01 至 2026-03-31 · 内科党支部 · 孤山镇 …"""
        parts = [_("%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}]
        if self.org:
            parts.append(self.org.name)
        if self.region:
            parts.append(self.region.name)
        if self.team:
            parts.append(self.team.name)
        if self.service_type:
            parts.append(self.service_type.name)
        if self.category:
            parts.append(str(Category(self.category).label))
        if self.program:
            from xianfeng.programs.registry import get_program

            parts.append(str(get_program(self.program).name))
        return " · ".join(parts)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This year so far, in whole months (to the end of this month): what a leader opening the
    dashboard expects. No service is dated after today, so the figures are those to date; whole
    months are what the rollups answer at province scale (rollups.py)."""
    today = today or timezone.localdate()
    month_end = datetime.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return datetime.date(today.year, 1, 1), month_end


def parse_filter(user, params: Mapping, *, today: datetime.date | None = None) -> ReportFilter:
    """A ReportFilter from URL or command-line parameters, or FilterError saying what to fix."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    default_start, default_end = default_period(today)
    start = _date(params.get("from"), default_start, "from", errors)
    end = _date(params.get("to"), default_end, "to", errors)
    if "from" not in errors and "to" not in errors:
        if start > end:
            errors["from"] = _("开始日期晚于结束日期，请对调或重新选择")
        elif start < EARLIEST:
            errors["from"] = _("开始日期不能早于 %(d)s") % {"d": EARLIEST.isoformat()}
        elif end > today + datetime.timedelta(days=366):
            errors["to"] = _("结束日期不能晚于一年以后")
        elif (end - start).days > MAX_YEARS * 366:
            errors["to"] = _("期间不能超过 %(n)s 年") % {"n": MAX_YEARS}
    org = _scoped_pick(user, Organization, params.get("org"), "org", _("组织"), errors)
    team = _scoped_pick(user, Team, params.get("team"), "team", _("队伍"), errors)
    region = _region(user, params.get("region"), errors)
    service_type = None
    code = (params.get("type") or "").strip()
    if code:
        # PostgreSQL refuses a NUL byte in a text comparison: such a code names no type.
        service_type = None if "\x00" in code else ServiceType.objects.filter(code=code).first()
        if service_type is None:
            errors["type"] = _("没有代码为 %(code)s 的服务类型") % {"code": code[:40]}
    category = (params.get("category") or "").strip()
    if category and category not in Category.values:
        errors["category"] = _("没有这个服务类别：%(code)s") % {"code": category[:40]}
    program = _program(user, (params.get("program") or "").strip(), errors)
    if errors:
        raise FilterError(errors)
    return ReportFilter(
        start=start,
        end=end,
        org=org,
        region=region,
        team=team,
        service_type=service_type,
        category=category,
        program=program,
    )


def _date(value, default: datetime.date, key: str, errors: dict) -> datetime.date:
    text = str(value or "").strip()
    if not text:
        return default
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors[key] = _("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": text[:20]}
        return default


def _scoped_pick(user, model, value, key: str, noun: str, errors: dict):
    """An organization or team by id, only among those the user may see: another id reads as
    "not in your scope" (the message does not tell whether it exists)."""
    text = str(value or "").strip()
    if not text:
        return None
    pk = query_int(text, minimum=1)
    found = scoped(user, model).filter(pk=pk).first() if pk is not None else None
    if found is None:
        errors[key] = _("%(noun)s %(value)s 不存在或不在您的权限范围内") % {"noun": noun, "value": text[:20]}
    return found


def _region(user, value, errors: dict) -> Region | None:
    code = str(value or "").strip()
    if not code:
        return None
    if not (code.isascii() and code.isdigit() and len(code) in (2, 4, 6, 9, 12)):
        errors["region"] = _("地区代码应为 2、4、6、9 或 12 位数字")
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        errors["region"] = _("没有代码为 %(code)s 的地区") % {"code": code}
    elif not reach_allows_region(reach_of(user), code):
        errors["region"] = _("地区 %(name)s 不在您的统计范围内") % {"name": region.name}
        return None
    return region


def _program(user, code: str, errors: dict) -> str:
    if not code:
        return ""
    from xianfeng.programs.indicators import may_read_figures
    from xianfeng.programs.registry import get_program

    try:
        program = get_program(code)
    except ValidationError:
        errors["program"] = _("没有代码为 %(code)s 的项目") % {"code": code[:40]}
        return ""
    if not may_read_figures(user, program):
        errors["program"] = _("您无权查看项目“%(name)s”的统计") % {"name": program.name}
        return ""
    return code

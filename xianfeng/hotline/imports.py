"""Past call logs from a spreadsheet (issue 12 §5): one call per row, through the imports
framework — template, header synonyms, row-by-row check, all-or-nothing commit.

Every row is checked with the rules of a call logged by hand (``services_calls.build_call``):
the duty team must be one the user logs for, the duty member a member of it (by name or
volunteer number), the time not in the future, the duration 0–600 minutes. A high-risk row (or
one whose 处理结果 is 危机升级) is a crisis handled long ago: it is imported with its escalation
already closed when the file gives 危机处理结果, and refused row by row otherwise. Nobody is alerted
about an imported crisis. Each call gets its ServiceRecord like any other.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import EXCEL_EPOCH, CellError, clean_text, parse_bool, parse_choice, parse_int, parse_text
from xianfeng.imports.spec import CREATE, Column, ImportSpec, Planned, RowInvalid, register

from . import rules, selectors_calls, services_calls, services_escalations
from .models import MAX_CALL_MINUTES, Call, Channel, Escalation, Outcome, Topic

_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*"  # the day
    r"(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]\s*(\d{1,2}))?$"  # the time, seconds optional
)
CHANNEL_CHOICES = [*Channel.choices, ("phone", "热线电话"), ("online", "网络"), ("online", "在线")]


def parse_datetime(value) -> datetime.datetime | None:
    """2025-03-10 09:30, 2025/3/10 9:30, 2025年3月10日 9时30分, or an Excel date-time; local time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise CellError(_("“%(v)s”不是有效的时间") % {"v": value})
        moment = datetime.datetime.combine(EXCEL_EPOCH, datetime.time()) + datetime.timedelta(days=float(value))
        moment = moment.replace(second=0, microsecond=0)
    else:
        text = clean_text(value)
        if not text:
            return None
        match = _DATETIME.match(text)
        if match is None:
            raise CellError(_("“%(v)s”不是可识别的时间，请写成 2025-03-10 09:30") % {"v": text})
        try:
            moment = datetime.datetime(*(int(p) for p in match.groups() if p is not None))
        except ValueError:
            raise CellError(_("“%(v)s”不是存在的时间") % {"v": text}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_minutes(value) -> int:
    minutes = parse_int(value, minimum=0)
    if minutes is None:
        return 0
    if minutes > MAX_CALL_MINUTES:
        raise CellError(_("通话时长不能超过 %(m)s 分钟") % {"m": MAX_CALL_MINUTES})
    return minutes


def _choice(choices):
    return lambda value: parse_choice(value, choices) if parse_text(value) else ""


RISK_HEADERS = {
    "suicidal_ideation": ("自杀想法", ("有自杀想法", "自杀意念")),
    "suicide_plan": ("自杀计划", ("有自杀计划", "自杀计划或准备")),
    "suicide_attempt": ("自杀行为", ("正在实施或近期有自杀行为", "自杀未遂")),
    "means_access": ("致命手段", ("能接触到致命手段", "接触致命手段")),
    "violence_risk": ("伤害他人", ("有伤害他人的想法或行为", "暴力风险")),
    "self_harm": ("自伤行为", ("有自伤行为", "自伤")),
}


@register
class CallImport(ImportSpec):
    key = "hotline_calls"
    label = gettext_lazy("热线来电记录")
    description = gettext_lazy(
        "导入以往的热线来电登记簿，每行一个来电。值守组填名称，须是您可登记来电的热线值守组；接线人员填姓名或志愿者编号；"
        "六项风险筛查填“是”或“否”。高风险（或处理结果为危机升级）的来电须填写“危机处理结果”，作为已处理的危机升级导入，"
        "否则该行不能导入。任何一行有误则整份文件都不导入。"
    )
    model = Call
    batch_size = 500
    columns = [
        Column(
            "started_at",
            "来电时间",
            synonyms=("时间", "来电日期"),
            required=True,
            parse=parse_datetime,
            example="2025-03-10 09:30",
        ),
        Column("duration_minutes", "通话时长", synonyms=("通话时长(分钟)", "时长"), parse=parse_minutes, example="20"),
        Column(
            "channel", "渠道", synonyms=("方式",), parse=_choice(CHANNEL_CHOICES), help="电话、线上", example="电话"
        ),
        Column(
            "taken_by",
            "接线人员",
            synonyms=("接线员", "值守人员"),
            required=True,
            help="姓名或志愿者编号",
            example="周值守",
        ),
        Column("team", "值守组", synonyms=("热线值守组",), example="心理援助热线值守组"),
        Column(
            "topic",
            "主要问题",
            synonyms=("问题类型", "咨询问题"),
            required=True,
            parse=_choice(Topic.choices),
            example="睡眠问题",
        ),
        *[
            Column(field, header, synonyms=synonyms, parse=parse_bool, help="是/否", example="否")
            for field, (header, synonyms) in RISK_HEADERS.items()
        ],
        Column("outcome", "处理结果", required=True, parse=_choice(Outcome.choices), example="给予建议"),
        Column("intervention", "干预措施", parse=lambda v: parse_text(v, 2000), example="倾听、睡眠卫生指导"),
        Column(
            "escalation_outcome",
            "危机处理结果",
            synonyms=("危机升级处理结果",),
            parse=_choice(Escalation.Outcome.choices),
            help="高风险来电必填",
        ),
        Column("escalation_closed_at", "危机处理完成时间", parse=parse_datetime, help="不填则按通话结束时间"),
        Column("note", "备注", parse=lambda v: parse_text(v, 500)),
    ]

    def prepare(self, ctx):
        teams = services_calls.loggable_teams(ctx.user)
        ctx.state["teams"] = {}
        for team in teams:
            ctx.state["teams"].setdefault(normalize_name(team.name), []).append(team)
        members: dict[str, list] = {}
        for member in selectors_calls.taker_candidates(ctx.user, teams):
            members.setdefault(normalize_name(member.name), []).append(member)
            if member.volunteer_no:
                members.setdefault(member.volunteer_no.strip().upper(), []).append(member)
        ctx.state["members"] = members

    def _team(self, values, ctx):
        name = values.get("team") or ""
        if not name:
            return None  # the service takes the user's only team, or asks for one
        found = ctx.state["teams"].get(normalize_name(name), [])
        if len(found) != 1:
            message = _("找不到值守组“%(t)s”，或您不能为它登记来电") if not found else _("有多个值守组名为“%(t)s”")
            raise RowInvalid({"team": message % {"t": name}})
        return found[0]

    def _member(self, values, ctx):
        text = values["taken_by"]
        found = ctx.state["members"].get(text.strip().upper()) or ctx.state["members"].get(normalize_name(text), [])
        found = list({m.pk: m for m in found}.values())
        if len(found) != 1:
            message = _("找不到接线人员“%(m)s”") if not found else _("有多名人员叫“%(m)s”，请改填志愿者编号")
            raise RowInvalid({"taken_by": message % {"m": text}})
        return found[0]

    def clean_row(self, values, row_number, ctx):
        fields = {
            "started_at": values["started_at"],
            "duration_minutes": values.get("duration_minutes") or 0,
            "channel": values.get("channel") or Channel.PHONE,
            "taken_by": self._member(values, ctx),
            "team": self._team(values, ctx),
            "topic": values["topic"],
            "outcome": values["outcome"],
            "intervention": values.get("intervention") or "",
            "note": values.get("note") or "",
            **{field: bool(values.get(field)) for field in rules.RISK_FIELDS},
        }
        try:
            call = services_calls.build_call(ctx.user, fields, now=timezone.now())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise RowInvalid({k: "；".join(v) for k, v in exc.message_dict.items()}) from None
            raise RowInvalid("；".join(exc.messages)) from None
        closing = None
        if rules.must_escalate(call):
            outcome = values.get("escalation_outcome") or ""
            if not outcome:
                raise RowInvalid(
                    {
                        "escalation_outcome": _(
                            "高风险（或危机升级）来电须填写危机处理结果：以往的危机只能作为已处理的危机升级导入"
                        )
                    }
                )
            end = call.started_at + datetime.timedelta(minutes=call.duration_minutes)
            closed_at = values.get("escalation_closed_at") or end
            if closed_at < call.started_at:
                raise RowInvalid({"escalation_closed_at": _("危机处理完成时间不能早于来电时间")})
            closing = {"outcome": outcome, "closed_at": closed_at}
        return Planned(CREATE, {"fields": fields, "closing": closing})

    def commit(self, rows, ctx):
        for planned in rows:
            fields, closing = planned.data["fields"], planned.data["closing"]
            saved = services_calls.call_log(
                acting_user=ctx.user, escalation_raised_at=fields["started_at"], alert=False, **fields
            )
            if closing is not None:
                services_escalations.escalation_close(
                    acting_user=ctx.user,
                    escalation=saved.escalation,
                    outcome=closing["outcome"],
                    outcome_note=_("历史来电导入"),
                    closed_at=closing["closed_at"],
                )
        return len(rows), 0

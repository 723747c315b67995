"""Team rosters from a spreadsheet: one row per membership (who, which team, role, from/to)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many, snapshot
from xianfeng.core.masking import mask_id_number, mask_phone
from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import parse_choice, parse_date, parse_text
from xianfeng.imports.spec import Column, ImportSpec, RowInvalid, register
from xianfeng.members.identity import normalize_phone
from xianfeng.members.imports import parse_id_cell
from xianfeng.members.models import Member

from . import rules
from .models import Team, TeamMembership
from .services import check_membership


def parse_role(value) -> str:
    if not parse_text(value):
        return TeamMembership.Role.MEMBER
    return parse_choice(value, TeamMembership.Role.choices)


@register
class TeamRosterImport(ImportSpec):
    key = "team_rosters"
    label = gettext_lazy("队伍名册")
    description = gettext_lazy(
        "每行一条在队记录。队伍须已组建；人员须已登记，按身份证号、志愿者编号或手机号识别（仅填姓名时姓名须唯一）。"
        "同一人不能同时参加两支同类的突击队、医疗队或驻村工作队。"
    )
    model = TeamMembership
    columns = [
        Column("team", "队伍名称", synonyms=("队伍", "队名", "所在队伍"), required=True, example="第一突击队"),
        Column("name", "姓名", synonyms=("队员姓名", "名字"), required=True, example="张三"),
        Column(
            "id_number",
            "身份证号",
            synonyms=("身份证号码", "公民身份号码"),
            parse=parse_id_cell,
            personal=True,
            mask=mask_id_number,
        ),
        Column("volunteer_no", "志愿者编号", synonyms=("志愿者号",)),
        Column("phone", "手机号", synonyms=("手机", "联系电话", "电话"), personal=True, mask=mask_phone),
        Column(
            "role",
            "角色",
            synonyms=("职务", "队内职务"),
            parse=parse_role,
            help="队长/副队长/第一书记/队员/联络员/其他",
            example="队员",
        ),
        Column(
            "start_on",
            "起始日期",
            synonyms=("入队日期", "开始日期", "派驻日期"),
            required=True,
            parse=parse_date,
            example="2023-04-01",
        ),
        Column("end_on", "结束日期", synonyms=("离队日期", "截止日期"), parse=parse_date),
    ]

    def prepare(self, ctx):
        teams = {}
        for team in scoped(ctx.user, Team, CHANGE):
            teams.setdefault(normalize_name(team.name), []).append(team)
        ctx.state["teams"] = teams
        ctx.state["members"] = scoped(ctx.user, Member, VIEW)
        ctx.state["pending"] = []  # (member id, team, start, end, row) of earlier rows in this file

    def clean_row(self, values, row_number, ctx):
        found = ctx.state["teams"].get(normalize_name(values["team"]), [])
        if len(found) != 1:
            message = _("找不到队伍“%(t)s”，或它不在您可管理的范围内") if not found else _("有多支队伍名为“%(t)s”")
            raise RowInvalid({"team": message % {"t": values["team"]}})
        team = found[0]
        member = self._member(values, ctx)
        start_on, end_on = values["start_on"], values.get("end_on")
        try:
            check_membership(team, member, start_on, end_on)
        except ValidationError as exc:
            raise RowInvalid({_column(k): "；".join(v) for k, v in exc.message_dict.items()})
        for member_id, other, other_start, other_end, other_row in ctx.state["pending"]:
            if member_id != member.pk:
                continue
            same_kind = rules.is_exclusive(team.kind) and other.kind == team.kind
            if (other.pk == team.pk or same_kind) and rules.periods_overlap(start_on, end_on, other_start, other_end):
                raise RowInvalid({"start_on": _("与第 %(r)s 行（%(t)s）的在队时间重叠") % {"r": other_row, "t": other}})
        ctx.state["pending"].append((member.pk, team, start_on, end_on, row_number))
        return TeamMembership(
            team=team, member=member, role=values["role"], start_on=start_on, end_on=end_on, created_by=ctx.user
        )

    def _member(self, values, ctx) -> Member:
        members = ctx.state["members"]
        q = Q()
        if values.get("id_number"):
            q |= Q(id_number_index=Member._meta.get_field("id_number_index").lookup_value(values["id_number"]))
        if values.get("volunteer_no"):
            q |= Q(volunteer_no=values["volunteer_no"])
        if values.get("phone"):
            q |= Q(phone_index=Member._meta.get_field("phone_index").lookup_value(normalize_phone(values["phone"])))
        if q:
            candidates = list(members.filter(q)[:2])
            column = (
                "id_number" if values.get("id_number") else "volunteer_no" if values.get("volunteer_no") else "phone"
            )
        else:
            candidates = list(members.filter(name_norm=normalize_name(values["name"]))[:2])
            column = "name"
        if not candidates:
            raise RowInvalid({column: _("找不到该人员，或其不在您的查看范围内（请先登记人员）")})
        if len(candidates) > 1:
            raise RowInvalid({column: _("有多名同名人员，请填写身份证号或志愿者编号")})
        member = candidates[0]
        if normalize_name(member.name) != normalize_name(values["name"]):
            raise RowInvalid({"name": _("证件信息对应的人员是“%(n)s”，与所填姓名不符") % {"n": member.name}})
        return member

    def commit(self, rows, ctx):
        rows = [planned.data for planned in rows]  # every spec still creates only
        TeamMembership.objects.bulk_create(rows, batch_size=1000)
        # Re-checked after writing, inside the import's transaction (DESIGN.md §3): every
        # membership in a team the importer manages, every member one they may see.
        members = {row.member_id for row in rows}
        in_scope = scoped(ctx.user, TeamMembership, CHANGE).filter(pk__in=[row.pk for row in rows]).count()
        visible = scoped(ctx.user, Member, VIEW).filter(pk__in=members).count()
        if in_scope != len(rows) or visible != len(members):
            raise PermissionDenied(_("有队伍或人员不在您可管理的范围内"))
        # One row per membership, as when added one by one, in one chained insert.
        changelog_write_many(
            actor=ctx.user, action=ChangeLog.Action.CREATE, objs=rows, after_of=snapshot, note=_("批量导入")
        )
        return len(rows), 0


def _column(field: str) -> str:
    return {"member": "name", "end_on": "end_on", "start_on": "start_on"}.get(field, "")

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
from xianfeng.imports.spec import CREATE, UNCHANGED, UPDATE, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.members.identity import normalize_phone
from xianfeng.members.imports import parse_id_cell
from xianfeng.members.models import Member

from . import rules
from .models import Team, TeamMembership
from .services import check_membership


def parse_role(value) -> str:
    """The role, or "" when the cell is empty (队员 for a new membership, unchanged otherwise)."""
    if not parse_text(value):
        return ""
    return parse_choice(value, TeamMembership.Role.choices)


@register
class TeamRosterImport(ImportSpec):
    key = "team_rosters"
    label = gettext_lazy("队伍名册")
    description = gettext_lazy(
        "每行一条在队记录。队伍须已组建；人员须已登记，按身份证号、志愿者编号或手机号识别（仅填姓名时姓名须唯一）。"
        "同一人不能同时参加两支同类的突击队、医疗队或驻村工作队。"
        "同一人在同一队伍、同一起始日期的记录已存在时，可选择按文件更新其角色，或为尚未离队的记录填写结束日期。"
    )
    model = TeamMembership
    # A membership is named by (team, member, start date): the team column with the person and
    # the start date of the row.
    natural_key = "team"
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
        existing = TeamMembership.objects.filter(team=team, member=member, start_on=start_on).first()
        if existing is not None:
            return self._plan_update(existing, values, row_number, ctx)
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
        role = values["role"] or TeamMembership.Role.MEMBER
        return Planned(
            CREATE,
            TeamMembership(team=team, member=member, role=role, start_on=start_on, end_on=end_on, created_by=ctx.user),
        )

    def _plan_update(self, existing: TeamMembership, values, row_number, ctx) -> Planned:
        """A membership already on record: its role (when the row names one) and, for one not
        yet ended, the end date; an empty cell changes nothing."""
        changes = {}
        if values["role"] and values["role"] != existing.role:
            changes["role"] = values["role"]
        end_on = values.get("end_on")
        if end_on is not None and end_on != existing.end_on:
            if existing.end_on is not None:
                message = _("此人已于 %(d)s 离队：导入不会修改离队日期，请在队伍页面核对") % {"d": existing.end_on}
                raise RowInvalid({"end_on": message})
            try:
                check_membership(existing.team, existing.member, existing.start_on, end_on, exclude_pk=existing.pk)
            except ValidationError as exc:
                raise RowInvalid({_column(k): "；".join(v) for k, v in exc.message_dict.items()})
            changes["end_on"] = end_on
        pending = ctx.state["pending"]
        for member_id, other, other_start, _end, other_row in pending:
            if (member_id, other.pk, other_start) == (existing.member_id, existing.team_id, existing.start_on):
                raise RowInvalid({"start_on": _("与第 %(r)s 行是同一条在队记录（重复）") % {"r": other_row}})
        pending.append((existing.member_id, existing.team, existing.start_on, end_on, row_number))
        if not changes:
            return Planned(UNCHANGED, None)
        return Planned(UPDATE, (existing.pk, changes), changed=tuple(changes))

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
        updated = self._update([planned.data for planned in rows if planned.action == UPDATE], ctx)
        rows = [planned.data for planned in rows if planned.action == CREATE]
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
        return len(rows), updated

    def _update(self, rows: list[tuple], ctx) -> int:
        """Role and end date of memberships on record, re-checked in scope after the write and
        logged one ChangeLog row each with before and after (as membership_end does)."""
        if not rows:
            return 0
        changes = dict(rows)
        memberships = list(TeamMembership.objects.select_for_update().filter(pk__in=changes))
        before = {}
        for membership in memberships:
            before[membership.pk] = snapshot(membership)
            for field, value in changes[membership.pk].items():
                setattr(membership, field, value)
            membership.full_clean(exclude=["team", "member", "created_by"])
        TeamMembership.objects.bulk_update(memberships, ["role", "end_on"], batch_size=1000)
        if scoped(ctx.user, TeamMembership, CHANGE).filter(pk__in=changes).count() != len(changes):
            raise PermissionDenied(_("有队伍或人员不在您可管理的范围内"))
        changelog_write_many(
            actor=ctx.user,
            action=ChangeLog.Action.UPDATE,
            objs=memberships,
            before_of=lambda membership: before[membership.pk],
            after_of=snapshot,
            note=_("批量导入更新"),
        )
        return len(memberships)


def _column(field: str) -> str:
    return {"member": "name", "end_on": "end_on", "start_on": "start_on"}.get(field, "")

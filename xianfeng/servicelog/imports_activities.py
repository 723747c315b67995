"""Past activities from a spreadsheet (registered by servicelog/imports.py, which the imports
framework discovers). An activity is named by its title, start date and organization: a second
import of the same activity updates its headcount, participants and notes."""

from functools import partial

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many
from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import parse_choice, parse_int, parse_text
from xianfeng.imports.spec import CREATE, UNCHANGED, UPDATE, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.residents.selectors import change_region_prefixes

from . import rules
from .importing import (
    FK_FIELDS,
    TypeIndex,
    check_rule,
    log_with,
    org_index,
    recheck_scope,
    rule_errors,
    team_index,
    text_parser,
)
from .importing_cells import parse_list, parse_moment, parse_participants
from .importing_people import MemberIndex
from .importing_places import PlaceResolver
from .models import Activity, ActivityParticipant, ActivityQuantity

MAX_HEADCOUNT = 1_000_000
MAX_PARTICIPANT_HOURS = 999  # ActivityParticipant.hours


def _parse_kind(value) -> str:
    return parse_choice(value, Activity.Kind.choices) if parse_text(value) else ""


def _parse_status(value) -> str:
    return parse_choice(value, Activity.Status.choices) if parse_text(value) else ""


@register
class ActivityImport(ImportSpec):
    key = "servicelog_activities"
    label = gettext_lazy("活动")
    description = gettext_lazy(
        "导入以往的活动（义诊、讲座、集中服务等），每行一个。组织须是您可登记活动的组织；"
        "参与人员写成“张三 2.5；李四 3”（每人的时长），或“张三、李四”并在“时长”列填每人的时长。"
        "数量按第一个服务类型的计量单位。同名、同开始日期、同组织的活动已存在时，可选择按文件更新其服务人数、参与人员和备注。"
    )
    model = Activity
    batch_size = 500
    natural_key = "title"
    columns = [
        Column(
            "title",
            "活动名称",
            synonyms=("活动", "活动主题", "名称"),
            required=True,
            parse=text_parser(100),
            example="孤山镇义诊",
        ),
        Column(
            "kind",
            "活动类型",
            synonyms=("活动类别", "形式"),
            parse=_parse_kind,
            help="、".join(str(label) for _v, label in Activity.Kind.choices),
            example="义诊",
        ),
        Column(
            "start_at",
            "开始时间",
            synonyms=("活动时间", "活动日期", "开始日期", "日期", "时间"),
            required=True,
            parse=parse_moment,
            help="日期或日期时间：2024-05-01 或 2024-05-01 09:00",
            example="2024-05-01 09:00",
        ),
        Column("end_at", "结束时间", synonyms=("结束日期",), parse=parse_moment, example="2024-05-01 11:30"),
        Column(
            "org",
            "组织",
            synonyms=("组织单位", "主办单位", "承办单位", "所属组织", "组织名称", "党组织"),
            required=True,
            parse=text_parser(100),
            help="您可登记活动的组织的名称",
            example="内科党支部",
        ),
        Column("teams", "队伍", synonyms=("参与队伍", "服务队伍"), parse=parse_list, help="多个用顿号分隔"),
        Column("place", "地点", synonyms=("活动地点", "地址"), parse=text_parser(100), example="孤山镇卫生院"),
        Column(
            "region",
            "所在乡镇/村",
            synonyms=("所在乡镇", "所在村", "乡镇/村", "乡镇", "区划代码"),
            parse=text_parser(100),
            help="乡镇或村的名称或代码（9位或12位）",
            example="孤山镇",
        ),
        Column(
            "headcount",
            "服务人数（不记名）",
            synonyms=("服务人数", "受益人数", "服务群众人数", "人数"),
            parse=partial(parse_int, minimum=0),
            help="不记名的服务人次，0–1000000",
            example="40",
        ),
        Column(
            "service_types",
            "服务类型",
            synonyms=("服务项目", "服务内容"),
            parse=parse_list,
            help="名称或代码，多个用顿号分隔",
            example="义诊、发放宣传资料",
        ),
        Column("quantity", "数量", synonyms=("服务数量",), parse=text_parser(30), help="按第一个服务类型的计量单位"),
        Column(
            "participants",
            "参与人员及时长",
            synonyms=("参与人员", "参与党员", "志愿者", "服务人员"),
            parse=parse_participants,
            help="“张三 2.5；李四 3”，或“张三、李四”并填写“时长”列；可填志愿者编号",
            example="张三 2.5；李四 3",
        ),
        Column(
            "hours",
            "时长",
            synonyms=("服务时长", "志愿服务时长", "时长(小时)", "服务时长(小时)"),
            parse=text_parser(30),
            help="未单独写时长的参与人员，每人的时长（小时，不含路途）",
        ),
        Column("status", "状态", synonyms=("活动状态",), parse=_parse_status, help="计划中/已举办/已取消，默认已举办"),
        Column("note", "备注", synonyms=("说明",), parse=parse_text),
    ]
    COLUMNS = {
        "start_at": "start_at",
        "end_at": "end_at",
        "headcount": "headcount",
        "hours": "participants",
        "quantity": "quantity",
        "served_on": "start_at",
        "title": "title",
        "place": "place",
        "note": "note",
    }

    def prepare(self, ctx):
        user, state = ctx.user, ctx.state
        state["today"] = timezone.localdate()
        state["types"] = TypeIndex(user)
        state["orgs"] = org_index(user)
        state["teams"] = team_index(user)
        state["places"] = PlaceResolver(change_region_prefixes(user, VIEW))
        state["members"] = MemberIndex(user)
        state["seen"] = {}

    def clean_row(self, values, row_number, ctx):
        state = ctx.state
        errors: dict[str, str] = {}
        org, message = state["orgs"].find(values["org"])
        if message:
            errors["org"] = message
        start, end = values["start_at"], values["end_at"]
        day = timezone.localtime(start).date()
        status = values["status"] or Activity.Status.HELD
        if end is not None and end < start:
            errors["end_at"] = _("结束时间早于开始时间")
        if status == Activity.Status.HELD and day > state["today"]:
            errors["start_at"] = _("状态为“已举办”的活动，开始时间不能晚于今天（尚未举办请把状态填为“计划中”）")
        elif day < rules.EARLIEST_SERVICE_DAY:
            errors["start_at"] = _("开始时间不能早于 %(d)s") % {"d": rules.EARLIEST_SERVICE_DAY}
        region = None
        if values["region"]:
            region, message = state["places"].resolve(values["region"])
            if message:
                errors["region"] = message
        teams = self._each(values["teams"], state["teams"].find, "teams", errors)
        types = self._each(values["service_types"], state["types"].find, "service_types", errors)
        quantity = None
        if values["quantity"]:
            if not values["service_types"]:
                errors["quantity"] = _("填写数量时须填写服务类型（数量按第一个服务类型的计量单位）")
            elif types:
                quantity = check_rule(
                    errors, self.COLUMNS, rules.clean_quantity, values["quantity"], type_unit=types[0].unit
                )
        if values["headcount"] is not None and values["headcount"] > MAX_HEADCOUNT:
            errors["headcount"] = _("服务人数不能超过 %(m)s") % {"m": MAX_HEADCOUNT}
        days = ((timezone.localtime(end).date() if end else day) - day).days + 1
        participants = self._participants(values, day, days, state, errors, row_number, ctx)
        if org is not None:
            key = (normalize_name(values["title"]), day, org.pk)
            first = state["seen"].setdefault(key, row_number)
            if first != row_number:
                errors["title"] = _("与第 %(r)s 行是同一个活动（同名、同开始日期、同组织）") % {"r": first}
        if errors:
            raise RowInvalid(errors)
        existing = (
            scoped(ctx.user, Activity, CHANGE)
            .filter(title=values["title"], org=org, served_on=day, voided_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return self._plan_update(existing, values, participants)
        activity = Activity(
            title=values["title"],
            kind=values["kind"] or Activity.Kind.CONCENTRATED,
            start_at=start,
            end_at=end,
            org=org,
            served_on=day,
            place=values["place"],
            region=region,
            headcount=values["headcount"] or 0,
            status=status,
            note=values["note"],
            created_by=ctx.user,
        )
        activity.set_place(region.code if region is not None else "")
        try:
            activity.clean_fields(exclude=FK_FIELDS)
        except ValidationError as exc:
            raise RowInvalid(rule_errors(exc, self.COLUMNS)) from None
        activity._import_participants = [f"{state['members'].names[pk]} {hours}h" for pk, hours in participants]
        return Planned(
            CREATE,
            {
                "activity": activity,
                "teams": [team.pk for team in teams],
                "types": types,
                "quantity": quantity,
                "participants": participants,
            },
        )

    @staticmethod
    def _each(names, find, column, errors) -> list:
        found, problems = [], []
        for name in names:
            obj, message = find(name)
            if message:
                problems.append(message)
            elif obj not in found:
                found.append(obj)
        if problems:
            errors[column] = "；".join(problems)
        return found

    def _participants(self, values, day, days, state, errors, row_number, ctx) -> list[tuple[int, object]]:
        parts = values["participants"]
        if not parts:
            return []
        _members, message = state["members"].resolve([name for name, _hours in parts], day)
        if message:
            errors["participants"] = message
            return []
        default = values["hours"]
        if default:
            default = check_rule(errors, {"hours": "hours"}, rules.clean_hours, default, days=days)
        chosen = {}
        for name, hours in parts:
            member = state["members"].find(name, day)[0][0]
            if hours is None and default is None and not values["hours"]:
                ctx.warnings.append((row_number, "participants", _("“%(n)s”未填写时长，按 0 小时记录") % {"n": name}))
            given = hours if hours is not None else (default or 0)
            cleaned = check_rule(errors, self.COLUMNS, rules.clean_hours, given, days=days)
            if cleaned is not None and cleaned > MAX_PARTICIPANT_HOURS:
                errors["participants"] = _("每人在一个活动中的时长不能超过 %(m)s 小时") % {"m": MAX_PARTICIPANT_HOURS}
            elif cleaned is not None:
                chosen[member] = cleaned
        return list(chosen.items())

    def _plan_update(self, existing: Activity, values, participants) -> Planned:
        """Headcount, participants and notes from the file; an empty cell changes nothing."""
        changes, changed = {}, []
        if values["headcount"] is not None and values["headcount"] != existing.headcount:
            changes["headcount"] = values["headcount"]
            changed.append("headcount")
        if participants:
            stored = dict(existing.participants.values_list("member_id", "hours"))
            if stored != dict(participants):
                changes["participants"] = participants
                changed.append("participants")
        if values["note"] and values["note"] != existing.note:
            changes["note"] = values["note"]
            changed.append("note")
        if not changes:
            return Planned(UNCHANGED, None)
        return Planned(UPDATE, (existing.pk, changes), changed=tuple(changed))

    def commit(self, rows, ctx):
        user = ctx.user
        creates = [planned.data for planned in rows if planned.action == CREATE]
        activities = [data["activity"] for data in creates]
        Activity.objects.bulk_create(activities, batch_size=500)
        team_links, type_links, parts = [], [], []
        for data in creates:
            activity = data["activity"]
            team_links += [Activity.teams.through(activity_id=activity.pk, team_id=pk) for pk in data["teams"]]
            type_links += [
                Activity.service_types.through(activity_id=activity.pk, servicetype_id=t.pk) for t in data["types"]
            ]
            for member_id, hours in data["participants"]:
                parts.append(ActivityParticipant(activity=activity, member_id=member_id, hours=hours))
            if data["quantity"] is not None:
                first = data["types"][0]
                parts.append(
                    ActivityQuantity(activity=activity, service_type=first, quantity=data["quantity"], unit=first.unit)
                )
        Activity.teams.through.objects.bulk_create(team_links, batch_size=1000)
        Activity.service_types.through.objects.bulk_create(type_links, batch_size=1000)
        for part in parts:
            part.copy_place(part.activity)
            part.counted = part.activity.counts
        ActivityParticipant.objects.bulk_create([p for p in parts if isinstance(p, ActivityParticipant)])
        ActivityQuantity.objects.bulk_create([p for p in parts if isinstance(p, ActivityQuantity)])
        updated = self._update([planned.data for planned in rows if planned.action == UPDATE], user)
        recheck_scope(user, Activity, [a.pk for a in activities + updated], _("有活动不在您可登记的范围内"))
        changelog_write_many(
            actor=user,
            action=ChangeLog.Action.IMPORT,
            objs=activities,
            after_of=log_with(lambda activity: activity._import_participants),
            note=_("批量导入"),
        )
        return len(activities), len(updated)

    def _update(self, rows: list[tuple], user) -> list[Activity]:
        if not rows:
            return []
        changes = dict(rows)
        activities = list(Activity.objects.select_for_update().select_related("org").filter(pk__in=changes))
        before = {}
        for activity in activities:
            names = list(activity.participants.values_list("member__name", "hours"))
            before[activity.pk] = log_with(lambda _a, names=names: [f"{n} {h}h" for n, h in names])(activity)
            change = changes[activity.pk]
            fields = [f for f in ("headcount", "note") if f in change]
            for field in fields:
                setattr(activity, field, change[field])
            if fields:
                activity.full_clean(exclude=FK_FIELDS)
                activity.save(update_fields=[*fields, "updated_at"])
            if "participants" in change:
                self._replace_participants(activity, change["participants"])
        changelog_write_many(
            actor=user,
            action=ChangeLog.Action.UPDATE,
            objs=activities,
            before_of=lambda activity: before[activity.pk],
            after_of=log_with(lambda a: [f"{n} {h}h" for n, h in a.participants.values_list("member__name", "hours")]),
            note=_("批量导入更新"),
        )
        return activities

    @staticmethod
    def _replace_participants(activity: Activity, participants: list[tuple]) -> None:
        wanted = dict(participants)
        stored = {p.member_id: p for p in activity.participants.all()}
        activity.participants.exclude(member_id__in=list(wanted)).delete()  # the ChangeLog keeps the old list
        fresh = []
        for member_id, hours in wanted.items():
            row = stored.get(member_id)
            if row is not None:
                if row.hours != hours:
                    row.hours = hours
                    row.save(update_fields=["hours"])
                continue
            row = ActivityParticipant(activity=activity, member_id=member_id, hours=hours, counted=activity.counts)
            row.copy_place(activity)
            fresh.append(row)
        ActivityParticipant.objects.bulk_create(fresh)

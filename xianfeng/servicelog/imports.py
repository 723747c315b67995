"""Past service records and activities from a spreadsheet (issue 9 §7), through the imports
framework: template, header synonyms, row-by-row check, all-or-nothing commit, error workbook.

Every row is checked with the same rules as a record entered by hand (servicelog.rules) and
against the user's scope (residents, households, providers, teams, activities); the rows are
written in batches, checked again in scope after the write, and logged one ChangeLog row each.
Records have no natural key: an exact repeat of a record already on file (same type, day,
resident or household and providers) is reported as unchanged, so a file can be imported twice
safely. Activities are named by title, start date and organization: a second import updates
their headcount, participants and notes.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import VIEW
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many
from xianfeng.core.masking import mask_id_number
from xianfeng.imports.parsers import parse_date
from xianfeng.imports.spec import CREATE, UNCHANGED, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.orgs.models import Organization
from xianfeng.residents.importing import parse_id_text
from xianfeng.residents.imports import parse_village
from xianfeng.residents.models import Resident
from xianfeng.residents.selectors import change_region_prefixes
from xianfeng.residents.services_import import field_indexer

from . import rules, selectors
from .importing import (
    FK_FIELDS,
    ActivityIndex,
    ExistingRecords,
    TypeIndex,
    check_rule,
    log_with,
    recheck_scope,
    rule_errors,
    team_index,
    text_parser,
)
from .importing_cells import parse_names
from .importing_people import MemberIndex, ResidentIndex, find_household, find_resident
from .importing_places import RecordReach, RecordVillageResolver
from .models import RecordProvider, ServiceRecord


@register
class ServiceRecordImport(ImportSpec):
    key = "servicelog_records"
    label = gettext_lazy("服务记录")
    description = gettext_lazy(
        "导入以往的服务记录，每行一条。服务类型填名称或代码；居民按身份证号识别，无身份证号时按姓名和所属村识别"
        "（同村同名须填身份证号）；户按户编号和所属村识别。服务人员填姓名或志愿者编号，多人用顿号分隔，"
        "时长对每人适用（不填按该类型默认时长）。数量须为该服务类型的计量单位。"
        "与系统中已有记录完全相同（同类型、同日期、同对象、同服务人员）的行记为“不变”，不会重复登记。"
    )
    model = ServiceRecord
    batch_size = 2000
    columns = [
        Column(
            "served_on",
            "服务日期",
            synonyms=("日期", "服务时间", "登记日期"),
            required=True,
            parse=parse_date,
            help="2024-05-01、2024.5.1、2024年5月1日均可；不能晚于今天",
            example="2024-05-01",
        ),
        Column(
            "service_type",
            "服务类型",
            synonyms=("服务项目", "服务内容", "类型", "项目"),
            required=True,
            parse=text_parser(50),
            help="服务类型目录中的名称或代码，如：送药上门 或 medicine_delivery",
            example="送药上门",
        ),
        Column(
            "id_number",
            "居民身份证号",
            synonyms=("身份证号", "身份证号码", "公民身份号码", "证件号码", "服务对象身份证号"),
            parse=parse_id_text,
            help="填写时按身份证号识别居民（须已登记、在您的权限范围内）",
            example="210681195003021234",
            personal=True,
            mask=mask_id_number,
        ),
        Column(
            "name",
            "居民姓名",
            synonyms=("姓名", "服务对象", "服务对象姓名", "居民", "患者姓名"),
            parse=text_parser(50),
            help="无身份证号时，按姓名+所属村识别居民",
            example="李大爷",
        ),
        Column(
            "village",
            "所属村",
            synonyms=("村", "村(社区)", "村居", "村代码", "所属村(社区)", "行政村", "服务地点村"),
            parse=parse_village,
            help="12位村代码或村名（居民导出的“村名（代码）”按代码）",
            example="210681101200",
        ),
        Column("household_number", "户编号", synonyms=("户号", "家庭编号"), parse=text_parser(40), example=""),
        Column(
            "providers",
            "服务人员",
            synonyms=("服务者", "服务人", "志愿者", "医生", "服务医生", "参与人员"),
            parse=parse_names,
            help="姓名或志愿者编号，多人用顿号、逗号或分号分隔；不填为您本人",
            example="王志愿、张医生",
        ),
        Column(
            "hours",
            "服务时长（小时）",
            synonyms=("服务时长", "时长", "时长(小时)", "小时数", "志愿服务时长"),
            parse=text_parser(30),
            help="每位服务人员的时长（不含路途），0–24，可留空（按服务类型默认时长）",
            example="1.5",
        ),
        Column("team", "队伍", synonyms=("服务队伍", "所在队伍", "队伍名称"), parse=text_parser(100), example=""),
        Column("quantity", "数量", synonyms=("服务数量",), parse=text_parser(30), help="不填为 1", example="1"),
        Column("unit", "单位", synonyms=("计量单位",), parse=text_parser(10), help="须为该服务类型的计量单位，可留空"),
        Column(
            "result",
            "结果",
            synonyms=("服务结果", "筛查结果", "检查结果", "随访结果"),
            parse=text_parser(100),
            help="该服务类型的第一个结果项，如筛查结果：阴性/阳性/已转诊",
        ),
        Column("note", "备注", synonyms=("说明",), parse=text_parser(500)),
        Column(
            "activity",
            "活动名称",
            synonyms=("所属活动", "活动"),
            parse=text_parser(100),
            help="可留空；填写时关联您可登记的、当天举办的同名活动",
        ),
    ]
    RULE_COLUMNS = {
        "served_on": "served_on",
        "quantity": "quantity",
        "unit": "unit",
        "hours": "hours",
        "result": "result",
        "service_type": "service_type",
        "household": "household_number",
        "note": "note",
    }

    def prepare(self, ctx):
        user, state = ctx.user, ctx.state
        state["today"] = timezone.localdate()
        state["types"] = TypeIndex(user)
        state["villages"] = RecordVillageResolver(change_region_prefixes(user, VIEW))
        state["reach"] = RecordReach(user)
        state["residents"] = ResidentIndex(user)
        state["id_indexer"] = field_indexer(Resident._meta.get_field("id_number_index"))
        state["members"] = MemberIndex(user)
        state["teams"] = team_index(user)
        state["activities"] = ActivityIndex(user)
        state["existing"] = ExistingRecords(user)
        own = selectors.own_member(user)
        state["own"] = (own.pk, own.name, own.branch_id) if own is not None else None
        state["seen"] = {}

    def clean_row(self, values, row_number, ctx):
        state = ctx.state
        errors: dict[str, str] = {}
        served_on = values["served_on"]
        stype, message = state["types"].find(values["service_type"])
        if message:
            errors["service_type"] = message
        village = None
        if values["village"]:
            village, message = state["villages"].resolve(values["village"])
            if message:
                errors["village"] = message
        resident = find_resident(values, village, served_on, state, errors)
        household = find_household(values, village, resident, state, errors)
        team = None
        if values["team"]:
            team, message = state["teams"].find(values["team"])
            if message:
                errors["team"] = message
        activity = None
        if values["activity"]:
            activity, message = state["activities"].find(values["activity"], served_on)
            if message:
                errors["activity"] = message
        members = self._providers(values, served_on, state, errors)
        record = None
        if stype is not None:
            record = self._record(values, stype, resident, household, errors, ctx)
        if errors:
            raise RowInvalid(errors)
        hours = rules.clean_hours(values["hours"] or stype.default_hours)
        record.served_on = served_on
        record.resident_id = resident["pk"] if resident else None
        record.household_id = household
        record.team_id = team.pk if team else None
        record.org_id = team.owner_org_id if team else members[0][2]
        record.activity_id = activity[0] if activity else None
        record.note = values["note"]
        record.created_by = ctx.user
        place = self._place(values, village, resident, household, activity, row_number, state, ctx)
        record.set_place(place)
        try:
            record.clean_fields(exclude=FK_FIELDS)
        except ValidationError as exc:
            raise RowInvalid(rule_errors(exc, self.RULE_COLUMNS)) from None
        fix, message = state["reach"].problem(org_id=record.org_id, place=place, health=record.health)
        if message:  # reported now, row by row, rather than failing the commit's scope re-check
            raise RowInvalid({"village" if fix == "place" else "team" if team else "providers": message})
        key = (stype.pk, record.resident_id, record.household_id, frozenset(m[0] for m in members))
        where = (record.village_code, record.township_code, record.county_code)
        if state["existing"].take(where, served_on, record.org_id, key):
            return Planned(UNCHANGED, None)
        seen = state["seen"].setdefault((where, served_on, record.org_id, key), row_number)
        if seen != row_number:
            ctx.warnings.append(
                (
                    row_number,
                    "service_type",
                    _("与第 %(r)s 行相同（同类型、同日期、同对象、同服务人员），将登记两条") % {"r": seen},
                )
            )
        record._import_providers = [f"{name} {hours}h" for _pk, name, _branch in members]
        return Planned(CREATE, (record, [(m[0], hours) for m in members]))

    def _providers(self, values, served_on, state, errors) -> list[tuple]:
        if not values["providers"]:
            if state["own"] is None:
                errors["providers"] = _("请填写服务人员（姓名或志愿者编号）")
                return []
            return [state["own"]]
        members, message = state["members"].resolve(values["providers"], served_on)
        if message:
            errors["providers"] = message
        return members

    def _record(self, values, stype, resident, household, errors, ctx) -> ServiceRecord:
        """The rules of a record entered by hand, each error under the column to fix."""
        columns = dict(self.RULE_COLUMNS, resident="id_number" if values["id_number"] else "name")
        if not ({"id_number", "name", "household_number", "village"} & set(errors)):
            check_rule(
                errors,
                columns,
                rules.check_subject,
                stype.subject,
                has_resident=resident is not None,
                has_household=household is not None,
            )
        check_rule(
            errors,
            columns,
            rules.check_served_on,
            values["served_on"],
            today=ctx.state["today"],
            born=resident["birth_date"] if resident else None,
            died=resident["deceased_on"] if resident else None,
        )
        if values["unit"]:
            check_rule(
                errors, columns, rules.clean_quantity, 1, type_unit=stype.unit, unit=values["unit"], field="unit"
            )
        quantity = check_rule(errors, columns, rules.clean_quantity, values["quantity"] or 1, type_unit=stype.unit)
        check_rule(errors, columns, rules.clean_hours, values["hours"] or stype.default_hours)
        result = {}
        if values["result"]:
            if not stype.result_fields:
                errors["result"] = _("服务类型“%(t)s”没有结果项，请清空此列") % {"t": stype.name}
            else:
                result = {stype.result_fields[0]["key"]: values["result"]}
        result = check_rule(errors, columns, rules.clean_result, stype.result_fields, result) or {}
        return ServiceRecord(service_type=stype, quantity=quantity, result=result, health=stype.is_health)

    def _place(self, values, village, resident, household, activity, row_number, state, ctx) -> str:
        """The village of the person served on the day (as the file gives it), else the
        household's, the village column's, the activity's, or none."""
        if resident is not None:
            if village and village != resident["village_id"]:
                ctx.warnings.append((row_number, "village", _("该居民现属另一个村，服务地点按所填的村记录")))
            return village or resident["village_id"]
        if village:
            return village
        if activity is not None:
            return activity[1]
        return ""

    def commit(self, rows, ctx):
        user = ctx.user
        records = [planned.data[0] for planned in rows]
        orgs = Organization.objects.in_bulk({r.org_id for r in records})
        for record in records:
            record.org = orgs[record.org_id]  # for the ChangeLog's organization, without a query each
        ServiceRecord.objects.bulk_create(records, batch_size=1000)
        providers = []
        for record, members in (planned.data for planned in rows):
            for member_id, hours in members:
                provider = RecordProvider(record=record, member_id=member_id, hours=hours, counted=True)
                provider.copy_place(record)
                providers.append(provider)
        RecordProvider.objects.bulk_create(providers, batch_size=1000)
        recheck_scope(user, ServiceRecord, [record.pk for record in records], _("有服务记录不在您可登记的范围内"))
        changelog_write_many(
            actor=user,
            action=ChangeLog.Action.IMPORT,
            objs=records,
            after_of=log_with(lambda record: record._import_providers),
            note=_("批量导入"),
        )
        return len(records), 0


# The activities spec registers itself when imported (imports are autodiscovered by module name).
from . import imports_activities  # noqa: E402, F401

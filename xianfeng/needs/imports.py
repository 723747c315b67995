"""Past needs ledgers 民情台账 from a spreadsheet (issue 12 §2), through the imports framework:
template, header synonyms, row-by-row check, all-or-nothing commit, error workbook.

Residents are found like in the service-log imports: by ID number, else by name and village
(same-named residents in one village need the ID number), households by number and village,
all within the user's scope. Categories, channels and statuses are written in Chinese.

A ledger's resolved row has no service record to prove it (the work was done before Xianfeng):
it is imported as resolved with the resolution note "历史台账导入" (followed by the ledger's own
result), which the need's page shows in place of the evidence. Needs resolved on the platform
always have evidence (services.need_resolve). An unresolved row needs its reason. A row that
repeats a need already on file (same person, same 诉求, same day) is reported as unchanged.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many
from xianfeng.core.masking import mask_id_number
from xianfeng.core.text import normalize_name, normalize_text
from xianfeng.imports.parsers import parse_date
from xianfeng.imports.spec import CREATE, UNCHANGED, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.orgs.models import Organization
from xianfeng.residents.importing import parse_id_text
from xianfeng.residents.imports import parse_village
from xianfeng.residents.models import Resident
from xianfeng.residents.selectors import change_region_prefixes
from xianfeng.residents.services_import import field_indexer
from xianfeng.servicelog.importing import recheck_scope, text_parser
from xianfeng.servicelog.importing_people import MemberIndex, ResidentIndex, find_household, find_resident
from xianfeng.servicelog.importing_places import RecordVillageResolver
from xianfeng.servicelog.selectors import own_member

from .models import Category, Need, Source, Status
from .services import HISTORY_NOTE, need_snapshot

# Words a ledger uses, each for a category, a channel or a status (after the labels and codes).
CATEGORY_WORDS = {
    "就医": Category.MEDICAL,
    "看病": Category.MEDICAL,
    "医疗": Category.MEDICAL,
    "买药": Category.MEDICINE,
    "购药": Category.MEDICINE,
    "代购药": Category.MEDICINE,
    "药品": Category.MEDICINE,
    "轮椅": Category.ASSISTIVE,
    "辅具": Category.ASSISTIVE,
    "证件": Category.DOCUMENTS,
    "报销": Category.DOCUMENTS,
    "办证": Category.DOCUMENTS,
    "出行": Category.TRANSPORT,
    "接送": Category.TRANSPORT,
    "交通": Category.TRANSPORT,
    "农产品": Category.PRODUCE,
    "销售": Category.PRODUCE,
    "住房": Category.HOUSING,
    "危房": Category.HOUSING,
}
SOURCE_WORDS = {"入户": Source.VISIT, "走访": Source.VISIT, "电话": Source.PHONE, "热线": Source.HOTLINE}
SOURCE_WORDS |= {"来访": Source.SELF, "本人": Source.SELF}
STATUS_WORDS = {
    "待办": Status.OPEN,
    "未办": Status.OPEN,
    "办理中": Status.IN_PROGRESS,
    "在办": Status.IN_PROGRESS,
    "已解决": Status.RESOLVED,
    "已办结": Status.RESOLVED,
    "办结": Status.RESOLVED,
    "解决": Status.RESOLVED,
    "未解决": Status.UNRESOLVED,
    "无法解决": Status.UNRESOLVED,
    "关闭": Status.UNRESOLVED,
}


def _choice(text: str, choices, words: dict):
    """The code a cell names: a code, a label, or a known word within it ('' when none)."""
    text = normalize_text(text).strip()
    if not text:
        return ""
    for value, label in choices:
        if text in (value, str(label)):
            return value
    for value, label in choices:
        if str(label).startswith(text) or text.startswith(str(label)):
            return value
    # Longest words first: 未解决 before 解决.
    for word in sorted(words, key=len, reverse=True):
        if word in text:
            return words[word]
    return None


@register
class NeedImport(ImportSpec):
    key = "needs"
    label = gettext_lazy("民情台账")
    description = gettext_lazy(
        "导入以往的民情台账，每行一件诉求。居民按身份证号识别，无身份证号时按姓名和所属村识别（同村同名须填身份证号）；"
        "整户的诉求填户编号和所属村。类别、反映渠道、状态填中文（如：代购药品、走访、已解决）。"
        "责任人填姓名或志愿者编号。已解决的行须有办结日期，以“历史台账导入”作为办理依据；"
        "未解决的行须填未解决原因。与系统中已有诉求相同（同一对象、同一诉求、同一反映日期）的行记为“不变”。"
    )
    model = Need
    batch_size = 2000
    columns = [
        Column("name", "居民姓名", synonyms=("姓名", "居民", "群众姓名", "反映人姓名"), parse=text_parser(50)),
        Column(
            "id_number",
            "居民身份证号",
            synonyms=("身份证号", "身份证号码", "公民身份号码"),
            parse=parse_id_text,
            personal=True,
            mask=mask_id_number,
            example="210681195003021234",
        ),
        Column(
            "village",
            "所属村",
            synonyms=("村", "村(社区)", "行政村"),
            parse=parse_village,
            help="12位村代码或村名",
            example="210681113200",
        ),
        Column("household_number", "户编号", synonyms=("户号",), parse=text_parser(40)),
        Column(
            "category",
            "类别",
            synonyms=("诉求类别", "问题类别", "类型"),
            required=True,
            parse=text_parser(20),
            help="看病就医、代购药品、辅助器具、证件与报销、出行接送、农产品销售、住房、其他",
            example="辅助器具",
        ),
        Column(
            "title",
            "诉求",
            synonyms=("诉求内容", "反映问题", "问题", "事项"),
            required=True,
            parse=text_parser(100),
            example="更换轮椅",
        ),
        Column("description", "详细情况", synonyms=("情况说明", "具体情况"), parse=text_parser(2000)),
        Column(
            "raised_on",
            "反映日期",
            synonyms=("日期", "登记日期", "反映时间"),
            required=True,
            parse=parse_date,
            example="2024-05-01",
        ),
        Column(
            "source",
            "反映渠道",
            synonyms=("渠道", "来源"),
            parse=text_parser(20),
            help="走访、电话、热线、本人来访、其他",
        ),
        Column("assignee", "责任人", synonyms=("承办人", "包保人", "办理人"), parse=text_parser(50)),
        Column("due_on", "办结期限", synonyms=("期限", "限办日期"), parse=parse_date),
        Column(
            "status",
            "状态",
            synonyms=("办理状态", "办结情况"),
            parse=text_parser(20),
            help="待办、办理中、已解决、未解决",
        ),
        Column("closed_on", "办结日期", synonyms=("完成日期", "办结时间"), parse=parse_date),
        Column(
            "result",
            "办理结果/未解决原因",
            synonyms=("办理结果", "未解决原因", "结果", "办理情况"),
            parse=text_parser(200),
        ),
    ]

    def prepare(self, ctx):
        user, state = ctx.user, ctx.state
        state["today"] = timezone.localdate()
        state["villages"] = RecordVillageResolver(change_region_prefixes(user, VIEW))
        state["residents"] = ResidentIndex(user)
        state["id_indexer"] = field_indexer(Resident._meta.get_field("id_number_index"))
        state["members"] = MemberIndex(user)
        state["own"] = own_member(user)
        state["user_org"] = getattr(user, "org_id", None)
        state["orgs"] = set(scoped(user, Organization).values_list("pk", flat=True))
        state["existing"] = {
            (resident, household, normalize_name(title), raised_on)
            for resident, household, title, raised_on in scoped(user, Need)
            .filter(voided_at__isnull=True)
            .values_list("resident_id", "household_id", "title", "raised_on")
        }

    def clean_row(self, values, row_number, ctx):
        state, errors = ctx.state, {}
        today = state["today"]
        category = _choice(values["category"], Category.choices, CATEGORY_WORDS)
        if not category:
            errors["category"] = _("无法识别的类别“%(v)s”") % {"v": values["category"]}
        source = _choice(values["source"], Source.choices, SOURCE_WORDS)
        if source is None:
            errors["source"] = _("无法识别的反映渠道“%(v)s”") % {"v": values["source"]}
        status = _choice(values["status"], Status.choices, STATUS_WORDS)
        if status is None:
            errors["status"] = _("无法识别的状态“%(v)s”") % {"v": values["status"]}
        raised_on = values["raised_on"]
        if raised_on and raised_on > today:
            errors["raised_on"] = _("反映日期不能晚于今天")
        village = None
        if values["village"]:
            village, message = state["villages"].resolve(values["village"])
            if message:
                errors["village"] = message
        resident = find_resident(values, village, raised_on, state, errors)
        household = find_household(values, village, resident, state, errors)
        if resident is None and household is None and not errors.keys() & {"id_number", "name", "village"}:
            errors["name"] = _("请填写居民（姓名+所属村，或身份证号）或户编号")
        assignee = None
        if values["assignee"]:
            found, message = state["members"].find(values["assignee"], raised_on or today)
            if message:
                errors["assignee"] = message
            else:
                assignee = found
        due_on, closed_on, result = values["due_on"], values["closed_on"], values["result"]
        if due_on and raised_on and due_on < raised_on:
            errors["due_on"] = _("办结期限不能早于反映日期")
        status = status or (Status.IN_PROGRESS if assignee else Status.OPEN)
        if status in (Status.RESOLVED, Status.UNRESOLVED):
            if not closed_on:
                errors["closed_on"] = _("已办结的诉求须填写办结日期")
            elif closed_on > today or (raised_on and closed_on < raised_on):
                errors["closed_on"] = _("办结日期须在反映日期和今天之间")
            if status == Status.UNRESOLVED and not result:
                errors["result"] = _("未解决的诉求须填写未解决原因")
        elif closed_on:
            errors["closed_on"] = _("未办结的诉求不应填写办结日期（或把状态填为已解决/未解决）")
        org_id = self._org(assignee, state)
        if org_id is None:
            errors.setdefault("assignee", _("无法确定责任组织：请填写您范围内的责任人"))
        if errors:
            raise RowInvalid(errors)
        resident_id = resident["pk"] if resident else None
        household_id = resident["household_id"] if resident else household
        key = (resident_id, household_id, normalize_name(values["title"]), raised_on)
        if key in state["existing"]:
            return Planned(UNCHANGED, None)
        state["existing"].add(key)
        need = Need(
            title=values["title"],
            description=values["description"],
            category=category,
            source=source or Source.VISIT,
            resident_id=resident_id,
            household_id=household_id,
            raised_on=raised_on,
            org_id=org_id,
            assigned_member_id=assignee[0] if assignee else None,
            due_on=due_on,
            status=status,
            closed_on=closed_on if status in (Status.RESOLVED, Status.UNRESOLVED) else None,
            resolution_note=(HISTORY_NOTE + (f"：{result}" if result else "")) if status == Status.RESOLVED else "",
            close_reason=result if status == Status.UNRESOLVED else "",
            recorded_by_member=state["own"],
            created_by=ctx.user,
        )
        # A household is found by its number within a village: the village is known then.
        need.set_place(village or (resident["village_id"] if resident else ""))
        return Planned(CREATE, need)

    def _org(self, assignee, state) -> int | None:
        """The assignee's branch, else the importing user's own member's branch or organization,
        when the user may see it."""
        own = state["own"]
        for org_id in (assignee[2] if assignee else None, own.branch_id if own else None):
            if org_id and org_id in state["orgs"]:
                return org_id
        return state["user_org"] if state["user_org"] in state["orgs"] else None

    def commit(self, rows, ctx):
        user = ctx.user
        needs = [planned.data for planned in rows]
        orgs = Organization.objects.in_bulk({n.org_id for n in needs})
        for need in needs:
            need.org = orgs[need.org_id]  # the ChangeLog files each need under its organization's path
        Need.objects.bulk_create(needs, batch_size=1000)
        recheck_scope(user, Need, [n.pk for n in needs], _("有诉求不在您可登记的范围内（请检查责任人和所属村）"))
        changelog_write_many(
            actor=user,
            action=ChangeLog.Action.IMPORT,
            objs=needs,
            after_of=lambda need: need_snapshot(need, with_records=False),
            note=_("批量导入"),
        )
        return len(needs), 0

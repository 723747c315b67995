"""Past meetings (组织生活会议记录) from a spreadsheet (issue 13 §7), through the imports framework:
template, header synonyms, row-by-row check, all-or-nothing commit, error workbook.

One row per meeting: the organization (a branch, or a 党小组 for its 党小组会) by name, the kind
in Chinese (支部党员大会, 支委会, 党小组会, 党课, 主题党日, 组织生活会, 民主评议党员, 谈心谈话), the
date (not after today), and the expected and present counts (a past register has no roll). A
支部党员大会, 支委会 or 民主评议党员 needs more than half present to be valid: a row that says it
was valid without that is refused (write 否 under 是否有效 to import it as an invalid meeting,
with its explanation under 无效说明: an invalid meeting says why, as on the form).
Host and recorder are named members of the branch. A row repeating a meeting already on file
(same organization, kind, day and title) is reported as unchanged.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many, snapshot
from xianfeng.core.text import normalize_name, normalize_text
from xianfeng.imports.parsers import CellError, parse_date, parse_int
from xianfeng.imports.spec import CREATE, UNCHANGED, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.importing import NamedIndex, recheck_scope, text_parser

from . import selectors_meetings as selectors
from .models import QUORUM_KINDS, Meeting, MeetingKind
from .services_meetings import MAX_COUNT

K = MeetingKind
# Words a register uses for each kind (after the labels and codes), longest first when matched.
KIND_WORDS = {
    "党员大会": K.BRANCH_ASSEMBLY,
    "支部大会": K.BRANCH_ASSEMBLY,
    "支部委员会": K.COMMITTEE,
    "支委会": K.COMMITTEE,
    "党小组": K.GROUP,
    "小组会": K.GROUP,
    "党课": K.LECTURE,
    "微党课": K.LECTURE,
    "主题党日": K.THEME_DAY,
    "党日": K.THEME_DAY,
    "组织生活会": K.ORG_LIFE,
    "民主评议": K.APPRAISAL,
    "评议党员": K.APPRAISAL,
    "谈心谈话": K.TALK,
    "谈心": K.TALK,
}
YES = {"是", "有效", "y", "yes", "1", "true", "√"}
NO = {"否", "无效", "n", "no", "0", "false", "×"}


def parse_kind(text: str) -> str | None:
    """The kind a cell names: a code, a label, or a known word within it (None when none)."""
    text = normalize_text(text or "").strip()
    if not text:
        return None
    for value, label in K.choices:
        if text in (value, str(label)):
            return value
    for word in sorted(KIND_WORDS, key=len, reverse=True):
        if word in text:
            return KIND_WORDS[word]
    return None


def _count(value):
    number = parse_int(value, minimum=0)
    if number is not None and number > MAX_COUNT:
        raise CellError(_("不能大于 %(n)s") % {"n": MAX_COUNT})
    return number


def _snapshot(meeting: Meeting) -> dict:
    return snapshot(meeting, exclude=("idempotency_key",))


@register
class MeetingImport(ImportSpec):
    key = "partylife_meetings"
    label = gettext_lazy("组织生活会议记录")
    description = gettext_lazy(
        "导入以往的三会一课和组织生活会议记录，每行一次会议。组织填党支部（党小组会可填党小组）全称；会议类型填中文"
        "（支部党员大会、支委会、党小组会、党课、主题党日、组织生活会、民主评议党员、谈心谈话）；日期不能晚于今天。"
        "支部党员大会、支委会、民主评议党员须有半数以上应到人员到会方为有效，未达到的请在“是否有效”填“否”，"
        "并在“无效说明”写明原因（如：到会人数未过半数，改期另行召开）。"
        "主持人、记录人填本支部人员姓名。与系统中已有记录相同（同一组织、类型、日期、主题）的行记为“不变”。"
    )
    model = Meeting
    batch_size = 2000
    columns = [
        Column(
            "org", "组织", synonyms=("党支部", "支部", "组织名称", "召开组织"), required=True, parse=text_parser(100)
        ),
        Column("kind", "会议类型", synonyms=("类型", "会议类别"), required=True, parse=text_parser(20), example="党课"),
        Column("held_on", "日期", synonyms=("会议日期", "召开日期", "时间"), required=True, parse=parse_date),
        Column("title", "主题", synonyms=("会议主题", "题目", "名称"), parse=text_parser(100)),
        Column("place", "地点", synonyms=("会议地点",), parse=text_parser(100)),
        Column("host", "主持人", parse=text_parser(50)),
        Column("recorder", "记录人", parse=text_parser(50)),
        Column("expected", "应到人数", synonyms=("应到",), parse=_count, example="25"),
        Column("present", "实到人数", synonyms=("实到",), parse=_count, example="22"),
        Column("valid", "是否有效", synonyms=("有效",), parse=text_parser(10), help="是/否，不填为是"),
        Column(
            "invalid_note",
            "无效说明",
            synonyms=("无效原因", "无效情况说明"),
            parse=text_parser(200),
            help="是否有效填“否”时必填",
        ),
        Column("topics", "议题", synonyms=("会议议题", "内容"), parse=text_parser(5000)),
        Column("resolutions", "决议", synonyms=("会议决议", "决定事项"), parse=text_parser(5000)),
    ]

    def prepare(self, ctx):
        user, state = ctx.user, ctx.state
        state["today"] = timezone.localdate()
        orgs = list(selectors.meeting_orgs(user))
        state["orgs"] = NamedIndex(
            orgs,
            _("找不到组织“%(v)s”，或您不能为它登记会议"),
            _("有多个组织名为“%(v)s”，请填写全称"),
        )
        state["people"] = {}
        for pk, name_norm, path in scoped(user, Member).values_list("pk", "name_norm", "branch__path"):
            state["people"].setdefault(name_norm, []).append((pk, path))
        state["existing"] = {
            (org, kind, day, normalize_name(title))
            for org, kind, day, title in scoped(user, Meeting)
            .filter(voided_at__isnull=True)
            .values_list("org_id", "kind", "held_on", "title")
        }

    def _person(self, name, branch, state, errors, field):
        if not name:
            return None
        found = [pk for pk, path in state["people"].get(normalize_name(name), []) if path.startswith(branch.path)]
        if len(found) == 1:
            return found[0]
        if not found:
            errors[field] = _("“%(n)s”不是%(b)s的人员（或不在您的权限范围内）") % {"n": name, "b": branch.name}
        else:
            errors[field] = _("%(b)s有 %(c)s 人叫“%(n)s”") % {"b": branch.name, "c": len(found), "n": name}
        return None

    def clean_row(self, values, row_number, ctx):
        state, errors = ctx.state, {}
        org, message = state["orgs"].find(values["org"])
        if message:
            errors["org"] = message
        kind = parse_kind(values["kind"])
        if kind is None:
            errors["kind"] = _("无法识别的会议类型“%(v)s”") % {"v": values["kind"]}
        held_on = values["held_on"]
        if held_on and held_on > state["today"]:
            errors["held_on"] = _("会议日期不能晚于今天：尚未召开的会议不能导入")
        if org is not None and kind is not None:
            if org.kind == Organization.Kind.GROUP and kind not in (K.GROUP, K.TALK):
                errors["kind"] = _("党小组只召开党小组会（或谈心谈话）")
            if held_on and held_on < org.active_from:
                errors["held_on"] = _("会议日期早于该组织的成立日期（%(d)s）") % {"d": org.active_from}
        expected, present = values["expected"] or 0, values["present"] or 0
        if present > expected:
            errors["present"] = _("实到人数不能多于应到人数")
        flag = normalize_text(values["valid"] or "").strip().lower()
        if flag and flag not in YES | NO:
            errors["valid"] = _("请填“是”或“否”")
        is_valid = flag not in NO
        if kind in QUORUM_KINDS and is_valid and not present * 2 > expected and "present" not in errors:
            errors["valid"] = _(
                "%(k)s须有半数以上应到人员到会：应到 %(e)s 人，实到 %(p)s 人，不能记为有效（请填“否”并填写无效说明）"
            ) % {"k": K(kind).label, "e": expected, "p": present}
        invalid_note = (values.get("invalid_note") or "").strip() if not is_valid else ""
        if not is_valid and not invalid_note and "valid" not in errors:
            errors["invalid_note"] = _("会议无效时须填写无效说明，如：到会人数未过半数，改期另行召开")
        host = recorder = None
        if org is not None:
            branch = selectors.branch_of(org)
            host = self._person(values["host"], branch, state, errors, "host")
            recorder = self._person(values["recorder"], branch, state, errors, "recorder")
        if errors:
            raise RowInvalid(errors)
        title = values["title"] or str(K(kind).label)
        key = (org.pk, kind, held_on, normalize_name(title))
        if key in state["existing"]:
            return Planned(UNCHANGED, None)
        state["existing"].add(key)
        meeting = Meeting(
            org=org,
            kind=kind,
            title=title,
            held_on=held_on,
            place=values["place"],
            host_id=host,
            recorder_id=recorder,
            topics=values["topics"],
            resolutions=values["resolutions"],
            expected_count=expected,
            present_count=present,
            is_valid=is_valid,
            invalid_note=invalid_note,
            created_by=ctx.user,
        )
        return Planned(CREATE, meeting)

    def commit(self, rows, ctx):
        user = ctx.user
        meetings = [planned.data for planned in rows]
        Meeting.objects.bulk_create(meetings, batch_size=1000)
        recheck_scope(user, Meeting, [m.pk for m in meetings], _("有会议不在您可登记的范围内（请检查组织）"))
        changelog_write_many(
            actor=user, action=ChangeLog.Action.IMPORT, objs=meetings, after_of=_snapshot, note=_("批量导入")
        )
        return len(meetings), 0

"""Members from a spreadsheet: identity, branch, and the dates of the party steps they have taken."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.personal import personal_existence_check_in_import
from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many, snapshot
from xianfeng.core.idnumber import IdNumberError, parse_id_number
from xianfeng.core.masking import mask_id_number, mask_phone
from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import CellError, parse_choice, parse_date, parse_text
from xianfeng.imports.spec import CREATE, UNCHANGED, UPDATE, Column, ImportSpec, Planned, RowInvalid, register

from . import pipeline
from .identity import PhoneError, birth_date_errors, parse_phone, volunteer_number, volunteer_sequence
from .models import Member, PartyStep, split_names
from .selectors import branch_choices
from .services import member_apply_pipeline, member_clean_identity, member_search_fields
from .services import next_volunteer_number as _next_volunteer_number

Step = pipeline.Step
# What a re-import may change on a registered member (besides phone and an empty volunteer number).
PROFILE = ("name", "gender", "ethnicity", "birth_date", "education", "title", "department", "category", "note")


def parse_id_cell(value) -> str:
    text = parse_text(value)
    if not text:
        return ""
    try:
        return parse_id_number(text).value
    except IdNumberError as exc:
        raise CellError(str(exc)) from exc


def parse_phone_cell(value) -> str:
    try:
        return parse_phone(value)
    except PhoneError as exc:
        raise CellError(str(exc)) from exc


def _choice(choices, default=""):
    def parse(value):
        return parse_choice(value, choices) if parse_text(value) else default

    return parse


# Column key -> the party step whose date it holds, in pipeline order.
STEP_COLUMNS = {
    "apply_on": Step.APPLY,
    "talk_on": Step.TALK,
    "activist_on": Step.ACTIVIST,
    "candidate_on": Step.CANDIDATE,
    "political_review_on": Step.POLITICAL_REVIEW,
    "admit_on": Step.ADMIT,
    "full_on": Step.FULL,
}
COLUMN_OF_STEP = {step: key for key, step in STEP_COLUMNS.items()}


@register
class MemberImport(ImportSpec):
    key = "members"
    label = gettext_lazy("人员（党员、志愿者、职工）")
    description = gettext_lazy(
        "每行一人。身份证号自动核对校验位并补全出生日期和性别；发展党员各环节日期须先后有序"
        "（确定发展对象须在确定积极分子满一年后，转正须在入党满一年后）。志愿者未填编号的自动编号。"
        "已登记的人员（按身份证号，无身份证号时按志愿者编号）可选择按文件更新基本信息：空白单元格不会清空已有信息；"
        "所属支部和发展党员各环节日期不会通过导入修改，请在人员页面办理组织关系转接或登记环节。"
    )
    model = Member
    natural_key = "id_number"
    columns = [
        Column(
            "name",
            "姓名",
            synonyms=("名字", "人员姓名"),
            required=True,
            parse=lambda v: parse_text(v, 50),
            example="张三",
        ),
        Column("gender", "性别", parse=_choice(Member.Gender.choices), help="男/女；可由身份证号推出", example="男"),
        Column("ethnicity", "民族", parse=lambda v: parse_text(v, 20), example="汉族"),
        Column("birth_date", "出生日期", synonyms=("出生年月", "生日"), parse=parse_date, example="1990-03-07"),
        Column(
            "id_number",
            "身份证号",
            synonyms=("身份证号码", "公民身份号码", "证件号码", "身份证"),
            parse=parse_id_cell,
            help="18位，核对校验位；志愿者可不填",
            example="210681199003071234",
            personal=True,
            mask=mask_id_number,
        ),
        Column(
            "phone",
            "手机号",
            synonyms=("手机", "联系电话", "电话", "手机号码"),
            parse=parse_phone_cell,
            example="13812345678",
            personal=True,
            mask=mask_phone,
        ),
        Column(
            "education", "学历", synonyms=("文化程度",), parse=_choice(Member.Education.choices), example="大学本科"
        ),
        Column("title", "职称/职务", synonyms=("职称", "职务"), parse=lambda v: parse_text(v, 50), example="主治医师"),
        Column(
            "department",
            "科室/单位",
            synonyms=("科室", "部门", "工作单位", "单位"),
            parse=lambda v: parse_text(v, 50),
            example="心内科",
        ),
        Column(
            "branch",
            "所属支部",
            synonyms=("支部", "所属组织", "党支部", "所在支部", "组织"),
            required=True,
            help="系统中已有的组织全称或简称",
            example="内科党支部",
        ),
        Column(
            "category",
            "人员类别",
            synonyms=("类别", "人员类型"),
            parse=_choice(Member.Category.choices),  # empty: 职工 for a new person, unchanged otherwise
            help="职工/志愿者/其他，默认职工",
            example="职工",
        ),
        Column("volunteer_no", "志愿者编号", synonyms=("志愿者号",), parse=lambda v: parse_text(v, 20)),
        Column("apply_on", "申请入党日期", synonyms=("递交入党申请书日期", "入党申请日期"), parse=parse_date),
        Column("talk_on", "谈话日期", synonyms=("入党谈话日期",), parse=parse_date),
        Column(
            "activist_on", "确定积极分子日期", synonyms=("确定为入党积极分子日期", "积极分子日期"), parse=parse_date
        ),
        Column("candidate_on", "确定发展对象日期", synonyms=("发展对象日期", "列为发展对象日期"), parse=parse_date),
        Column("political_review_on", "政治审查日期", synonyms=("政审日期",), parse=parse_date),
        Column(
            "admit_on",
            "入党日期",
            synonyms=("接收预备党员日期", "加入党组织日期", "入党时间"),
            parse=parse_date,
            example="2015-07-01",
        ),
        Column(
            "full_on", "转正日期", synonyms=("转为正式党员日期", "转正时间"), parse=parse_date, example="2016-07-01"
        ),
        Column(
            "introducers", "入党介绍人", synonyms=("介绍人",), parse=lambda v: parse_text(v, 100), help="两人，顿号分隔"
        ),
        Column("note", "备注", parse=lambda v: parse_text(v, 500)),
    ]

    def prepare(self, ctx):
        branches = {}
        for org in branch_choices(user=ctx.user):
            for name in {org.name, org.short_name} - {""}:
                branches.setdefault(normalize_name(name), []).append(org)
        ctx.state["branches"] = branches
        index = Member._meta.get_field("id_number_index")
        ctx.state["index_field"] = index
        ctx.state["phone_index"] = Member._meta.get_field("phone_index")
        ctx.state["known_ids"] = set(
            Member.objects.exclude(id_number_index="").values_list("id_number_index", flat=True)
        )
        ctx.state["known_volunteers"] = set(
            Member.objects.exclude(volunteer_no="").values_list("volunteer_no", flat=True)
        )
        ctx.state["seen"] = {}
        ctx.state["today"] = timezone.localdate()
        self._load_existing(ctx)

    def _load_existing(self, ctx):
        """Members the user may change, by ID index and by volunteer number, with the dates of
        their party steps (a re-import compares with them; members number in the thousands)."""
        writable = scoped(ctx.user, Member, CHANGE).order_by()
        by_index, by_volunteer, by_pk, people = {}, {}, {}, set()
        fields = ("pk", "id_number_index", "volunteer_no", "phone_index", "branch_id", "name_norm", *PROFILE)
        for row in writable.values(*fields):
            row["steps"] = {}
            by_pk[row["pk"]] = row
            people.add((row["name_norm"], row["birth_date"]))
            if row["id_number_index"]:
                by_index[row["id_number_index"]] = row
            if row["volunteer_no"]:
                by_volunteer[row["volunteer_no"]] = row
        steps = PartyStep.objects.filter(member__in=writable.values("pk")).values_list("member_id", "step", "on_date")
        for member, step, on_date in steps:
            if member in by_pk:
                by_pk[member]["steps"].setdefault(step, set()).add(on_date)
        ctx.state["existing_by_index"], ctx.state["existing_by_volunteer"] = by_index, by_volunteer
        ctx.state["existing_people"] = people  # (name, birth date): rows with neither number are warned

    def clean_row(self, values, row_number, ctx):
        errors = {}
        branch = self._branch(values["branch"], ctx, errors)
        id_number = values.get("id_number") or ""
        birth_date, gender = values.get("birth_date"), values.get("gender") or ""
        if id_number:
            parsed = parse_id_number(id_number)
            if birth_date and birth_date != parsed.birth_date:
                errors["birth_date"] = _("与身份证号中的出生日期 %(d)s 不一致") % {"d": parsed.birth_date}
            if gender and gender != parsed.gender:
                errors["gender"] = _("与身份证号显示的性别不一致")
            birth_date, gender = birth_date or parsed.birth_date, gender or parsed.gender
        errors.update(birth_date_errors(values.get("birth_date"), birth_date if id_number else None))
        existing = self._duplicates(values, id_number, birth_date, row_number, ctx, errors)
        events = self._events(values, errors)
        if existing is not None:
            return self._plan_update(existing, values, gender, birth_date, branch, row_number, ctx, errors)
        if not errors:
            try:
                pipeline.check_history(events, today=ctx.state["today"], birth_date=birth_date)
            except pipeline.PipelineError as exc:
                column = COLUMN_OF_STEP.get(exc.step, "")
                message = "；".join(exc.errors.values())
                errors["introducers" if "introducers" in exc.errors else column] = message
        if errors:
            raise RowInvalid(errors)
        member = Member(
            name=values["name"],
            gender=gender,
            ethnicity=values.get("ethnicity") or "汉族",
            birth_date=birth_date,
            id_number=id_number,
            phone=values.get("phone") or "",
            education=values.get("education") or "",
            title=values.get("title") or "",
            department=values.get("department") or "",
            branch=branch,
            category=values.get("category") or Member.Category.STAFF,
            volunteer_no=values.get("volunteer_no") or "",
            note=values.get("note") or "",
            created_by=ctx.user,
        )
        member_search_fields(member)
        member_apply_pipeline(member, events)
        return Planned(CREATE, (member, events))

    def _plan_update(self, existing, values, gender, birth_date, branch, row_number, ctx, errors) -> Planned:
        """An existing member: the plain profile fields the file fills are compared (an empty
        cell never blanks a stored value); branch and party-step history are not imported."""
        changes, changed = {}, []
        # Gender and birth date as the file gives them (checked against the ID number above).
        given = {"gender": gender, "birth_date": birth_date}
        for key in PROFILE:
            new = values.get(key)
            if new and key in given:
                new = given[key]
            if isinstance(new, str):
                new = new.strip()
            if new not in ("", None) and new != existing[key]:
                changes[key] = new
                changed.append(key)
        phone = values.get("phone")
        if phone and ctx.state["phone_index"].compute(phone) != existing["phone_index"]:
            changes["phone"] = phone
            changed.append("phone")
        volunteer_no = values.get("volunteer_no")
        if volunteer_no and volunteer_no != existing["volunteer_no"] and "volunteer_no" not in errors:
            if existing["volunteer_no"]:
                errors["volunteer_no"] = _("与系统中此人的志愿者编号不同：导入不会修改已有的志愿者编号")
            else:
                changes["volunteer_no"] = volunteer_no
                changed.append("volunteer_no")
        if branch is not None and branch.pk != existing["branch_id"]:
            errors["branch"] = _(
                "与系统中此人的所属组织不同：导入不会转接组织关系，请在人员页面办理“组织关系转接”后再导入"
            )
        if errors:
            raise RowInvalid(errors)
        if any(
            values.get(key) and values[key] not in existing["steps"].get(step, ()) for key, step in STEP_COLUMNS.items()
        ):
            ctx.warnings.append(
                (
                    row_number,
                    "",
                    _("此人已登记：发展党员各环节日期不会通过导入修改，与系统中不同的请在人员页面登记或撤销环节"),
                )
            )
        if not changed:
            return Planned(UNCHANGED, None)
        return Planned(UPDATE, {"pk": existing["pk"], "changes": changes}, changed=tuple(changed))

    def _branch(self, name, ctx, errors):
        found = ctx.state["branches"].get(normalize_name(name), [])
        if len(found) == 1:
            return found[0]
        if not found:
            errors["branch"] = _("找不到组织“%(n)s”，或它不在您可管理的范围内（请写系统中的全称）") % {"n": name}
        else:
            errors["branch"] = _("有多个组织名为“%(n)s”，请写全称") % {"n": name}
        return None

    def _duplicates(self, values, id_number, birth_date, row_number, ctx, errors):
        """Checks a row against earlier rows and registered people; returns the registered
        member (within the user's change scope) the row names by ID number, or by volunteer
        number when the ID is empty, else None."""
        seen = ctx.state["seen"]
        existing = None
        volunteer_no = values.get("volunteer_no")
        if id_number:
            key = ("id", id_number)
            index = ctx.state["index_field"].lookup_value(id_number)
            existing = ctx.state["existing_by_index"].get(index)
            message = None
            if existing is None:
                message = personal_existence_check_in_import(  # no oracle for members outside the scope
                    acting_user=ctx.user,
                    model=Member,
                    index=index,
                    registered=index in ctx.state["known_ids"],
                    taken_message=_("该身份证号已登记（人员已存在），您无权修改该人员"),
                    state=ctx.state,
                )
            if message:
                errors["id_number"] = message
        else:
            key = ("name", normalize_name(values["name"]), birth_date)
            if volunteer_no:
                existing = ctx.state["existing_by_volunteer"].get(volunteer_no)
            elif key[1:] in ctx.state["existing_people"]:
                message = _("可能与已登记的人员重复（同名、同出生日期，均无身份证号和志愿者编号）：导入将新增一人")
                ctx.warnings.append((row_number, "name", message))
        if key in seen:
            column = "id_number" if id_number else "name"
            errors.setdefault(column, _("与第 %(r)s 行是同一人（重复）") % {"r": seen[key]})
        else:
            seen[key] = row_number
        if volunteer_no:
            vkey = ("volunteer", volunteer_no)
            own = existing is not None and existing["volunteer_no"] == volunteer_no
            if vkey in seen:
                errors["volunteer_no"] = _("与第 %(r)s 行的志愿者编号重复") % {"r": seen[vkey]}
            elif volunteer_no in ctx.state["known_volunteers"] and not own:
                errors["volunteer_no"] = _("该志愿者编号已被使用")
            seen[vkey] = row_number
        return existing

    def _events(self, values, errors) -> list[pipeline.Event]:
        introducers = tuple(split_names(values.get("introducers") or ""))
        events = []
        for key, step in STEP_COLUMNS.items():
            day = values.get(key)
            if day is not None:
                events.append(
                    pipeline.Event(step=step, on_date=day, introducers=introducers if step == Step.ADMIT else ())
                )
        if introducers and values.get("admit_on") is None:
            errors["introducers"] = _("填写了入党介绍人，但没有入党日期")
        return events

    def commit(self, rows, ctx):
        updated = self._update([planned.data for planned in rows if planned.action == UPDATE], ctx)
        rows = [planned.data for planned in rows if planned.action == CREATE]
        year = ctx.state["today"].year
        if "next_volunteer" not in ctx.state:
            ctx.state["next_volunteer"] = volunteer_sequence(_next_volunteer_number(year), year)
        members = []
        for member, _events in rows:
            if member.category == Member.Category.VOLUNTEER and not member.volunteer_no:
                member.volunteer_no = volunteer_number(year, ctx.state["next_volunteer"])
                ctx.state["next_volunteer"] += 1
            members.append(member)
        Member.objects.bulk_create(members, batch_size=500)
        # Re-checked after writing, inside the import's transaction (DESIGN.md §3): a row that got
        # past the branch lookup cannot leave a member outside the importer's scope.
        written = scoped(ctx.user, Member, CHANGE).filter(pk__in=[m.pk for m in members]).count()
        if written != len(members):
            raise PermissionDenied(_("有人员所属组织不在您可管理的范围内"))
        steps = [
            PartyStep(
                member=member,
                step=event.step,
                on_date=event.on_date,
                branch=member.branch,
                introducers="、".join(event.introducers),
                note=_("批量导入"),
                created_by=ctx.user,
            )
            for member, events in rows
            for event in events
        ]
        PartyStep.objects.bulk_create(steps, batch_size=1000)
        # One row per person, as when registered one by one, written in one chained insert so
        # the audit chain is locked once, at the end of the import's transaction.
        changelog_write_many(
            actor=ctx.user, action=ChangeLog.Action.CREATE, objs=members, after_of=_snapshot, note=_("批量导入")
        )
        return len(members), updated

    def _update(self, rows: list[dict], ctx) -> int:
        """Plain profile fields of registered members, as member_update writes them: cleaned,
        re-checked in scope after the write, one ChangeLog row each with before and after."""
        if not rows:
            return 0
        pks = [row["pk"] for row in rows]
        members = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=pks)}
        now, before, fields = timezone.now(), {}, {"updated_at", "name_norm", "name_initials", "phone_index"}
        for row in rows:
            member = members[row["pk"]]
            before[member.pk] = _snapshot(member)
            for field, value in row["changes"].items():
                setattr(member, field, value)
                fields.add(field)
            member_search_fields(member)
            member_clean_identity(member)
            member.updated_at = now
            member.full_clean(
                exclude=["branch", "user", "created_by", "photo"], validate_unique=False, validate_constraints=False
            )
        Member.objects.bulk_update(list(members.values()), sorted(fields), batch_size=500)
        if scoped(ctx.user, Member, CHANGE).filter(pk__in=pks).count() != len(members):
            raise PermissionDenied(_("有人员不在您可管理的范围内"))
        changelog_write_many(
            actor=ctx.user,
            action=ChangeLog.Action.UPDATE,
            objs=list(members.values()),
            before_of=lambda member: before[member.pk],
            after_of=_snapshot,
            note=_("批量导入更新"),
        )
        return len(members)


def _snapshot(member: Member) -> dict:
    return snapshot(member, exclude=("name_norm", "name_initials", "id_number_index", "phone_index", "photo"))

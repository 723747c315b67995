"""Existing patient registers through the imports framework (issue 10 §10): the county's register
of patients with severe mental disorders exported from the national information system, and
their past follow-ups. Template, header synonyms, row-by-row check, all-or-nothing commit and
error workbook come from the framework (imports/engine.py).

- ``smd_register`` enrolls patients in "smd". Patients are matched to residents already on file
  by ID number (blind index, within the user's scope) and never created here: an unknown number
  is refused on its row (import the residents first). A "yes" in 知情同意 records the consent;
  without one on file the row is refused, as enrolling by hand would be. A patient already
  under management is "unchanged", so the same register can be imported again.
- ``smd_followups`` records past follow-ups of enrolled patients, each through the program's
  own validation and ``enrollment_record_visit``, in date order per patient, so the state, the
  next due date and misses are derived exactly as for follow-ups entered by hand. 下次随访日期
  is read and ignored: the rule derives it.

Every check a service would make is made row by row first, so errors come back per row. The
register is then written in bulk (through ``enrollment_create`` 5 000 rows took minutes), with
the scope checked again after the write and a ChangeLog row per enrollment; follow-ups go
through ``enrollment_record_visit`` one by one (its checks run again, and a failure there rolls
the whole file back with the row named).
"""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many, snapshot
from xianfeng.imports.parsers import parse_date
from xianfeng.imports.spec import CREATE, UNCHANGED, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.residents.imports import parse_village
from xianfeng.residents.models import Consent, Resident
from xianfeng.servicelog.importing import recheck_scope, text_parser
from xianfeng.servicelog.importing_cells import parse_names

from . import services
from .configuration import program_settings
from .importing import (
    ID_COLUMN,
    NAME_COLUMN,
    SMD,
    WriteProblem,
    errors_of,
    find_members,
    find_patient,
    parse_consent,
    parse_diagnosis,
    parse_risk,
    prepare_people,
)
from .models import OPEN_STATUSES, Enrollment
from .registry import get_program

PLACE_FIELDS = ("village_code", "township_code", "county_code")  # logged as the resident's village


@register
class SmdRegisterImport(ImportSpec):
    key = "smd_register"
    label = gettext_lazy("严重精神障碍患者名册")
    description = gettext_lazy(
        "从国家严重精神障碍信息系统导出的患者名册，每行一位患者，纳入“严重精神障碍患者管理”。"
        "患者按身份证号匹配已登记的居民，系统中没有的请先导入居民。诊断可填名称或 ICD-10 编码（如 F20）。"
        "知情同意填“是”时按所填日期（不填为纳入管理日期）登记同意；系统中也没有同意记录的，不能纳入。"
        "已在管理中的患者记为“不变”，同一名册可重复导入。需要健康权限。"
    )
    model = Enrollment
    batch_size = 5000  # ChangeLog rows are chained in one insert per batch
    columns = [
        Column("name", "姓名", **NAME_COLUMN),
        Column("id_number", "身份证号", **ID_COLUMN),
        Column("gender", "性别", parse=text_parser(10), help="仅供核对，以居民档案为准"),
        Column("birth_date", "出生日期", parse=parse_date, help="仅供核对，以居民档案为准"),
        Column(
            "village",
            "现住址（村）",
            synonyms=("村代码", "现住址", "现住村", "所属村", "村(社区)", "现住址村代码"),
            parse=parse_village,
            help="仅供核对：与居民档案不同时提示",
        ),
        Column(
            "diagnosis",
            "诊断",
            synonyms=("目前诊断", "诊断名称", "疾病名称", "ICD-10", "诊断编码"),
            required=True,
            parse=parse_diagnosis,
            help="精神分裂症、分裂情感性障碍、持久的妄想性障碍（偏执性精神病）、双相（情感）障碍、癫痫所致精神障碍、"
            "精神发育迟滞伴发精神障碍，或 ICD-10 编码",
            example="精神分裂症",
        ),
        Column(
            "diagnosed_on", "确诊日期", synonyms=("诊断日期", "首次诊断日期"), parse=parse_date, example="2020-03-01"
        ),
        Column("diagnosed_by", "确诊医院", synonyms=("诊断医院", "确诊机构"), parse=text_parser(100)),
        Column(
            "enrolled_on",
            "纳入管理日期",
            synonyms=("纳入日期", "建档日期", "管理日期", "登记日期"),
            required=True,
            parse=parse_date,
            help="不能晚于今天",
            example="2021-05-10",
        ),
        Column(
            "consent",
            "知情同意",
            synonyms=("是否签署知情同意书", "知情同意书", "签署知情同意"),
            parse=parse_consent,
            help="是/否，可附日期，如“是 2021-05-10”",
            example="是",
        ),
        Column("consent_on", "知情同意日期", synonyms=("同意日期", "签署日期"), parse=parse_date),
        Column("guardian", "监护人", synonyms=("监护人姓名",), parse=text_parser(50)),
        Column(
            "risk_level",
            "危险性评估",
            synonyms=("危险性", "危险性评估等级", "最近危险性评估"),
            parse=parse_risk,
            help="0–5 级，仅核对（随访记录中登记）",
        ),
        Column(
            "doctor",
            "责任医生",
            synonyms=("管理医生", "随访医生", "责任人"),
            parse=parse_names,
            help="姓名或志愿者编号；不填时责任组织为您所在的支部",
        ),
    ]
    ENROLLMENT_KEYS = ("diagnosis", "diagnosed_on", "diagnosed_by", "guardian")

    def prepare(self, ctx):
        prepare_people(ctx)
        state = ctx.state
        state["program"] = get_program(SMD)
        state["settings"] = program_settings(SMD)
        # The unique constraint is global: any open enrollment of the person, whoever manages it.
        open_ = Enrollment.objects.live().filter(program=SMD, status__in=OPEN_STATUSES)
        state["enrolled"] = set(open_.values_list("resident_id", flat=True))

    def clean_row(self, values, row_number, ctx):
        state, errors = ctx.state, {}
        today, enrolled_on = state["today"], values["enrolled_on"]
        resident, first = find_patient(values, state, errors, row_number)
        if first != row_number:
            errors["id_number"] = _("与第 %(r)s 行是同一位患者") % {"r": first}
        if enrolled_on > today:
            errors["enrolled_on"] = _("纳入管理日期不能晚于今天")
        members = find_members(values, "doctor", today, state, errors)
        if len(members) > 1:
            errors["doctor"] = _("责任医生只能填一位")
        elif not members and state["own"] is None:
            errors["doctor"] = _("请填写责任医生（您的账号未关联人员，无法以您的支部为责任组织）")
        if resident is None:
            raise RowInvalid(errors)
        if resident["deceased_on"] and resident["deceased_on"] <= enrolled_on:
            errors["id_number"] = _("该居民已于 %(d)s 死亡") % {"d": resident["deceased_on"]}
        if resident["birth_date"] and enrolled_on < resident["birth_date"]:
            errors["enrolled_on"] = _("纳入管理日期早于出生日期")
        data = {key: values[key] for key in self.ENROLLMENT_KEYS if values[key]}
        subject = SimpleNamespace(birth_date=resident["birth_date"], deceased_on=resident["deceased_on"])
        try:
            data = state["program"].clean_enrollment(
                data, subject=subject, enrolled_on=enrolled_on, settings=state["settings"]
            )
        except ValidationError as exc:
            errors.update(errors_of(exc))
        consent = self._consent(values, resident, enrolled_on, errors)
        self._warn(values, resident, row_number, ctx)
        if errors:
            raise RowInvalid(errors)
        if resident["pk"] in state["enrolled"]:
            return Planned(UNCHANGED, None)
        member = members[0] if members else None  # (pk, name, branch id)
        return Planned(CREATE, (row_number, resident, enrolled_on, data, consent, member))

    def _consent(self, values, resident, enrolled_on, errors):
        """The consent to record (its date), None when one on file suffices; an error otherwise."""
        given, day = values["consent"] or (None, None)
        day = values["consent_on"] or day or enrolled_on
        if given:
            if day > enrolled_on:
                errors["consent_on"] = _("知情同意日期晚于纳入管理日期")
            return day
        if not services.has_consent(Resident(pk=resident["pk"]), Consent.Kind.FOLLOW_UP, enrolled_on):
            errors["consent"] = _("没有患者本人或监护人的知情同意，不能纳入管理（同意的请填“是”）")
        return None

    def _warn(self, values, resident, row_number, ctx):
        if values["village"] and values["village"] != resident["village_id"]:
            ctx.warnings.append((row_number, "village", _("与居民档案中的村不同，按居民档案")))
        if values["birth_date"] and resident["birth_date"] and values["birth_date"] != resident["birth_date"]:
            ctx.warnings.append((row_number, "birth_date", _("与居民档案中的出生日期不同，按居民档案")))

    def commit(self, rows, ctx):
        """Bulk writes, after clean_row made every check of ``services.enrollment_create`` (scope
        of the resident and the doctor, merged or deceased, dates, the program's data and
        eligibility, consent, no second open enrollment): through the service a 5 000-row
        register took minutes. The scope is checked again after the write, and each enrollment
        gets its ChangeLog row (with the consent it records) in the same transaction."""
        user, state = ctx.user, ctx.state
        program, settings = state["program"], state["settings"]
        own_branch = state["own"][2] if state["own"] else None
        enrollments, consents = [], []
        for _row, resident, enrolled_on, data, consent_on, member in (p.data for p in rows):
            enrollment = Enrollment(
                program=SMD,
                resident_id=resident["pk"],
                org_id=member[2] if member else own_branch,
                responsible_member_id=member[0] if member else None,
                enrolled_on=enrolled_on,
                data=data,
                health=program.health,
                created_by=user,
            )
            enrollment.set_place(resident["village_id"] or "")
            derived = program.derive(enrolled_on=enrolled_on, data=data, visits=[], settings=settings)
            enrollment.state, enrollment.next_due_on, enrollment.misses = derived.state, derived.next_due_on, 0
            enrollment._import_consent = consent_on.isoformat() if consent_on else ""
            enrollments.append(enrollment)
            if consent_on is not None:
                consents.append(
                    Consent(
                        resident_id=resident["pk"],
                        kind=Consent.Kind.FOLLOW_UP,
                        on_date=consent_on,
                        note=_("患者名册导入"),
                        recorded_by=user,
                    )
                )
        Consent.objects.bulk_create(consents, batch_size=1000)
        try:
            with transaction.atomic():
                Enrollment.objects.bulk_create(enrollments, batch_size=1000)
        except IntegrityError:  # enrolled meanwhile by someone else
            raise WriteProblem(_("有患者刚刚已被纳入管理，请重新检查文件（已全部回滚，未写入任何数据）")) from None
        recheck_scope(user, Enrollment, [e.pk for e in enrollments], _("有患者不在您可登记的范围内"))
        changelog_write_many(
            actor=user,
            action=ChangeLog.Action.IMPORT,
            objs=enrollments,
            after_of=lambda e: dict(snapshot(e, exclude=PLACE_FIELDS), consent=e._import_consent),
            note=_("患者名册导入"),
        )
        return len(enrollments), 0


# The follow-up spec registers itself when imported (imports are autodiscovered by module name).
from . import importing_followups  # noqa: E402, F401

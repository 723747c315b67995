"""Past follow-ups of patients with severe mental disorders (``smd_followups``; see imports.py):
each row through the program's own validation and ``enrollment_record_visit``, in date order per
patient, so the state, the next due date and misses are derived as for follow-ups entered by hand.
下次随访日期 is read and ignored: the rule derives it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.imports.parsers import parse_date
from xianfeng.imports.spec import CREATE, UNCHANGED, Column, ImportSpec, Planned, RowInvalid, register
from xianfeng.servicelog.importing import text_parser
from xianfeng.servicelog.importing_cells import parse_names
from xianfeng.servicelog.selectors import provider_queryset

from . import services
from .configuration import program_settings
from .importing import (
    ID_COLUMN,
    NAME_COLUMN,
    SMD,
    errors_of,
    find_members,
    find_patient,
    parse_people,
    parse_risk,
    prepare_people,
    raise_write_problem,
)
from .models import CLOSED_STATUSES, OPEN_STATUSES, Enrollment, Visit
from .registry import get_program

# The follow-up form as the register writes it (labels and codes are accepted by the fields too).
FORMS = {
    "门诊": "followup_clinic",
    "门诊随访": "followup_clinic",
    "入户": "followup_home",
    "入户随访": "followup_home",
    "家庭": "followup_home",
    "上门": "followup_home",
    "电话": "followup_phone",
    "电话随访": "followup_phone",
    "联合": "joint_followup",
    "联合随访": "joint_followup",
}
SYNONYMS = {
    "medication": {
        "规律服药": "regular",
        "间断服药": "intermittent",
        "未服药": "none",
        "医嘱勿需服药": "not_required",
        "医嘱无需服药": "not_required",
    },
    "not_reached_reason": {"外出务工": "away", "迁出": "moved", "拒绝随访": "refused", "失访": "unknown"},
}
VISIT_KEYS = (
    "reached",
    "not_reached_reason",
    "risk_level",
    "medication",
    "stability",
    "insight",
    "social_function",
    "treatment_effect",
    "referral",
    "referral_reason",
    "participants",
)


def _synonym(key: str, value):
    return SYNONYMS.get(key, {}).get(value, value) if isinstance(value, str) else value


@register
class SmdFollowupImport(ImportSpec):
    key = "smd_followups"
    label = gettext_lazy("严重精神障碍患者随访记录")
    description = gettext_lazy(
        "以往的随访记录，每行一次随访。患者须已纳入“严重精神障碍患者管理”（先导入患者名册）。"
        "随访方式填门诊、入户、电话或联合；未见到本人时填未见原因，不填症状和评估；见到本人时须填危险性评估"
        "（0–5级）和服药情况，病情（稳定/基本稳定/不稳定）不填时按记录推导。下次随访日期不导入，由规则计算。"
        "与系统中已有的随访（同一患者、同一天、同一方式）相同的行记为“不变”。需要健康权限。"
    )
    model = Enrollment
    batch_size = 10**9  # one write at the end, so each patient's follow-ups go in date order
    columns = [
        Column("id_number", "身份证号", **ID_COLUMN),
        Column("name", "姓名", **NAME_COLUMN),
        Column(
            "visited_on",
            "随访日期",
            synonyms=("本次随访日期", "日期"),
            required=True,
            parse=parse_date,
            help="不能晚于今天、早于纳入管理日期",
            example="2024-03-15",
        ),
        Column(
            "form",
            "随访方式",
            synonyms=("随访形式", "方式"),
            required=True,
            parse=text_parser(10),
            help="门诊、入户、电话或联合",
            example="入户",
        ),
        Column("reached", "是否见到本人", synonyms=("见到本人", "是否访到", "本人是否在场"), parse=text_parser(5)),
        Column(
            "not_reached_reason",
            "未见原因",
            synonyms=("未见到本人原因", "未访到原因", "失访原因"),
            parse=text_parser(20),
            help="迁居、外出、拒访、查无此人、其他",
        ),
        Column("risk_level", "危险性评估", synonyms=("危险性", "危险性评估等级"), parse=parse_risk, example="0"),
        Column(
            "medication",
            "服药情况",
            synonyms=("服药依从性",),
            parse=text_parser(20),
            help="规律、间断、不服药、医嘱无须服药",
            example="规律",
        ),
        Column("stability", "病情", synonyms=("病情分类", "病情稳定情况", "本次随访分类"), parse=text_parser(10)),
        Column("insight", "自知力", parse=text_parser(10)),
        Column("social_function", "社会功能", synonyms=("社会功能情况",), parse=text_parser(10)),
        Column("treatment_effect", "治疗效果", parse=text_parser(10)),
        Column("referral", "是否转诊", synonyms=("转诊",), parse=text_parser(5)),
        Column("referral_reason", "转诊原因", synonyms=("转诊原因及机构",), parse=text_parser(200)),
        Column(
            "participants",
            "参与人员",
            synonyms=("联合随访人员",),
            parse=parse_people,
            help="联合随访时填写，如“张警官（公安）、李主任（村（居）委会）”",
        ),
        Column("doctor", "随访医生", synonyms=("随访人", "随访者"), parse=parse_names, help="不填为您本人"),
        Column("next_due", "下次随访日期", parse=text_parser(30), help="不导入：由随访规则计算"),
        Column("note", "备注", synonyms=("说明",), parse=text_parser(500)),
    ]

    def prepare(self, ctx):
        prepare_people(ctx)
        state, user = ctx.state, ctx.user
        state["program"] = get_program(SMD)
        state["settings"] = program_settings(SMD)
        # Each patient's enrollment the user may record visits on: the open one, else the latest.
        enrollments = scoped(user, Enrollment, CHANGE).live().filter(program=SMD).order_by("enrolled_on", "pk")
        fields = ("pk", "resident_id", "enrolled_on", "status", "ended_on")
        state["enrollments"] = by_resident = {}
        for row in enrollments.values(*fields):
            current = by_resident.get(row["resident_id"])
            if current is None or current["status"] not in OPEN_STATUSES:
                by_resident[row["resident_id"]] = row
        visits = scoped(user, Visit).filter(enrollment__program=SMD, counted=True)
        state["existing"] = set(visits.values_list("enrollment_id", "visited_on", "record__service_type__code"))
        state["seen"] = {}

    def clean_row(self, values, row_number, ctx):
        state, errors = ctx.state, {}
        on = values["visited_on"]
        resident, _first = find_patient(values, state, errors, row_number)
        stype = FORMS.get(values["form"]) or FORMS.get(values["form"].replace("随访", ""))
        if stype is None:
            errors["form"] = _("随访方式请填门诊、入户、电话或联合")
        if on > state["today"]:
            errors["visited_on"] = _("随访日期不能晚于今天")
        members = find_members(values, "doctor", on, state, errors)
        if not values["doctor"] and state["own"] is None:
            errors["doctor"] = _("请填写随访医生（您的账号未关联人员）")
        if resident is None:
            raise RowInvalid(errors)
        enrollment = state["enrollments"].get(resident["pk"])
        if enrollment is None:
            errors["id_number"] = _("该患者尚未纳入严重精神障碍管理（或不在您可登记的范围内），请先导入患者名册")
            raise RowInvalid(errors)
        self._check_date(on, resident, enrollment, errors)
        data = {key: _synonym(key, values[key]) for key in VISIT_KEYS if values[key] not in ("", (), None)}
        if "participants" in data:
            data["participants"] = [dict(p) for p in data["participants"]]
        try:
            program = state["program"]
            clean = program.clean_visit(
                data, kind="followup", enrollment=None, visited_on=on, settings=state["settings"]
            )
            if stype is not None and hasattr(program, "clean_visit_type"):
                program.clean_visit_type(clean, kind="followup", service_type=stype)
        except ValidationError as exc:
            errors.update({k: v for k, v in errors_of(exc).items() if k not in errors})
        if errors:
            raise RowInvalid(errors)
        key = (enrollment["pk"], on, stype)
        if key in state["existing"]:
            return Planned(UNCHANGED, None)
        seen = state["seen"].setdefault(key, row_number)
        if seen != row_number:
            raise RowInvalid({"visited_on": _("与第 %(r)s 行重复（同一患者、同一天、同一随访方式）") % {"r": seen}})
        providers = [m[0] for m in members]
        return Planned(CREATE, (row_number, enrollment["pk"], on, stype, data, providers, values["note"]))

    @staticmethod
    def _check_date(on, resident, enrollment, errors):
        if on < enrollment["enrolled_on"]:
            errors["visited_on"] = _("随访日期早于纳入管理日期（%(d)s）") % {"d": enrollment["enrolled_on"].isoformat()}
        died = resident["deceased_on"]
        if died and on > died:
            errors["visited_on"] = _("该患者已于 %(d)s 死亡，不能登记此后的随访") % {"d": died.isoformat()}
        if enrollment["status"] in CLOSED_STATUSES and enrollment["ended_on"] and on > enrollment["ended_on"]:
            errors["visited_on"] = _("该患者已于 %(d)s 结案") % {"d": enrollment["ended_on"].isoformat()}

    def commit(self, rows, ctx):
        user = ctx.user
        plans = sorted((planned.data for planned in rows), key=lambda p: (p[1], p[2], p[0]))
        enrollments = scoped(user, Enrollment, CHANGE).in_bulk({p[1] for p in plans})
        members = provider_queryset(user).in_bulk({pk for p in plans for pk in p[5]})
        for row_number, enrollment_id, on, stype, data, providers, note in plans:
            try:
                services.enrollment_record_visit(
                    acting_user=user,
                    enrollment=enrollments[enrollment_id],
                    kind="followup",
                    visited_on=on,
                    data=data,
                    service_type=stype,
                    providers=[members[pk] for pk in providers if pk in members] or None,
                    note=note,
                )
            except ValidationError as exc:
                raise_write_problem(row_number, exc)
        return len(plans), 0

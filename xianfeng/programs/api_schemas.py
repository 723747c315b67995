"""The request and response bodies of the programs API (api.py).

Output never carries ID numbers or phones: a resident is {id, name, village_code}, a household
{id, name, number, village_code}. The program catalogue (``ProgramOut``) carries every typed field
of the enrollment and visit forms, so the offline field app renders its forms from it.
"""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from xianfeng.api.types import Date, Id, unchanged

# The references a service record answers with: one schema each in the OpenAPI document.
from xianfeng.servicelog.api_records_schemas import Hours, HouseholdRef, NamedRef, ResidentRef

from .fields import display
from .registry import get_program

MAX_DATA_KEYS = 40
MAX_PROVIDERS = 50

ProgramCode = Annotated[str, Field(min_length=1, max_length=40, description="项目代码（见 GET /api/programs/）")]
RegionCode = Annotated[str, Field(pattern=r"^\d{6,12}$", description="区划代码：6 位县、9 位乡镇、12 位村")]
Key = Annotated[str, Field(max_length=40)]
# Values are checked by the program's typed fields (fields.py): choices, numbers in range, dates,
# lists of people. The schema only bounds the size of the object.
Data = Annotated[
    dict[Key, Any],
    Field(max_length=MAX_DATA_KEYS, description="按项目的字段填写，键为字段的 key（见 GET /api/programs/）"),
]


# --- the catalogue -------------------------------------------------------------------------


class FieldOut(Schema):
    key: str
    label: str
    kind: str = Field(description="choice、multichoice、integer、decimal、text、boolean、date、people")
    required: bool = False
    choices: list[list[str]] = []
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    default: Any = None
    help: str = ""


class VisitKindOut(Schema):
    code: str
    label: str
    service_types: list[str] = Field(description="可登记为的服务类型代码，第一个为默认")
    fields: list[FieldOut]


class SettingOut(Schema):
    key: str
    label: str
    value: Any


class ProgramOut(Schema):
    code: str
    name: str
    subjects: list[str] = Field(description="可纳入的对象：resident 居民、household 户、region 地区")
    health: bool = Field(description="健康信息：只有持健康权限的角色可见")
    consent_kind: str | None = Field(description="纳入前须登记的知情同意类型")
    basis: str
    enrollment_fields: list[FieldOut]
    visit_kinds: list[VisitKindOut]
    states: list[list[str]]
    settings: list[SettingOut]


def field_out(spec: dict) -> dict:
    out = {k: v for k, v in spec.items() if k in FieldOut.model_fields}
    out["label"] = str(spec.get("label", ""))
    out["help"] = str(spec.get("help", ""))
    out["choices"] = [[str(code), str(text)] for code, text in spec.get("choices", [])]
    return out


def program_out(program, settings: dict) -> dict:
    labels = {spec.key: str(spec.label) for spec in program.settings}
    return {
        "code": program.code,
        "name": str(program.name),
        "subjects": list(program.subjects),
        "health": program.health,
        "consent_kind": program.consent_kind,
        "basis": str(program.basis),
        "enrollment_fields": [field_out(f) for f in program.enrollment_fields],
        "visit_kinds": [
            {
                "code": kind.code,
                "label": str(kind.label),
                "service_types": list(kind.service_types),
                "fields": [field_out(f) for f in kind.fields],
            }
            for kind in program.visit_kinds
        ],
        "states": [[code, str(label)] for code, label in program.states],
        "settings": [{"key": key, "label": labels[key], "value": value} for key, value in settings.items()],
    }


# --- enrollments ---------------------------------------------------------------------------


class RegionRef(Schema):
    code: str
    name: str


class EnrollmentOut(Schema):
    id: int
    program: str
    program_name: str
    resident: ResidentRef | None
    household: HouseholdRef | None
    region: RegionRef | None
    org: NamedRef
    responsible_member: NamedRef | None
    responsible_team: NamedRef | None
    status: str = Field(
        description="enrolled 已纳入、active 管理中、lost 失访、moved 已迁出、deceased 已死亡、exited 已结案"
    )
    status_label: str
    state: str = Field(description="项目规则推导的管理状态（如严重精神障碍的病情稳定性）")
    state_label: str
    data: dict
    data_display: list[list[str]] = Field(description="登记信息的 [标签, 文字] 对，按表单顺序")
    enrolled_on: datetime.date
    ended_on: datetime.date | None
    end_reason: str
    last_visit_on: datetime.date | None
    next_due_on: datetime.date | None
    misses: int
    village_code: str
    township_code: str
    county_code: str
    voided: bool
    voided_at: datetime.datetime | None
    void_reason: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_program_name(obj) -> str:
        return str(get_program(obj.program).name)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_state_label(obj) -> str:
        return get_program(obj.program).state_label(obj.state) if obj.state else ""

    @staticmethod
    def resolve_data_display(obj) -> list[list[str]]:
        fields = list(get_program(obj.program).enrollment_fields)
        return [list(pair) for pair in display(fields, obj.data or {})]

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class EnrollmentIn(Schema):
    program: ProgramCode
    resident_id: Id | None = Field(None, description="纳入居民时填写")
    household_id: Id | None = Field(None, description="纳入户时填写（防返贫监测、结对帮扶）")
    region_code: RegionCode | None = Field(None, description="结对帮扶一个乡镇（村）的全部患者时填写")
    org_id: Id | None = Field(None, description="责任组织，默认取责任队伍或责任人的支部，否则调用者的支部")
    responsible_member_id: Id | None = None
    responsible_team_id: Id | None = None
    enrolled_on: Date | None = Field(None, description="纳入日期，默认今天，不能晚于今天")
    data: Data = {}


class EnrollmentPatch(Schema):
    """Only the fields sent change. ``data`` replaces the whole registration data (validated again);
    null clears the responsible member or team."""

    data: Data = unchanged()
    org_id: Id = unchanged()
    responsible_member_id: Id | None = None
    responsible_team_id: Id | None = None


class EnrollmentEndIn(Schema):
    status: Literal["moved", "deceased", "exited"] = Field(description="moved 已迁出、deceased 已死亡、exited 已结案")
    ended_on: Date | None = Field(None, description="结案（迁出、死亡）日期，默认今天")
    reason: Annotated[str, Field(max_length=200)] = Field("", description="结案原因（“已结案”时必填）")


class EnrollmentFilters(Schema):
    program: Annotated[str, Field(max_length=40)] = Field("", description="项目代码")
    status: Annotated[str, Field(pattern=r"^(|open|enrolled|active|lost|moved|deceased|exited)$")] = Field(
        "", description="状态：enrolled、active、lost、moved、deceased、exited；open 表示在管（前三者）"
    )
    township: Annotated[str, Field(max_length=12, pattern=r"^\d*$")] = Field(
        "", description="区划代码（6 位县、9 位乡镇、12 位村）"
    )
    member_id: Id | None = Field(None, description="责任人")
    team_id: Id | None = Field(None, description="责任队伍")
    q: Annotated[str, Field(max_length=50)] = Field("", description="姓名（居民、户主或地区）")
    include_voided: bool = Field(False, description="包含已作废的登记")


# --- visits --------------------------------------------------------------------------------


class VisitIn(Schema):
    kind: Annotated[str, Field(min_length=1, max_length=20, description="记录类型代码（见项目的 visit_kinds）")]
    visited_on: Date | None = Field(None, description="随访日期，默认今天；不能晚于今天、早于纳入日期")
    service_type: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="服务类型代码，须为该记录类型的 service_types 之一；默认第一个"
    )
    data: Data = {}
    provider_ids: list[Id] | None = Field(
        None, max_length=MAX_PROVIDERS, description="服务人员（人员 id），默认为调用者本人"
    )
    hours: Hours | None = None
    resident_id: Id | None = Field(None, description="户或地区的登记：本次见到的居民（可选）")
    team_id: Id | None = Field(None, description="默认为登记的责任队伍")
    note: Annotated[str, Field(max_length=500)] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = Field(
        "", description="客户端编号：同一用户以同一编号重复提交只登记一次（重复时返回 200 和已有的记录）"
    )


class EnrollmentBrief(Schema):
    id: int
    status: str
    state: str
    next_due_on: datetime.date | None
    last_visit_on: datetime.date | None
    misses: int


class VisitOut(Schema):
    id: int
    enrollment_id: int
    kind: str
    kind_label: str
    visited_on: datetime.date
    reached: bool
    counted: bool = Field(description="服务记录作废后为 false，不再计入")
    record_id: int
    service_type: str
    service_type_name: str
    data: dict
    data_display: list[list[str]]
    providers: list[NamedRef]
    note: str
    idempotency_key: str
    created_at: datetime.datetime
    enrollment: EnrollmentBrief

    @staticmethod
    def _kind(obj):
        program = get_program(obj.enrollment.program)
        return next((k for k in program.visit_kinds if k.code == obj.kind), None)

    @staticmethod
    def resolve_kind_label(obj) -> str:
        kind = VisitOut._kind(obj)
        return str(kind.label) if kind else obj.kind

    @staticmethod
    def resolve_service_type(obj) -> str:
        return obj.record.service_type.code

    @staticmethod
    def resolve_service_type_name(obj) -> str:
        return obj.record.service_type.name

    @staticmethod
    def resolve_data(obj) -> dict:
        return obj.record.result or {}

    @staticmethod
    def resolve_data_display(obj) -> list[list[str]]:
        kind = VisitOut._kind(obj)
        fields = list(kind.fields) if kind else []
        return [list(pair) for pair in display(fields, obj.record.result or {})]

    @staticmethod
    def resolve_providers(obj) -> list[dict]:
        return [{"id": p.member_id, "name": p.member.name} for p in obj.record.providers.all()]

    @staticmethod
    def resolve_note(obj) -> str:
        return obj.record.note

    @staticmethod
    def resolve_idempotency_key(obj) -> str:
        return obj.record.idempotency_key

    @staticmethod
    def resolve_created_at(obj) -> datetime.datetime:
        return obj.record.created_at


# --- worklists -----------------------------------------------------------------------------

Bucket = Annotated[str, Field(pattern=r"^(today|week|overdue|lost)$")]


class WorklistFilters(Schema):
    program: Annotated[str, Field(max_length=40)] = Field("", description="项目代码")
    member_id: Id | None = Field(None, description="责任人")
    team_id: Id | None = Field(None, description="责任队伍")
    org_id: Id | None = Field(None, description="责任组织（含下级组织）")
    township: Annotated[str, Field(max_length=12, pattern=r"^\d*$")] = Field(
        "", description="区划代码（6 位县、9 位乡镇、12 位村）"
    )
    mine: bool = Field(False, description="只看本人负责（或本人所在队伍负责）的")


class WorklistCountsOut(Schema):
    today: int = Field(description="今天到期")
    week: int = Field(description="7 天内到期（含今天）")
    overdue: int = Field(description="已逾期")
    lost: int = Field(description="失访")

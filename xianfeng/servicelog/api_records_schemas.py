"""The request and response bodies of the service-record API (api_records.py): output never
carries ID numbers or phones (a resident is {id, name, village_code}, a provider {id, name,
volunteer_no, hours})."""

import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from xianfeng.api.types import Date, Id, unchanged

from . import services
from .api_shared import Quantity, TypeCode
from .models import MAX_HOURS_PER_DAY, Unit

MAX_PROVIDERS = 50
MAX_RESULT_KEYS = 20

# Numbers in JSON; the services check the decimals (1 for hours) in their own words.
Hours = Annotated[
    float,
    Field(
        ge=0,
        le=float(MAX_HOURS_PER_DAY),
        allow_inf_nan=False,
        description="每位服务人员的服务时长（小时，不含路途，最多一位小数）；默认取该类型的默认时长",
    ),
]
ResultValue = Annotated[str, Field(max_length=200)] | bool | int | Annotated[float, Field(allow_inf_nan=False)] | None
Result = Annotated[
    dict[Annotated[str, Field(max_length=40)], ResultValue],
    Field(max_length=MAX_RESULT_KEYS, description="结果项，键为该类型 result_fields 的 key"),
]


# --- output --------------------------------------------------------------------------------


class ResidentRef(Schema):
    id: int
    name: str
    village_code: str

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.village_id


class HouseholdRef(Schema):
    id: int
    name: str
    number: str
    village_code: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.village_id


class ProviderOut(Schema):
    id: int
    name: str
    volunteer_no: str
    hours: float

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.member_id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_volunteer_no(obj) -> str:
        return obj.member.volunteer_no


class NamedRef(Schema):
    id: int
    name: str


class RecordOut(Schema):
    id: int
    service_type: str
    service_type_name: str
    unit: str
    served_on: datetime.date
    resident: ResidentRef | None
    household: HouseholdRef | None
    providers: list[ProviderOut]
    team: NamedRef | None
    org: NamedRef
    activity_id: int | None
    quantity: float
    result: dict
    note: str
    village_code: str
    township_code: str
    county_code: str
    voided: bool
    voided_at: datetime.datetime | None
    void_reason: str
    idempotency_key: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_service_type(obj) -> str:
        return obj.service_type.code

    @staticmethod
    def resolve_service_type_name(obj) -> str:
        return obj.service_type.name

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.service_type.unit

    @staticmethod
    def resolve_providers(obj) -> list:
        return list(obj.providers.all())

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class BulkItemOut(Schema):
    index: int
    id: int
    created: bool


class BulkOut(Schema):
    created: int = Field(description="新建的记录数")
    replayed: int = Field(description="客户端编号重复、返回已有记录的条数")
    items: list[BulkItemOut]


# --- input ---------------------------------------------------------------------------------


class RecordIn(Schema):
    service_type: TypeCode
    served_on: Date | None = Field(None, description="服务日期，默认今天（或所属活动的日期）")
    resident_id: Id | None = None
    household_id: Id | None = None
    provider_ids: list[Id] | None = Field(
        None, max_length=MAX_PROVIDERS, description="服务人员（人员 id），默认为调用者本人"
    )
    hours: Hours | None = None
    team_id: Id | None = None
    org_id: Id | None = Field(None, description="默认取队伍的组织，否则第一位服务人员的支部")
    activity_id: Id | None = None
    quantity: Quantity | None = Field(None, description="默认 1")
    unit: Unit | None = Field(None, description="可省略；给出时必须是该类型的计量单位")
    result: Result = {}
    note: str = Field("", max_length=500)
    idempotency_key: str = Field(
        "", max_length=64, description="客户端编号：同一用户以同一编号重复提交只生成一条记录（重复时返回 200）"
    )


class RecordPatch(Schema):
    """Only the fields sent change. null clears resident_id, household_id, team_id and activity_id;
    for the other fields null is refused with 422 (send "" to clear the note)."""

    service_type: TypeCode = unchanged()
    served_on: Date = unchanged()
    resident_id: Id | None = None
    household_id: Id | None = None
    provider_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_PROVIDERS)] = unchanged()
    hours: Hours = unchanged()
    team_id: Id | None = None
    org_id: Id = unchanged()
    activity_id: Id | None = None
    quantity: Quantity = unchanged()
    unit: Unit = unchanged()
    result: Result = unchanged()
    note: Annotated[str, Field(max_length=500)] = unchanged()


class BulkIn(Schema):
    items: list[RecordIn] = Field(description=f"1 到 {services.MAX_BULK} 条记录")

    @field_validator("items", mode="before")
    @classmethod
    def at_most_max_bulk(cls, value):
        # Checked before the items are parsed, so an oversized request is refused cheaply.
        if isinstance(value, list) and len(value) > services.MAX_BULK:
            raise ValueError(
                _("一次最多提交 %(n)d 条记录，本次 %(m)d 条，请分批提交") % {"n": services.MAX_BULK, "m": len(value)}
            )
        if isinstance(value, list) and not value:
            raise ValueError(_("请至少提交一条记录"))
        return value


class RecordFilters(Schema):
    from_: Date | None = Field(None, alias="from", description="服务日期起（含）")
    to: Date | None = Field(None, description="服务日期止（含）")
    type: Annotated[str, Field(max_length=40)] = Field("", description="服务类型代码")
    resident_id: Id | None = None
    household_id: Id | None = None
    team_id: Id | None = None
    activity_id: Id | None = None
    include_voided: bool = Field(False, description="包含已作废的记录")

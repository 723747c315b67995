"""Schemas of the command part's API (/api/emergencies/): names are prefixed ``Emergency`` (ninja
schema names are unique project-wide)."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from xianfeng.api.types import Date, Id, unchanged

from . import report_form
from .models import Emergency

KindCode = Literal[tuple(Emergency.Kind.values)]  # type: ignore[valid-type]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=4000)]
Count = Annotated[int, Field(ge=0, le=report_form.MAX_COUNT)]
IdList = Annotated[list[Id], Field(max_length=500)]


class EmergencyFiltersIn(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    status: Literal["active", "ended", ""] = Field("", description="active = 进行中，ended = 已结束")


class EmergencyOut(Schema):
    id: int
    name: str
    kind: str
    org_id: int
    org_name: str
    start_on: datetime.date
    end_on: datetime.date | None
    active: bool
    description: str
    call_text: str
    pledges_open: bool

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_active(obj):
        return obj.is_active()


class EmergencyIn(Schema):
    name: Name
    org_id: Id
    kind: KindCode = Emergency.Kind.EPIDEMIC
    start_on: Date
    end_on: Date | None = None
    description: Text = ""


class EmergencyPatch(Schema):
    name: Name = unchanged()
    org_id: Id = unchanged()
    kind: KindCode = unchanged()
    start_on: Date = unchanged()
    end_on: Date | None = unchanged()
    description: Text = unchanged()
    call_text: Text = unchanged()
    pledges_open: bool = unchanged()


class EmergencyGroupOut(Schema):
    id: int
    emergency_id: int
    name: str
    duties: str
    leader_id: int | None
    leader_name: str
    member_ids: list[int]
    order: int

    @staticmethod
    def resolve_leader_name(obj):
        return obj.leader.name if obj.leader_id else ""

    @staticmethod
    def resolve_member_ids(obj):
        return sorted(m.pk for m in obj.members.all())


class EmergencyGroupIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    duties: Text = ""
    leader_id: Id | None = None
    member_ids: IdList = []
    order: Annotated[int, Field(ge=0, le=999)] | None = None


class EmergencyGroupPatch(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50)] = unchanged()
    duties: Text = unchanged()
    leader_id: Id | None = unchanged()
    member_ids: IdList = unchanged()
    order: Annotated[int, Field(ge=0, le=999)] = unchanged()


class EmergencyMeetingOut(Schema):
    id: int
    emergency_id: int
    held_on: datetime.date
    title: str
    host_id: int | None
    attendee_ids: list[int]
    decisions: str
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_attendee_ids(obj):
        return sorted(m.pk for m in obj.attendees.all())

    @staticmethod
    def resolve_voided(obj):
        return obj.is_voided


class EmergencyMeetingIn(Schema):
    held_on: Date
    title: Annotated[str, Field(min_length=1, max_length=100)]
    host_id: Id | None = None
    attendee_ids: IdList = []
    decisions: Text = ""


class EmergencyReportField(Schema):
    code: Annotated[str, Field(max_length=30)] = Field("", description="留空为新增的自定义字段（代码自动生成）")
    label: Annotated[str, Field(max_length=report_form.MAX_LABEL)]
    enabled: bool = True


class EmergencyReportFieldsIn(Schema):
    fields: Annotated[list[EmergencyReportField], Field(max_length=report_form.MAX_FIELDS + 5)]


class EmergencyReportFieldsOut(Schema):
    fields: list[EmergencyReportField]


class EmergencyDailyOut(Schema):
    id: int
    emergency_id: int
    day: datetime.date
    counts: dict[str, int]
    note: str


class EmergencyDailyIn(Schema):
    day: Date
    counts: Annotated[
        dict[Annotated[str, Field(max_length=30)], Count], Field(description="截至当日的累计数 {字段代码: 数}")
    ]
    note: Annotated[str, Field(max_length=2000)] = ""


class EmergencySeriesRow(Schema):
    day: datetime.date
    report_id: int
    cumulative: dict[str, int | None]
    new: dict[str, int | None]


class EmergencySeriesField(Schema):
    code: str
    label: str


class EmergencySeriesOut(Schema):
    fields: list[EmergencySeriesField]
    rows: list[EmergencySeriesRow]

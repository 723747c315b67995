"""Schemas of the needs ledger's API (/api/needs/). Names are prefixed ``Need`` (ninja schema
names are unique project-wide)."""

import datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema

from xianfeng.api.types import Date, Id, unchanged

from .models import Category, Source, Status
from .selectors import STATUS_OPEN_ANY

CategoryCode = Literal[tuple(Category.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
StatusFilter = Literal[tuple([*Status.values, STATUS_OPEN_ANY])]  # type: ignore[valid-type]
Title = Annotated[str, Field(min_length=1, max_length=100, description="诉求（一句话）")]
Reason = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=2000)]
RegionCode = Annotated[str, Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$", description="6、9 或 12 位区划代码")]


class NeedFilters(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    category: CategoryCode | Literal[""] = ""
    status: StatusFilter | Literal[""] = Field("", description="active = 待办和办理中")
    township: RegionCode | Literal[""] = ""
    date_from: Date | None = None
    date_to: Date | None = None
    overdue: bool = False
    assigned: Literal["me", ""] = Field("", description="me = 分派给我（或我所在队伍）的")
    team_id: Id | None = None
    resident_id: Id | None = None
    household_id: Id | None = None
    include_voided: bool = False


class NeedOut(Schema):
    id: int
    title: str
    description: str
    category: str
    source: str
    status: str
    resident_id: int | None
    resident_name: str
    household_id: int | None
    raised_by_name: str
    raised_on: datetime.date
    org_id: int
    assigned_member_id: int | None
    assigned_member_name: str
    assigned_team_id: int | None
    due_on: datetime.date | None
    overdue: bool
    closed_on: datetime.date | None
    resolution_note: str
    close_reason: str
    record_ids: list[int]
    village_code: str
    township_code: str
    voided: bool
    void_reason: str

    # The evidence ids are those the caller may see (the queryset prefetches them through scoped()).
    @staticmethod
    def resolve_record_ids(obj) -> list[int]:
        return sorted(r.pk for r in obj.records.all())

    @staticmethod
    def resolve_resident_name(obj) -> str:
        return obj.resident.name if obj.resident_id else ""

    @staticmethod
    def resolve_assigned_member_name(obj) -> str:
        return obj.assigned_member.name if obj.assigned_member_id else ""

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class NeedIn(Schema):
    title: Title
    category: CategoryCode
    resident_id: Id | None = None
    household_id: Id | None = None
    description: Text = ""
    source: SourceCode = "visit"
    raised_by_name: Annotated[str, Field(max_length=50)] = ""
    raised_on: Date | None = None
    org_id: Id | None = None
    assigned_member_id: Id | None = None
    assigned_team_id: Id | None = None
    due_on: Date | None = None
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class NeedPatch(Schema):
    title: Title = unchanged()
    category: CategoryCode = unchanged()
    description: Text = unchanged()
    source: SourceCode = unchanged()
    raised_by_name: Annotated[str, Field(max_length=50)] = unchanged()
    raised_on: Date = unchanged()
    due_on: Date | None = None
    resident_id: Id | None = None
    household_id: Id | None = None
    org_id: Id = unchanged()


class NeedAssignIn(Schema):
    assigned_member_id: Id | None = None
    assigned_team_id: Id | None = None
    due_on: Date | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class NeedResolveIn(Schema):
    record_ids: Annotated[list[Id], Field(max_length=50, description="解决依据：服务记录的 id，至少一条")]
    resolution_note: Text = ""
    closed_on: Date | None = None


class NeedCloseIn(Schema):
    reason: Reason
    closed_on: Date | None = None


class NeedReasonIn(Schema):
    reason: Reason

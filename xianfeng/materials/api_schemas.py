"""Bodies of the materials API (/api/materials/). Names are prefixed ``Materials`` (ninja schema
names are unique project-wide). Outputs name people only as the list pages do (a resident's
name for those who may see the distribution), never an ID number, a phone or a village code."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from xianfeng.api.types import Date, Id
from xianfeng.servicelog.api_shared import Quantity

from .models import Distribution, Receipt

ItemCode = Annotated[str, Field(min_length=1, max_length=40, description="物资代码（见 GET /api/materials/items/）")]
ReceiptKind = Literal[tuple(Receipt.Kind.values)]
DonorKind = Literal[tuple(Receipt.DonorKind.values)]
RecipientKind = Literal[tuple(Distribution.RecipientKind.values)]


class MaterialsItemOut(Schema):
    code: str
    name: str
    category: str
    unit: str
    service_type: str = Field(description="发放计入的服务类型代码")
    active: bool


class MaterialsStockOut(Schema):
    org_id: int
    org_name: str
    item: str
    item_name: str
    unit: str
    quantity: Decimal
    updated_at: datetime.datetime


class MaterialsReceiptIn(Schema):
    org_id: Id
    item: ItemCode
    quantity: Quantity
    received_on: Date | None = Field(None, description="默认今天，不能晚于今天")
    kind: ReceiptKind = "donated"
    donor_kind: DonorKind | Literal[""] = ""
    donor_name: Annotated[str, Field(max_length=100)] = ""
    donor_public: bool = True
    receipt_number: Annotated[str, Field(max_length=40)] = ""
    activity_id: Id | None = Field(None, description="自制生产：生产车间的活动（已举办、在范围内）")
    value_yuan: Annotated[float, Field(ge=0, le=999999999, allow_inf_nan=False)] | None = None
    note: Annotated[str, Field(max_length=200)] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class MaterialsReceiptOut(Schema):
    id: int
    org_id: int
    org_name: str
    item: str
    item_name: str
    unit: str
    quantity: Decimal
    value_yuan: Decimal | None
    received_on: datetime.date
    kind: str
    donor_kind: str
    donor_name: str
    donor_public: bool
    receipt_number: str
    activity_id: int | None
    note: str
    voided: bool
    void_reason: str


class MaterialsDistributionIn(Schema):
    org_id: Id = Field(description="发放组织（持有库存）")
    item: ItemCode
    quantity: Quantity
    served_on: Date | None = Field(None, description="默认今天，不能晚于今天")
    recipient_kind: RecipientKind
    resident_id: Id | None = None
    household_id: Id | None = None
    activity_id: Id | None = None
    recipient_org_id: Id | None = None
    recipient_name: Annotated[str, Field(max_length=100)] = ""
    households_count: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    note: Annotated[str, Field(max_length=200)] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class MaterialsDistributionOut(Schema):
    id: int
    org_id: int
    org_name: str
    item: str
    item_name: str
    unit: str
    quantity: Decimal
    served_on: datetime.date
    recipient_kind: str
    recipient: str = Field(description="接收方：居民姓名、户、活动、组织名称或“一线人员家属 N 户”")
    resident_id: int | None
    household_id: int | None
    activity_id: int | None
    recipient_org_id: int | None
    households_count: int
    record_id: int | None = Field(description="计入统计的服务记录")
    note: str
    voided: bool
    void_reason: str


class MaterialsListFilters(Schema):
    org_id: Id | None = None
    item: ItemCode | None = None
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    include_voided: bool = False


class MaterialsLedgerFilters(Schema):
    org_id: Id | None = None
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None


class MaterialsLedgerRow(Schema):
    label: str
    kind: str
    item: str
    unit: str
    quantity: Decimal
    value_yuan: Decimal | None = None
    recipients: str = Field("", description="受益对象数；少于 5 时为“<5”")


class MaterialsLedgerTotal(Schema):
    item: str
    unit: str
    received: Decimal
    given: Decimal


class MaterialsLedgerOut(Schema):
    received: list[MaterialsLedgerRow]
    given: list[MaterialsLedgerRow]
    totals: list[MaterialsLedgerTotal]

"""Materials over the API (/api/materials/): the catalogue, stock, receipts, distributions and
the donation ledger, through the same services and selectors as the pages.

Ids in a body are resolved through ``scoped()``: one that does not exist or is out of reach is a
422 naming the field, in the services' words. A distribution larger than the stock is a 422 on
``quantity`` that states the stock; nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import Id, Pagination
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.api_shared import VoidIn, call_service
from xianfeng.servicelog.models import Activity

from . import selectors, services, services_distributions
from .api_schemas import (
    MaterialsDistributionIn,
    MaterialsDistributionOut,
    MaterialsItemOut,
    MaterialsLedgerFilters,
    MaterialsLedgerOut,
    MaterialsListFilters,
    MaterialsReceiptIn,
    MaterialsReceiptOut,
    MaterialsStockOut,
)
from .ledger import ledger
from .models import Distribution, Receipt

router = Router(tags=["materials"])

API_FIELD = {
    "org": "org_id",
    "activity": "activity_id",
    "resident": "resident_id",
    "household": "household_id",
    "recipient_org": "recipient_org_id",
}
NOT_FOUND = {
    "org_id": (Organization, _("未找到该组织（或您不能管理它的物资）")),
    "activity_id": (Activity, _("未找到该活动（或不在您的权限范围内）")),
    "resident_id": (Resident, _("未找到该居民（或不在您的权限范围内）")),
    "household_id": (Household, _("未找到该户（或不在您的权限范围内）")),
    "recipient_org_id": (Organization, _("未找到该组织（或不在您的权限范围内）")),
}


def _resolve(user, data: dict) -> dict:
    """The service's fields for a body: ids through scoped() (the holding org through the orgs
    where the user keeps stock), the item by code."""
    out, errors = {}, {}
    item = selectors.items_for(user, include_inactive=True).filter(code=data.pop("item")).first()
    if item is None:
        errors["item"] = [_("未知的物资代码")]
    out["item"] = item
    for field, (model, message) in NOT_FOUND.items():
        pk = data.pop(field, None)
        if pk is None:
            continue
        queryset = selectors.holding_orgs(user) if field == "org_id" else scoped(user, model, VIEW)
        obj = queryset.filter(pk=pk).first()
        if obj is None:
            errors[field] = [str(message)]
        out[field.removesuffix("_id")] = obj
    if errors:
        raise ValidationError(errors)
    return out | data


def receipt_out(r: Receipt) -> dict:
    return {
        "id": r.pk,
        "org_id": r.org_id,
        "org_name": r.org.name,
        "item": r.item.code,
        "item_name": r.item.name,
        "unit": r.item.unit,
        "quantity": r.quantity,
        "value_yuan": r.value_yuan,
        "received_on": r.received_on,
        "kind": r.kind,
        "donor_kind": r.donor_kind,
        "donor_name": r.donor_name,
        "donor_public": r.donor_public,
        "receipt_number": r.receipt_number,
        "activity_id": r.activity_id,
        "note": r.note,
        "voided": r.is_voided,
        "void_reason": r.void_reason,
    }


def distribution_out(d: Distribution) -> dict:
    return {
        "id": d.pk,
        "org_id": d.org_id,
        "org_name": d.org.name,
        "item": d.item.code,
        "item_name": d.item.name,
        "unit": d.item.unit,
        "quantity": d.quantity,
        "served_on": d.served_on,
        "recipient_kind": d.recipient_kind,
        "recipient": services_distributions.recipient_summary(d),
        "resident_id": d.resident_id,
        "household_id": d.household_id,
        "activity_id": d.activity_id,
        "recipient_org_id": d.recipient_org_id,
        "households_count": d.households_count,
        "record_id": d.record_id,
        "note": d.note,
        "voided": d.is_voided,
        "void_reason": d.void_reason,
    }


def _filtered(rows, filters: MaterialsListFilters, day: str):
    if filters.org_id:
        rows = rows.filter(org_id=filters.org_id)
    if filters.item:
        rows = rows.filter(item__code=filters.item)
    if filters.from_:
        rows = rows.filter(**{f"{day}__gte": filters.from_})
    if filters.to:
        rows = rows.filter(**{f"{day}__lte": filters.to})
    return rows


# --- catalogue and stock ---------------------------------------------------------------------


@router.get(
    "/items/", response=list[MaterialsItemOut], summary="物资品类", description="物资目录（所有登录用户可读）。"
)
def list_items(request):
    return [
        {
            "code": i.code,
            "name": i.name,
            "category": i.category,
            "unit": i.unit,
            "service_type": i.service_type.code,
            "active": i.active,
        }
        for i in selectors.items_for(request.user, include_inactive=True)
    ]


@router.get(
    "/stock/",
    response=list[MaterialsStockOut],
    summary="库存",
    description="调用者范围内各持有组织的库存（按组织、物资）。",
)
@paginate(Pagination, page_size=100)
def list_stock(request, org_id: Id | None = None):
    rows = selectors.stock_list(request.user)
    if org_id:
        rows = rows.filter(org_id=org_id)
    return [
        {
            "org_id": s.org_id,
            "org_name": s.org.name,
            "item": s.item.code,
            "item_name": s.item.name,
            "unit": s.item.unit,
            "quantity": s.quantity,
            "updated_at": s.updated_at,
        }
        for s in rows
    ]


# --- receipts --------------------------------------------------------------------------------


@router.get("/receipts/", response=list[MaterialsReceiptOut], summary="入库列表", description="按接收日期从新到旧。")
@paginate(Pagination, page_size=100)
def list_receipts(request, filters: Query[MaterialsListFilters]):
    rows = selectors.receipt_list(request.user, include_voided=filters.include_voided)
    return [receipt_out(r) for r in _filtered(rows, filters, "received_on").order_by("-received_on", "-id")]


@router.get("/receipts/{receipt_id}/", response=MaterialsReceiptOut, summary="入库详情")
def get_receipt(request, receipt_id: Id):
    rows = selectors.receipt_list(request.user, include_voided=True)
    return receipt_out(get_scoped_or_404(request.user, rows, VIEW, pk=receipt_id))


@router.post(
    "/receipts/",
    response={200: MaterialsReceiptOut, 201: MaterialsReceiptOut},
    summary="登记入库",
    description=(
        "数量须大于 0；接收捐赠须填捐赠方类型和名称（匿名除外）；收据编号在接收组织内不能重复。"
        "库存随之增加。同一用户以同一客户端编号重复提交时返回 200 和已有的入库。"
    ),
)
def create_receipt(request, payload: MaterialsReceiptIn):
    data = payload.dict()
    key = data.pop("idempotency_key")
    fields = _resolve(request.user, data)
    saved = call_service(
        services.receipt_create,
        names=API_FIELD,
        denied=_("不在您可管理的范围内"),
        acting_user=request.user,
        idempotency_key=key,
        **fields,
    )
    receipt = selectors.receipt_list(request.user, include_voided=True).get(pk=saved.receipt.pk)
    return Status(201 if saved.created else 200, receipt_out(receipt))


@router.post(
    "/receipts/{receipt_id}/void/",
    response=MaterialsReceiptOut,
    summary="作废入库",
    description="库存随之冲减；这批物资已发放、库存不够冲减时返回 422（先作废相应的发放）。",
)
def void_receipt(request, receipt_id: Id, payload: VoidIn):
    receipt = get_scoped_or_404(request.user, Receipt, CHANGE, pk=receipt_id)
    services.receipt_void(acting_user=request.user, receipt=receipt, reason=payload.reason)
    return receipt_out(selectors.receipt_list(request.user, include_voided=True).get(pk=receipt.pk))


# --- distributions ---------------------------------------------------------------------------


@router.get("/distributions/", response=list[MaterialsDistributionOut], summary="发放列表")
@paginate(Pagination, page_size=100)
def list_distributions(request, filters: Query[MaterialsListFilters]):
    rows = selectors.distribution_list(request.user, include_voided=filters.include_voided)
    return [distribution_out(d) for d in _filtered(rows, filters, "served_on").order_by("-served_on", "-id")]


@router.get("/distributions/{distribution_id}/", response=MaterialsDistributionOut, summary="发放详情")
def get_distribution(request, distribution_id: Id):
    rows = selectors.distribution_list(request.user, include_voided=True)
    return distribution_out(get_scoped_or_404(request.user, rows, VIEW, pk=distribution_id))


@router.post(
    "/distributions/",
    response={200: MaterialsDistributionOut, 201: MaterialsDistributionOut},
    summary="登记发放",
    description=(
        "数量不能超过发放组织的库存（超出时 422，并说明现有库存，不保存任何内容）。发放对象按 recipient_kind："
        "resident_id / household_id / activity_id / recipient_org_id 或 recipient_name / households_count（≥1）。"
        "每次发放生成一条按物资服务类型计数的服务记录（record_id）。"
    ),
)
def create_distribution(request, payload: MaterialsDistributionIn):
    data = payload.dict()
    key = data.pop("idempotency_key")
    fields = _resolve(request.user, data)
    saved = call_service(
        services_distributions.distribution_create,
        names=API_FIELD,
        denied=_("不在您可管理的范围内"),
        acting_user=request.user,
        idempotency_key=key,
        **fields,
    )
    row = selectors.distribution_list(request.user, include_voided=True).get(pk=saved.distribution.pk)
    return Status(201 if saved.created else 200, distribution_out(row))


@router.post(
    "/distributions/{distribution_id}/void/",
    response=MaterialsDistributionOut,
    summary="作废发放",
    description="物资退回库存，相应服务记录作废、不再计入统计。",
)
def void_distribution(request, distribution_id: Id, payload: VoidIn):
    distribution = get_scoped_or_404(request.user, Distribution, CHANGE, pk=distribution_id)
    services_distributions.distribution_void(acting_user=request.user, distribution=distribution, reason=payload.reason)
    row = selectors.distribution_list(request.user, include_voided=True).get(pk=distribution.pk)
    return distribution_out(row)


# --- the donation ledger ---------------------------------------------------------------------


@router.get(
    "/ledger/",
    response=MaterialsLedgerOut,
    summary="捐赠公示（汇总）",
    description="捐赠方（同意公示的显示名称，其余为“爱心人士”）、物资与金额，以及按发放对象和乡镇汇总的去向；不含受助人信息。",
)
def get_ledger(request, filters: Query[MaterialsLedgerFilters]):
    org = None
    if filters.org_id:
        org = scoped(request.user, Organization, VIEW).filter(pk=filters.org_id).first()
        if org is None:
            raise ValidationError({"org_id": [_("未找到该组织（或不在您的权限范围内）")]})
    result = ledger(request.user, date_from=filters.from_, date_to=filters.to, org=org)
    return {
        "received": [vars(r) for r in result.received],
        "given": [vars(r) for r in result.given],
        "totals": result.totals,
    }

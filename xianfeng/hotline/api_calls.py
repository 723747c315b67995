"""Calls and escalations over the API (/api/hotline/): list, read, log (idempotent), void; the
escalations' list, page, acknowledge and close — the same services and selectors as the pages.

Health data: callers without "hotline.view" see empty lists and 404s. Ids in a body are resolved
through ``scoped()``: one that does not exist or is out of reach is a 422 naming the field.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import Id, Pagination
from xianfeng.servicelog.api_shared import VoidIn, api_errors

from . import selectors_calls, services_calls, services_escalations
from .api_calls_schemas import (
    HotlineCallFilters,
    HotlineCallIn,
    HotlineCallOut,
    HotlineEscalationCloseIn,
    HotlineEscalationFilters,
    HotlineEscalationOut,
)
from .models import Call, Escalation, Shift

router = Router()

API_FIELD = {"team": "team_id", "shift": "shift_id", "taken_by": "taken_by_id"}


def _call_service(service, **kwargs):
    try:
        return service(**kwargs)
    except ValidationError as exc:
        raise api_errors(exc, API_FIELD) from None
    except PermissionDenied:
        raise ValidationError({"team_id": [_("您不能为该值守组登记来电")]}) from None


def _call(user, pk: int) -> Call:
    return get_scoped_or_404(user, selectors_calls.call_list(user, include_voided=True), VIEW, pk=pk)


def _resolve(user, data: dict) -> dict:
    """The service's fields for a body: the team, shift and member ids through scoped()."""
    out, errors = {}, {}
    team_id, shift_id, taker_id = data.pop("team_id"), data.pop("shift_id"), data.pop("taken_by_id")
    if team_id is not None:
        out["team"] = next((t for t in services_calls.loggable_teams(user) if t.pk == team_id), None)
        if out["team"] is None:
            errors["team_id"] = [_("未找到该值守组（或不在您的权限范围内）")]
    if shift_id is not None:
        out["shift"] = scoped(user, Shift, VIEW).select_related("team").filter(pk=shift_id).first()
        if out["shift"] is None:
            errors["shift_id"] = [_("未找到该班次（或不在您的权限范围内）")]
    if taker_id is not None:
        teams = services_calls.loggable_teams(user)
        out["taken_by"] = selectors_calls.taker_candidates(user, teams).filter(pk=taker_id).first()
        if out["taken_by"] is None:
            errors["taken_by_id"] = [_("未找到该接线人员（或不在您的权限范围内）")]
    if errors:
        raise ValidationError(errors)
    return out | data


@router.get(
    "/calls/",
    response=list[HotlineCallOut],
    summary="热线来电列表",
    description="调用者范围内的来电，按来电时间从新到旧；可按日期、风险等级、处理结果、主要问题、渠道、是否不在排班内筛选。"
    "回访电话只给出脱敏号码。没有热线权限的用户得到空列表。",
)
@paginate(Pagination, page_size=100)
def list_calls(request, filters: Query[HotlineCallFilters]):
    calls = selectors_calls.call_list(request.user, include_voided=filters.include_voided)
    wanted = {
        "date_from": filters.from_,
        "date_to": filters.to,
        "risk_level": filters.risk_level,
        "outcome": filters.outcome,
        "topic": filters.topic,
        "channel": filters.channel,
        "off_roster": filters.off_roster,
    }
    return selectors_calls.filter_calls(calls, wanted)


@router.get("/calls/{call_id}/", response=HotlineCallOut, summary="来电详情")
def get_call(request, call_id: Id):
    return _call(request.user, call_id)


@router.post(
    "/calls/",
    response={200: HotlineCallOut, 201: HotlineCallOut},
    summary="登记来电",
    description="风险等级由六项筛查回答计算；高风险或处理结果为危机升级时自动开启危机升级并立即提醒督导。"
    "每条来电生成一条心理援助服务记录（计入人次）。同一用户以同一客户端编号重复提交时返回 200 和已有的来电。",
)
def create_call(request, payload: HotlineCallIn):
    data = payload.dict()
    key = data.pop("idempotency_key")
    fields = _resolve(request.user, data)
    saved = _call_service(services_calls.call_log, acting_user=request.user, idempotency_key=key, **fields)
    return Status(201 if saved.created else 200, _call(request.user, saved.call.pk))


@router.post(
    "/calls/{call_id}/void/",
    response=HotlineCallOut,
    summary="作废来电",
    description="来电及其服务记录不再计入统计；危机升级未关闭时返回 422。",
)
def void_call(request, call_id: Id, payload: VoidIn):
    call = get_scoped_or_404(request.user, Call, CHANGE, pk=call_id)
    _call_service(services_calls.call_void, acting_user=request.user, call=call, reason=payload.reason)
    return _call(request.user, call.pk)


@router.get(
    "/escalations/",
    response=list[HotlineEscalationOut],
    summary="危机升级列表",
    description="未关闭的在前（按处理时限），其后为已关闭的。status=open / closed 筛选。",
)
@paginate(Pagination, page_size=100)
def list_escalations(request, filters: Query[HotlineEscalationFilters]):
    return selectors_calls.escalation_list(request.user, status=filters.status)


def _escalation(user, pk: int, action: str = VIEW) -> Escalation:
    return get_scoped_or_404(user, scoped(user, Escalation).select_related("supervisor"), action, pk=pk)


@router.get("/escalations/{escalation_id}/", response=HotlineEscalationOut, summary="危机升级详情")
def get_escalation(request, escalation_id: Id):
    return _escalation(request.user, escalation_id)


@router.post("/escalations/{escalation_id}/acknowledge/", response=HotlineEscalationOut, summary="督导确认接手")
def acknowledge_escalation(request, escalation_id: Id):
    escalation = _escalation(request.user, escalation_id, CHANGE)
    _call_service(services_escalations.escalation_acknowledge, acting_user=request.user, escalation=escalation)
    return _escalation(request.user, escalation_id)


@router.post(
    "/escalations/{escalation_id}/close/",
    response=HotlineEscalationOut,
    summary="关闭危机升级",
    description="须写明处理结果（outcome），否则 422；记录从来电到处理完成的分钟数，并判断是否在时限内。",
)
def close_escalation(request, escalation_id: Id, payload: HotlineEscalationCloseIn):
    escalation = _escalation(request.user, escalation_id, CHANGE)
    _call_service(
        services_escalations.escalation_close,
        acting_user=request.user,
        escalation=escalation,
        outcome=payload.outcome,
        outcome_note=payload.outcome_note,
    )
    return _escalation(request.user, escalation_id)

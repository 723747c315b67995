"""The needs ledger over the API (/api/needs/): list (the page's filters), get, create (with an
idempotency key for the offline outbox), update, assign, start, resolve (record ids as evidence),
close unresolved, reopen, void.

Reads start from ``scoped()``: a need out of the caller's scope is 404, one in scope that the
caller may only read is 403 on a write. Ids in a body are resolved through ``scoped()``; one that
does not exist or is out of reach is a 422 naming the field. The services apply the rules; their
errors come back under the API's field names (``resident`` → ``resident_id``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Id, Pagination
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.api_shared import VoidIn
from xianfeng.servicelog.api_shared import call_service as _call
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.selectors import provider_queryset
from xianfeng.teams.models import Team

from . import selectors, services
from .api_schemas import (
    NeedAssignIn,
    NeedCloseIn,
    NeedFilters,
    NeedIn,
    NeedOut,
    NeedPatch,
    NeedReasonIn,
    NeedResolveIn,
)
from .models import Need

router = Router(tags=["needs"])

API_FIELD = {
    "resident": "resident_id",
    "household": "household_id",
    "org": "org_id",
    "assigned_member": "assigned_member_id",
    "assigned_team": "assigned_team_id",
    "records": "record_ids",
}
DENIED = gettext_lazy("不在您可登记的范围内")


def _needs(user, *, include_voided: bool = True):
    """Needs as the API shows them, each with the evidence ids the caller may see (one query)."""
    visible = scoped(user, ServiceRecord).only("pk")
    return selectors.need_list(user=user, include_voided=include_voided).prefetch_related(
        Prefetch("records", queryset=visible)
    )


def _one(user, pk: int) -> Need:
    return _needs(user).get(pk=pk)


def _found(queryset, field: str, message: str, errors: dict, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        errors[field] = [message]
    return obj


def _refs(user, data: dict) -> dict:
    """The objects the ids of a body name, each through ``scoped()``: {service field: object}."""
    lookups = {
        "resident_id": (scoped(user, Resident, VIEW), _("未找到该居民（或不在您的权限范围内）")),
        "household_id": (scoped(user, Household, VIEW), _("未找到该户（或不在您的权限范围内）")),
        "org_id": (scoped(user, Organization, VIEW), _("未找到该组织（或不在您的权限范围内）")),
        "assigned_member_id": (provider_queryset(user), _("未找到该成员（或不在您的权限范围内）")),
        "assigned_team_id": (scoped(user, Team, VIEW), _("未找到该队伍（或不在您的权限范围内）")),
    }
    out, errors = {}, {}
    for field, (queryset, message) in lookups.items():
        if data.get(field):
            out[field.removesuffix("_id")] = _found(queryset, field, message, errors, data[field])
    if errors:
        raise ValidationError(errors)
    return out


@router.get(
    "/",
    response=list[NeedOut],
    summary="民情台账",
    description=(
        "调用者范围内的民情诉求，最新反映的在前。筛选与页面相同：q（诉求、居民姓名，简繁均可）、category、"
        "status（active 为待办和办理中）、township（6/9/12 位区划代码）、date_from/date_to（反映日期）、"
        "overdue、assigned=me、team_id；默认不含已作废的。"
    ),
)
@paginate(Pagination, page_size=100)
def list_needs(request, filters: Query[NeedFilters]):
    if not can(request.user, VIEW, Need):
        raise PermissionDenied
    parsed = selectors.NeedFilters(
        q=filters.q,
        category=filters.category,
        status=filters.status,
        township=filters.township,
        date_from=filters.date_from,
        date_to=filters.date_to,
        overdue=filters.overdue,
        mine=filters.assigned == "me",
        team=filters.team_id,
        resident=filters.resident_id,
        household=filters.household_id,
        voided=filters.include_voided,
    )
    needs, problem = selectors.filtered_needs(request.user, parsed)
    if problem:
        raise ValidationError({"q": [problem]})
    return needs.prefetch_related(Prefetch("records", queryset=scoped(request.user, ServiceRecord).only("pk")))


@router.post(
    "/",
    response={200: NeedOut, 201: NeedOut},
    summary="登记民情诉求",
    description=(
        "居民（resident_id）或户（household_id）至少一个；居民自带其所在户。反映日期不能晚于今天，办结期限不能早于"
        "反映日期。给出责任人或责任队伍时直接进入办理中。同一用户以同一客户端编号（idempotency_key）重复提交"
        "返回 200 和已有的诉求，新建返回 201。"
    ),
)
def create_need(request, payload: NeedIn):
    user = request.user
    if not can(user, CHANGE, Need):
        raise PermissionDenied(_("您没有登记民情诉求的权限"))
    body = payload.dict(exclude_unset=True)
    refs = _refs(user, body)
    saved = _call(
        services.need_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        title=payload.title,
        category=payload.category,
        description=payload.description,
        source=payload.source,
        raised_by_name=payload.raised_by_name,
        raised_on=payload.raised_on,
        due_on=payload.due_on,
        idempotency_key=payload.idempotency_key,
        resident=refs.get("resident"),
        household=refs.get("household"),
        org=refs.get("org"),
        assigned_member=refs.get("assigned_member"),
        assigned_team=refs.get("assigned_team"),
    )
    return Status(201 if saved.created else 200, _one(user, saved.need.pk))


@router.get("/{need_id}/", response=NeedOut, summary="民情诉求详情", description="含已作废的；范围外返回 404。")
def get_need(request, need_id: Id):
    get_scoped_or_404(request.user, Need, VIEW, pk=need_id)
    return _one(request.user, need_id)


@router.patch(
    "/{need_id}/",
    response=NeedOut,
    summary="修改民情诉求",
    description="只修改请求中给出的字段；已办结或已作废的诉求不能修改（先重新打开）。修改前的内容保留在变更日志中。",
)
def update_need(request, need_id: Id, payload: NeedPatch):
    user = request.user
    need = get_scoped_or_404(user, Need, CHANGE, pk=need_id)
    body = payload.dict(exclude_unset=True)
    changes = _refs(user, body)
    for name in ("title", "category", "description", "source", "raised_by_name", "raised_on", "due_on"):
        if name in body:
            changes[name] = body[name]
    if changes:
        _call(services.need_update, names=API_FIELD, denied=DENIED, acting_user=user, need=need, **changes)
    return _one(user, need.pk)


@router.post(
    "/{need_id}/assign/",
    response=NeedOut,
    summary="分派",
    description="责任人（assigned_member_id）和/或责任队伍（assigned_team_id），可带办结期限；待办的诉求随之进入办理中。",
)
def assign_need(request, need_id: Id, payload: NeedAssignIn):
    user = request.user
    need = get_scoped_or_404(user, Need, CHANGE, pk=need_id)
    refs = _refs(user, payload.dict())
    _call(
        services.need_assign,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        need=need,
        member=refs.get("assigned_member"),
        team=refs.get("assigned_team"),
        due_on=payload.due_on,
        note=payload.note,
    )
    return _one(user, need.pk)


@router.post("/{need_id}/start/", response=NeedOut, summary="开始办理", description="待办 → 办理中。")
def start_need(request, need_id: Id):
    need = get_scoped_or_404(request.user, Need, CHANGE, pk=need_id)
    _call(services.need_start, names=API_FIELD, denied=DENIED, acting_user=request.user, need=need)
    return _one(request.user, need.pk)


@router.post(
    "/{need_id}/resolve/",
    response=NeedOut,
    summary="办结（已解决）",
    description=(
        "record_ids：解决依据，至少一条服务记录（未作废、在调用者范围内、服务对象为该居民或该户（含户内成员）、"
        "服务日期不早于反映日期）。办结日期默认今天，不能早于所选记录的日期。"
    ),
)
def resolve_need(request, need_id: Id, payload: NeedResolveIn):
    user = request.user
    need = get_scoped_or_404(user, Need, CHANGE, pk=need_id)
    wanted = list(dict.fromkeys(payload.record_ids))
    records = scoped(user, ServiceRecord).in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in records]
    if missing:
        message = _("未找到服务记录（或不在您的权限范围内）：%(ids)s") % {"ids": "、".join(missing)}
        raise ValidationError({"record_ids": [message]})
    _call(
        services.need_resolve,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        need=need,
        records=list(records.values()),
        resolution_note=payload.resolution_note,
        closed_on=payload.closed_on,
    )
    return _one(user, need.pk)


@router.post("/{need_id}/close/", response=NeedOut, summary="办结（未解决）", description="须填写未能解决的原因。")
def close_need(request, need_id: Id, payload: NeedCloseIn):
    need = get_scoped_or_404(request.user, Need, CHANGE, pk=need_id)
    _call(
        services.need_close_unresolved,
        names=API_FIELD,
        denied=DENIED,
        acting_user=request.user,
        need=need,
        reason=payload.reason,
        closed_on=payload.closed_on,
    )
    return _one(request.user, need.pk)


@router.post("/{need_id}/reopen/", response=NeedOut, summary="重新打开", description="已办结的诉求，须填写原因。")
def reopen_need(request, need_id: Id, payload: NeedReasonIn):
    need = get_scoped_or_404(request.user, Need, CHANGE, pk=need_id)
    _call(
        services.need_reopen, names=API_FIELD, denied=DENIED, acting_user=request.user, need=need, reason=payload.reason
    )
    return _one(request.user, need.pk)


@router.post(
    "/{need_id}/void/",
    response=NeedOut,
    summary="作废",
    description="误登记时作废：不再计入任何统计，仍可查看并保留在审计日志中。须填写原因。",
)
def void_need(request, need_id: Id, payload: VoidIn):
    need = get_scoped_or_404(request.user, Need, CHANGE, pk=need_id)
    _call(
        services.need_void, names=API_FIELD, denied=DENIED, acting_user=request.user, need=need, reason=payload.reason
    )
    return _one(request.user, need.pk)

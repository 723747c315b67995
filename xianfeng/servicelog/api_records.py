"""Service records over the API: list, read, create (single and bulk, all or nothing), correct, void.

Every id in a request is resolved through ``scoped()``: an id that does not exist and an id out of
the caller's scope get the same 422 naming the field, so existence is not revealed. The services
(servicelog/services.py) apply the rules; their errors come back under the API's field names
(``resident`` → ``resident_id``; in a bulk request ``items.<index>.<field>``).

Output never carries ID numbers or phones (the bodies are in api_records_schemas.py).
Health-level records exist only for callers holding the health level (``scoped()`` filters
them out for everyone else: 404 / absent from lists).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import Id, Pagination
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident
from xianfeng.teams.models import Team

from . import selectors, services
from .api_records_schemas import BulkIn, BulkOut, RecordFilters, RecordIn, RecordOut, RecordPatch
from .api_shared import VoidIn, api_errors, call_service
from .models import Activity, ServiceRecord, ServiceType

router = Router()

# The API's names for the services' fields.
API_FIELD = {
    "resident": "resident_id",
    "household": "household_id",
    "team": "team_id",
    "org": "org_id",
    "activity": "activity_id",
    "providers": "provider_ids",
}

# --- resolving ids through scoped() --------------------------------------------------------


class Resolver:
    """Turns the ids of a request (or of every item of a bulk request) into objects, each through
    ``scoped()``, with one query per kind of id. A missing or unreachable id is an error naming
    the field, in the words the services use."""

    NOT_FOUND = {
        "resident_id": gettext_lazy("未找到该居民（或不在您的权限范围内）"),
        "household_id": gettext_lazy("未找到该户（或不在您的权限范围内）"),
        "team_id": gettext_lazy("未找到该队伍（或不在您的权限范围内）"),
        "org_id": gettext_lazy("未找到该组织（或不在您的权限范围内）"),
        "activity_id": gettext_lazy("未找到该活动（或不在您的权限范围内）"),
    }

    def __init__(self, user, payloads: list[dict], day: datetime.date | None = None):
        self.user = user

        def ids(field):
            return {p[field] for p in payloads if p.get(field)}

        self.types = {
            t.code: t
            for t in scoped(user, ServiceType).filter(
                code__in={p["service_type"] for p in payloads if p.get("service_type")}
            )
        }
        self.found = {
            "resident_id": self._by_pk(scoped(user, Resident, VIEW), ids("resident_id")),
            "household_id": self._by_pk(scoped(user, Household, VIEW), ids("household_id")),
            "team_id": self._by_pk(scoped(user, Team, VIEW), ids("team_id")),
            "org_id": self._by_pk(scoped(user, Organization, VIEW), ids("org_id")),
            "activity_id": self._by_pk(scoped(user, Activity, VIEW), ids("activity_id")),
        }
        self.members = {}
        today = timezone.localdate()
        by_day: dict[datetime.date, set[int]] = {}
        for p in payloads:
            if p.get("provider_ids"):
                by_day.setdefault(day or p.get("served_on") or today, set()).update(p["provider_ids"])
        for day, member_ids in by_day.items():
            for member in selectors.provider_queryset(user, day).filter(pk__in=member_ids):
                self.members[(day, member.pk)] = member

    @staticmethod
    def _by_pk(queryset, pks: set[int]) -> dict:
        return {obj.pk: obj for obj in queryset.filter(pk__in=pks)} if pks else {}

    def fields(self, payload: dict, day: datetime.date | None = None) -> dict:
        """The keyword arguments of ``services.record_create`` / ``record_update`` for one payload
        (only the fields it contains); ``day`` is the day providers are checked on (default the
        payload's served_on, else today). Raises ValidationError with the API's field names."""
        out, errors = {}, {}
        if "service_type" in payload:
            stype = self.types.get(payload["service_type"])
            if stype is None:
                errors["service_type"] = [_("未知的服务类型代码“%(c)s”") % {"c": payload["service_type"]}]
            out["service_type"] = stype
        for field, message in self.NOT_FOUND.items():
            if field not in payload:
                continue
            pk = payload[field]
            obj = self.found[field].get(pk) if pk else None
            if pk and obj is None:
                errors[field] = [str(message)]
            out[field.removesuffix("_id")] = obj
        if "provider_ids" in payload:
            day = day or payload.get("served_on") or timezone.localdate()
            wanted = list(dict.fromkeys(payload["provider_ids"] or []))
            members = [self.members.get((day, pk)) for pk in wanted]
            missing = [str(pk) for pk, m in zip(wanted, members, strict=True) if m is None]
            if missing:
                errors["provider_ids"] = [
                    _("未找到服务人员（或不在您的权限范围内）：%(ids)s") % {"ids": "、".join(missing)}
                ]
            out["providers"] = members if payload["provider_ids"] else None
        for field in ("served_on", "hours", "quantity", "result", "note"):
            if field in payload:
                out[field] = payload[field]
        if payload.get("unit"):
            out["unit"] = str(payload["unit"])
        if errors:
            raise ValidationError(errors)
        return out


def _api_errors(exc: ValidationError, prefix: str = "") -> ValidationError:
    """A service's ValidationError with the API's field names (``providers`` → ``provider_ids``)."""
    return api_errors(exc, API_FIELD, prefix)


class _RollBack(Exception):
    pass


def _dry_run_errors(user, resolved: dict[int, dict]) -> dict[str, list[str]]:
    """The services' errors for these items (keyed by their index in the request), nothing saved."""
    indexes = list(resolved)
    try:
        with transaction.atomic():
            services.records_create_bulk(acting_user=user, items=list(resolved.values()))
            raise _RollBack
    except _RollBack:
        return {}
    except ValidationError as exc:
        found = {}
        for field, messages in _api_errors(exc).message_dict.items():
            position, _sep, name = field.partition(".")
            found[f"items.{indexes[int(position)]}.{name}"] = messages
        return found


def _item_order(key: str) -> tuple:
    parts = key.split(".")
    return (int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else -1, key)


def _record(user, pk: int) -> ServiceRecord:
    records = selectors.record_list(user=user, include_voided=True)
    return records.select_related("household__head").prefetch_related("providers__member").get(pk=pk)


# --- operations ----------------------------------------------------------------------------


@router.get(
    "/records/",
    response=list[RecordOut],
    summary="服务记录列表",
    description=(
        "调用者范围内的服务记录，按服务日期从新到旧。可按服务日期（from、to，含两端）、服务类型代码（type）、"
        "居民、户、队伍、活动筛选；默认不含已作废的记录（include_voided=true 时包含）。"
        "没有健康权限的用户看不到健康类服务记录。输出不含证件号和手机号。"
    ),
)
@paginate(Pagination, page_size=100)
def list_records(request, filters: Query[RecordFilters]):
    records = selectors.record_list(user=request.user, include_voided=filters.include_voided)
    if filters.from_:
        records = records.filter(served_on__gte=filters.from_)
    if filters.to:
        records = records.filter(served_on__lte=filters.to)
    if filters.type:
        records = records.filter(service_type__code=filters.type)
    for field in ("resident_id", "household_id", "team_id", "activity_id"):
        value = getattr(filters, field)
        if value:
            records = records.filter(**{field: value})
    return records.select_related("household__head").prefetch_related("providers__member").order_by("-served_on", "-id")


@router.post(
    "/records/bulk/",
    response={200: BulkOut, 201: BulkOut},
    summary="批量登记服务记录",
    description=(
        f"一次最多 {services.MAX_BULK} 条，全部成功或全部不保存。每条的字段与单条登记相同；"
        "出错时返回 422，errors 的键为 `items.<序号>.<字段>`（序号从 0 开始），列出所有出错的条目。"
        "带客户端编号（idempotency_key）的条目重复提交时返回已有记录而不重复生成。"
        "有新建记录时返回 201，全部为重复提交时返回 200。"
    ),
)
def create_records_bulk(request, payload: BulkIn):
    items = [item.dict(exclude_unset=True) for item in payload.items]
    resolver = Resolver(request.user, items)
    resolved, errors = {}, {}
    for index, item in enumerate(items):
        try:
            kwargs = resolver.fields(item)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items.{index}.{field}"] = messages
        else:
            resolved[index] = {**kwargs, "idempotency_key": item.get("idempotency_key", "")}
    if errors:
        # Every error at once: the items whose ids resolved are checked by the service too, and rolled back.
        errors.update(_dry_run_errors(request.user, resolved))
        raise ValidationError(dict(sorted(errors.items(), key=lambda e: _item_order(e[0]))))
    try:
        saved = services.records_create_bulk(acting_user=request.user, items=list(resolved.values()))
    except ValidationError as exc:
        raise _api_errors(exc, prefix="items.") from None
    created = sum(1 for s in saved if s.created)
    body = {
        "created": created,
        "replayed": len(saved) - created,
        "items": [{"index": i, "id": s.record.pk, "created": s.created} for i, s in enumerate(saved)],
    }
    return Status(201 if created else 200, body)


@router.get(
    "/records/{record_id}/",
    response=RecordOut,
    summary="服务记录详情",
    description="一条服务记录（含已作废的）。范围外、或没有健康权限时的健康类记录返回 404。",
)
def get_record(request, record_id: Id):
    get_scoped_or_404(request.user, ServiceRecord, VIEW, pk=record_id)
    return _record(request.user, record_id)


@router.post(
    "/records/",
    response={200: RecordOut, 201: RecordOut},
    summary="登记一条服务记录",
    description=(
        "service_type 为服务类型代码；居民、户、服务人员、队伍、组织、活动以 id 指定，须在调用者范围内，"
        "不存在或范围外的 id 返回 422 并指明字段。服务日期不能晚于今天、不能早于居民出生日期；"
        "数量按该类型的计量单位。服务人员默认为调用者本人，组织默认取队伍或服务人员的支部。"
        "新建时返回 201；同一用户以同一客户端编号（idempotency_key）重复提交时返回 200 和已有的记录。"
    ),
)
def create_record(request, payload: RecordIn):
    data = payload.dict(exclude_unset=True)
    key = data.pop("idempotency_key", "")
    fields = Resolver(request.user, [data]).fields(data)
    saved = call_service(
        services.record_create,
        names=API_FIELD,
        denied=_("不在您可登记的范围内"),
        acting_user=request.user,
        idempotency_key=key,
        **fields,
    )
    return Status(201 if saved.created else 200, _record(request.user, saved.record.pk))


@router.patch(
    "/records/{record_id}/",
    response=RecordOut,
    summary="更正服务记录",
    description=(
        "只修改请求中给出的字段，规则与登记时相同；修改前的内容保留在变更日志中。"
        "resident_id、household_id、team_id、activity_id 可用 null 清除。已作废的记录不能修改（422）。"
    ),
)
def update_record(request, record_id: Id, payload: RecordPatch):
    record = get_scoped_or_404(request.user, ServiceRecord, CHANGE, pk=record_id)
    data = payload.dict(exclude_unset=True)
    day = data.get("served_on") or record.served_on  # providers are checked as of the record's day
    fields = Resolver(request.user, [data], day=day).fields(data, day=day)
    call_service(
        services.record_update,
        names=API_FIELD,
        denied=_("修改后该记录将超出您的权限范围"),
        acting_user=request.user,
        record=record,
        **fields,
    )
    return _record(request.user, record.pk)


@router.post(
    "/records/{record_id}/void/",
    response=RecordOut,
    summary="作废服务记录",
    description="作废后该记录不再计入任何统计，仍可查看并保留在审计日志中。须填写原因；已作废的记录再次作废返回 422。",
)
def void_record(request, record_id: Id, payload: VoidIn):
    record = get_scoped_or_404(request.user, ServiceRecord, CHANGE, pk=record_id)
    services.record_void(acting_user=request.user, record=record, reason=payload.reason)
    return _record(request.user, record.pk)

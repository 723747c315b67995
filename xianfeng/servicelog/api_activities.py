"""Activities over the API: list, read, create (with participants and quantities), void.

Every id in a request is resolved through ``scoped()``: an id that does not exist and an id out
of the caller's scope get the same 422 naming the field. The services (services_activities.py)
apply the rules. Members appear by name and volunteer number only.
"""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import MAX_DATE, MIN_DATE, Date, Id, Pagination
from xianfeng.orgs.models import Organization
from xianfeng.teams.models import Team

from . import selectors
from . import selectors_activities as activity_selectors
from . import services_activities as services
from .api_shared import Quantity, TypeCode, VoidIn, call_service
from .models import Activity, ServiceType

router = Router()

MAX_PARTICIPANTS = 500
MAX_QUANTITIES = 100
MAX_TYPES = 50
MAX_TEAMS = 20


def _bounded_moment(value: datetime.datetime) -> datetime.datetime:
    if not (MIN_DATE.year <= value.year <= MAX_DATE.year):
        raise ValueError(_("时间应在 %(a)s 年到 %(b)s 年之间") % {"a": MIN_DATE.year, "b": MAX_DATE.year})
    return value


Moment = Annotated[
    datetime.datetime,
    AfterValidator(_bounded_moment),
    Field(description=f"ISO 8601 时间（{MIN_DATE.year}–{MAX_DATE.year} 年），不带时区时按北京时间"),
]
Hours = Annotated[
    float,
    Field(ge=0, le=999, allow_inf_nan=False, description="志愿服务时长（小时，不含路途，每天最多 24 小时，一位小数）"),
]

API_FIELD = {"org": "org_id", "teams": "team_ids", "region": "region_code"}


class ParticipantIn(Schema):
    member_id: Id
    hours: Hours = 0
    role: str = Field("", max_length=50)


class QuantityIn(Schema):
    service_type: TypeCode
    quantity: Quantity
    unit: str = Field("", max_length=4, description="可省略；给出时必须是该类型的计量单位")


class ActivityIn(Schema):
    title: str = Field(min_length=1, max_length=100)
    kind: Activity.Kind = Activity.Kind.CONCENTRATED
    status: Activity.Status = Field(Activity.Status.PLANNED, description="已举办（held）的活动开始时间须不晚于现在")
    start_at: Moment
    end_at: Moment | None = None
    org_id: Id | None = Field(None, description="主办组织；默认第一支队伍的所属组织，否则调用者所在支部")
    team_ids: list[Id] = Field([], max_length=MAX_TEAMS)
    region_code: str | None = Field(
        None, pattern=r"^\d{9}(\d{3})?$", description="所在乡镇（9 位）或村（12 位）区划代码"
    )
    place: str = Field("", max_length=100)
    headcount: int = Field(0, ge=0, le=1_000_000, description="不记名服务人数")
    service_types: list[TypeCode] = Field([], max_length=MAX_TYPES)
    participants: list[ParticipantIn] = Field([], max_length=MAX_PARTICIPANTS)
    quantities: list[QuantityIn] = Field([], max_length=MAX_QUANTITIES)
    note: str = Field("", max_length=2000)
    idempotency_key: str = Field(
        "", max_length=64, description="客户端编号：同一用户以同一编号重复提交只生成一个活动（重复时返回 200）"
    )


class ActivityFilters(Schema):
    from_: Date | None = Field(None, alias="from", description="活动日期起（含）")
    to: Date | None = Field(None, description="活动日期止（含）")
    status: Activity.Status | None = None
    team: Id | None = Field(None, description="队伍 id")
    q: str = Field("", max_length=100, description="活动名称、地点或备注")
    include_voided: bool = False


class ParticipantOut(Schema):
    member_id: int
    name: str
    volunteer_no: str
    hours: float
    role: str


class QuantityOut(Schema):
    service_type: str
    service_type_name: str
    quantity: float
    unit: str


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    start_at: datetime.datetime
    end_at: datetime.datetime | None
    served_on: datetime.date
    org_id: int
    org_name: str
    team_ids: list[int]
    region_code: str
    village_code: str
    township_code: str
    county_code: str
    place: str
    headcount: int
    service_types: list[str]
    participants: list[ParticipantOut]
    quantities: list[QuantityOut]
    note: str
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_team_ids(obj) -> list[int]:
        return sorted(t.pk for t in obj.teams.all())

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_id or ""

    @staticmethod
    def resolve_service_types(obj) -> list[str]:
        return sorted(t.code for t in obj.service_types.all())

    @staticmethod
    def resolve_participants(obj) -> list[dict]:
        return [
            {
                "member_id": p.member_id,
                "name": p.member.name,
                "volunteer_no": p.member.volunteer_no,
                "hours": float(p.hours),
                "role": p.role,
            }
            for p in obj.participants.all()
        ]

    @staticmethod
    def resolve_quantities(obj) -> list[dict]:
        return [
            {
                "service_type": q.service_type.code,
                "service_type_name": q.service_type.name,
                "quantity": float(q.quantity),
                "unit": q.unit,
            }
            for q in obj.quantities.all()
        ]

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


def _prefetched(qs):
    return qs.select_related("org").prefetch_related(
        "teams", "service_types", "participants__member", "quantities__service_type"
    )


def _activity(user, pk: int) -> Activity:
    return _prefetched(scoped(user, Activity, VIEW)).get(pk=pk)


def _resolve(user, data: dict) -> dict:
    """The payload's ids and codes as objects, each looked up in the caller's scope."""
    fields = {k: data[k] for k in ("title", "kind", "start_at", "end_at", "place", "headcount", "note")}
    errors: dict[str, list[str]] = {}
    if data.get("org_id"):
        fields["org"] = scoped(user, Organization, VIEW).filter(pk=data["org_id"]).first()
        if fields["org"] is None:
            errors["org_id"] = [_("未找到该组织（或不在您的权限范围内）")]
    team_ids = list(dict.fromkeys(data.get("team_ids") or []))
    teams = {t.pk: t for t in scoped(user, Team, VIEW).filter(pk__in=team_ids)}
    if len(teams) != len(team_ids):
        errors["team_ids"] = [_("未找到队伍（或不在您的权限范围内）：%(ids)s") % {"ids": _ids(team_ids, teams)}]
    fields["teams"] = [teams[pk] for pk in team_ids if pk in teams]
    if data.get("region_code"):
        fields["region"] = activity_selectors.region_by_code(data["region_code"])
        if fields["region"] is None:
            errors["region_code"] = [_("未知的乡镇或村代码：%(c)s") % {"c": data["region_code"]}]
    codes = set(data.get("service_types") or []) | {q["service_type"] for q in data.get("quantities") or []}
    types = {t.code: t for t in scoped(user, ServiceType, VIEW).filter(code__in=codes)}
    unknown = sorted(set(data.get("service_types") or []) - set(types))
    if unknown:
        errors["service_types"] = [_("未知的服务类型代码：%(c)s") % {"c": "、".join(unknown)}]
    fields["service_types"] = [types[c] for c in dict.fromkeys(data.get("service_types") or []) if c in types]
    quantities = []
    for index, item in enumerate(data.get("quantities") or []):
        stype = types.get(item["service_type"])
        if stype is None:
            errors[f"quantities.{index}.service_type"] = [_("未知的服务类型代码：%(c)s") % {"c": item["service_type"]}]
        else:
            quantities.append((stype, item["quantity"], item.get("unit") or ""))
    fields["quantities"] = quantities
    member_ids = [p["member_id"] for p in data.get("participants") or []]
    members = {m.pk: m for m in selectors.provider_queryset(user).filter(pk__in=member_ids)}
    participants = []
    for index, item in enumerate(data.get("participants") or []):
        member = members.get(item["member_id"])
        if member is None:
            errors[f"participants.{index}.member_id"] = [_("未找到该人员（或不在您的权限范围内）")]
        else:
            participants.append((member, item.get("hours") or 0, item.get("role") or ""))
    fields["participants"] = participants
    if errors:
        raise ValidationError(errors)
    return fields


def _ids(wanted, found) -> str:
    return "、".join(str(pk) for pk in wanted if pk not in found)


@router.get(
    "/activities/",
    response=list[ActivityOut],
    summary="活动列表",
    description="调用者范围内的活动，按开始时间倒序；可按日期（from、to）、状态、队伍筛选。默认不含已作废的活动。",
)
@paginate(Pagination, page_size=50)
def list_activities(request, filters: Query[ActivityFilters]):
    qs = activity_selectors.activity_list(
        user=request.user,
        query=filters.q,
        status=filters.status or "",
        date_from=filters.from_,
        date_to=filters.to,
        team_id=filters.team,
        include_voided=filters.include_voided,
    )
    return _prefetched(qs)


@router.post(
    "/activities/",
    response={200: ActivityOut, 201: ActivityOut},
    summary="新建活动",
    description=(
        "新建一个活动，可同时给出参与人员及时长（participants）和服务数量（quantities）。"
        "新建返回 201；以同一 idempotency_key 重复提交返回 200 和此前建立的活动。"
        "id 或代码不存在、或不在调用者范围内时返回 422 并指明字段。"
    ),
)
def create_activity(request, payload: ActivityIn):
    data = payload.dict()
    fields = _resolve(request.user, data)
    saved = call_service(
        services.activity_create,
        names=API_FIELD,
        denied=_("不在您可登记的范围内"),
        acting_user=request.user,
        idempotency_key=data["idempotency_key"],
        status=data["status"],
        **fields,
    )
    return Status(201 if saved.created else 200, _activity(request.user, saved.activity.pk))


@router.get(
    "/activities/{activity_id}/",
    response=ActivityOut,
    summary="活动详情",
    description="一个活动（含已作废的），含参与人员、时长与服务数量。范围外返回 404。",
)
def get_activity(request, activity_id: Id):
    get_scoped_or_404(request.user, Activity, VIEW, pk=activity_id)
    return _activity(request.user, activity_id)


@router.post(
    "/activities/{activity_id}/void/",
    response=ActivityOut,
    summary="作废活动",
    description="作废后该活动的场次、人数、时长和数量不再计入统计，仍可查看并保留在审计日志中。须填写原因。",
)
def void_activity(request, activity_id: Id, payload: VoidIn):
    activity = get_scoped_or_404(request.user, Activity, CHANGE, pk=activity_id)
    services.activity_void(acting_user=request.user, activity=activity, reason=payload.reason)
    return _activity(request.user, activity.pk)

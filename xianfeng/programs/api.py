"""Care programs over the API (issue 10 §10): the program catalogue, enrollments, their visits and
the worklists, for the offline field app and for other systems.

Every read starts from ``scoped()``: an enrollment out of the caller's scope is 404, one in scope
that the caller may only read is 403 on a write. Health programs (severe mental disorders) and
their rows exist only for callers holding "programs.health". Ids in a body are resolved through
``scoped()`` too; one that does not exist or is out of reach is a 422 naming the field, in the
words the services use. The services (services.py) apply the rules; their errors come back under
the API's field names (``resident`` → ``resident_id``, a program field ``risk_level`` →
``data.risk_level``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.roles import HEALTH
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Id, Pagination
from xianfeng.core.text import normalize_name
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.api_shared import VoidIn, api_errors
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.selectors import provider_queryset
from xianfeng.teams.models import Team

from . import services
from .api_schemas import (
    Bucket,
    EnrollmentEndIn,
    EnrollmentFilters,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentPatch,
    ProgramOut,
    VisitIn,
    VisitOut,
    WorklistCountsOut,
    WorklistFilters,
    program_out,
)
from .configuration import program_settings
from .models import OPEN_STATUSES, Enrollment, Visit
from .registry import all_programs, get_program
from .worklist import worklist, worklist_counts

router = Router(tags=["programs"])

# The API's names for the services' fields.
API_FIELD = {
    "resident": "resident_id",
    "household": "household_id",
    "region": "region_code",
    "org": "org_id",
    "responsible_member": "responsible_member_id",
    "responsible_team": "responsible_team_id",
    "providers": "provider_ids",
    "team": "team_id",
}
# Encrypted columns decrypt on load: the API shows names only.
_DEFERRED = ("resident__id_number", "resident__phone", "household__phone", "household__head__id_number")

# --- reading through scoped() ----------------------------------------------------------------


def may_see_health(user) -> bool:
    return can(user, HEALTH, Enrollment)


def enrollment_list(user, *, include_voided: bool = False):
    qs = scoped(user, Enrollment).select_related(
        "resident", "household__head", "region", "org", "responsible_member", "responsible_team"
    )
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return qs.defer(*_DEFERRED)


def _enrollment(user, pk: int) -> Enrollment:
    return enrollment_list(user, include_voided=True).get(pk=pk)


def visit_list(user):
    return (
        scoped(user, Visit)
        .select_related("enrollment", "record__service_type")
        .prefetch_related("record__providers__member")
    )


def _found(queryset, field: str, message: str, errors: dict, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        errors[field] = [message]
    return obj


def _refs(user, data: dict, *, on=None) -> dict:
    """The objects the ids of a body name, each through ``scoped()``: {service field: object}.
    Only the fields the body contains; a null id stays None (clears it on a PATCH)."""
    lookups = {
        "resident_id": (scoped(user, Resident, VIEW), _("未找到该居民（或不在您的权限范围内）")),
        "household_id": (scoped(user, Household, VIEW), _("未找到该户（或不在您的权限范围内）")),
        "org_id": (scoped(user, Organization, VIEW), _("未找到该组织（或不在您的权限范围内）")),
        "responsible_member_id": (provider_queryset(user, on), _("未找到该成员（或不在您的权限范围内）")),
        "responsible_team_id": (scoped(user, Team, VIEW), _("未找到该队伍（或不在您的权限范围内）")),
        "team_id": (scoped(user, Team, VIEW), _("未找到该队伍（或不在您的权限范围内）")),
    }
    out, errors = {}, {}
    for field, (queryset, message) in lookups.items():
        if field in data:
            pk = data[field]
            out[field.removesuffix("_id")] = _found(queryset, field, message, errors, pk=pk) if pk else None
    if data.get("region_code"):
        message = _("没有这个区划代码")
        out["region"] = _found(scoped(user, Region), "region_code", message, errors, code=data["region_code"])
    if data.get("provider_ids"):
        wanted = list(dict.fromkeys(data["provider_ids"]))
        members = provider_queryset(user, on).in_bulk(wanted)
        missing = [str(pk) for pk in wanted if pk not in members]
        if missing:
            message = _("未找到服务人员（或不在您的权限范围内）：%(ids)s") % {"ids": "、".join(missing)}
            errors["provider_ids"] = [message]
        out["providers"] = [members[pk] for pk in wanted if pk in members]
    if errors:
        raise ValidationError(errors)
    return out


def _call(service, *, data_keys=(), denied: str, **kwargs):
    """Call a write service: its errors under the API's names (a program field under ``data.``);
    a write that would leave the caller's scope is a 422 on ``org_id`` saying ``denied``."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        names = dict(API_FIELD, **{key: f"data.{key}" for key in data_keys})
        raise api_errors(exc, names) from None
    except PermissionDenied:
        raise ValidationError({"org_id": [denied]}) from None


def _ensure_may_write(user, program) -> None:
    if not can(user, CHANGE, Enrollment):
        raise PermissionDenied(_("您没有登记项目对象的权限"))
    if program.health and not may_see_health(user):
        raise PermissionDenied(_("“%(p)s”属于健康信息，需要健康权限") % {"p": program.name})


# --- the catalogue ---------------------------------------------------------------------------


@router.get(
    "/",
    response=list[ProgramOut],
    summary="项目目录",
    description=(
        "已登记的随访与帮扶项目及其登记字段、记录类型（visit_kinds）和各类型的表单字段，离线应用据此生成表单。"
        "字段 kind：choice、multichoice、integer、decimal、text、boolean、date、people（[{name, role}]）。"
        "健康类项目（health=true，如严重精神障碍患者管理）只列给持健康权限的角色。"
    ),
)
def list_programs(request):
    if not can(request.user, VIEW, Enrollment):
        raise PermissionDenied
    health = may_see_health(request.user)
    return [program_out(p, program_settings(p.code)) for p in all_programs() if health or not p.health]


# --- enrollments -----------------------------------------------------------------------------


@router.get(
    "/enrollments/",
    response=list[EnrollmentOut],
    summary="项目对象列表",
    description=(
        "调用者范围内的项目登记，按下次随访日期（最早的在前）。可按项目、状态（open 为在管）、区划代码、"
        "责任人、责任队伍和姓名筛选；默认不含已作废的。没有健康权限的用户看不到健康类项目的登记。"
    ),
)
@paginate(Pagination, page_size=100)
def list_enrollments(request, filters: Query[EnrollmentFilters]):
    qs = enrollment_list(request.user, include_voided=filters.include_voided)
    if filters.program:
        qs = qs.filter(program=filters.program)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.township:
        column = {6: "county_code", 9: "township_code", 12: "village_code"}.get(len(filters.township))
        lookup = {column: filters.township} if column else {"village_code__startswith": filters.township}
        qs = qs.filter(**lookup)
    if filters.member_id:
        qs = qs.filter(responsible_member_id=filters.member_id)
    if filters.team_id:
        qs = qs.filter(responsible_team_id=filters.team_id)
    if filters.q:
        name = normalize_name(filters.q)
        qs = qs.filter(
            Q(resident__name_norm__contains=name)
            | Q(household__head__name_norm__contains=name)
            | Q(region__name__contains=filters.q)
        )
    return qs.order_by("next_due_on", "id")


@router.post(
    "/enrollments/",
    response={201: EnrollmentOut},
    summary="纳入项目",
    description=(
        "把一位居民（resident_id）、一户（household_id）或一个乡镇（村）（region_code）纳入项目，data 按项目的"
        "登记字段填写。拒绝并指明字段：范围外的对象、不符合条件、须知情同意而未登记（consent）、已在该项目中管理、"
        "纳入日期晚于今天或在死亡之后、data 不合项目要求（data.<字段>）。健康类项目需要健康权限（403）。"
    ),
)
def create_enrollment(request, payload: EnrollmentIn):
    user = request.user
    program = get_program(payload.program)  # an unknown code: 422 on "program"
    _ensure_may_write(user, program)
    body = payload.dict(exclude_unset=True)
    refs = _refs(user, body)
    enrollment = _call(
        services.enrollment_create,
        data_keys=[f["key"] for f in program.enrollment_fields] + list(payload.data),
        denied=_("不在您可登记的范围内"),
        acting_user=user,
        program=program.code,
        enrolled_on=payload.enrolled_on,
        data=payload.data,
        resident=refs.get("resident"),
        household=refs.get("household"),
        region=refs.get("region"),
        org=refs.get("org"),
        responsible_member=refs.get("responsible_member"),
        responsible_team=refs.get("responsible_team"),
    )
    return Status(201, _enrollment(user, enrollment.pk))


@router.get(
    "/enrollments/{enrollment_id}/",
    response=EnrollmentOut,
    summary="项目对象详情",
    description="一条项目登记（含已作废的）。范围外、或没有健康权限时的健康类登记返回 404。",
)
def get_enrollment(request, enrollment_id: Id):
    get_scoped_or_404(request.user, Enrollment, VIEW, pk=enrollment_id)
    return _enrollment(request.user, enrollment_id)


@router.patch(
    "/enrollments/{enrollment_id}/",
    response=EnrollmentOut,
    summary="修改项目登记",
    description=(
        "只修改请求中给出的字段：data（整体替换，按项目规则重新校验）、责任组织、责任人、责任队伍"
        "（后两者可用 null 清除）。修改前的内容保留在变更日志中；已作废的登记不能修改。"
    ),
)
def update_enrollment(request, enrollment_id: Id, payload: EnrollmentPatch):
    user = request.user
    enrollment = get_scoped_or_404(user, Enrollment, CHANGE, pk=enrollment_id)
    body = payload.dict(exclude_unset=True)
    changes = _refs(user, body)
    if "data" in body:
        changes["data"] = body["data"] or {}
    program = get_program(enrollment.program)
    _call(
        services.enrollment_update,
        data_keys=[f["key"] for f in program.enrollment_fields] + list(body.get("data") or {}),
        denied=_("修改后该登记将超出您的权限范围"),
        acting_user=user,
        enrollment=enrollment,
        **changes,
    )
    return _enrollment(user, enrollment.pk)


@router.post(
    "/enrollments/{enrollment_id}/end/",
    response=EnrollmentOut,
    summary="结案",
    description=(
        "迁出（moved）、死亡（deceased）或结案（exited，须填原因）。结案日期不能晚于今天、早于纳入日期；"
        "死亡日期不能早于最近一次随访。结案后不再出现在工作清单中。"
    ),
)
def end_enrollment(request, enrollment_id: Id, payload: EnrollmentEndIn):
    user = request.user
    enrollment = get_scoped_or_404(user, Enrollment, CHANGE, pk=enrollment_id)
    _call(
        services.enrollment_end,
        denied=_("不在您可登记的范围内"),
        acting_user=user,
        enrollment=enrollment,
        status=payload.status,
        ended_on=payload.ended_on,
        reason=payload.reason,
    )
    return _enrollment(user, enrollment.pk)


@router.post(
    "/enrollments/{enrollment_id}/void/",
    response=EnrollmentOut,
    summary="作废项目登记",
    description="误登记时作废：不再计入任何统计和工作清单，仍可查看并保留在审计日志中。须填写原因。",
)
def void_enrollment(request, enrollment_id: Id, payload: VoidIn):
    user = request.user
    enrollment = get_scoped_or_404(user, Enrollment, CHANGE, pk=enrollment_id)
    denied = _("不在您可登记的范围内")
    _call(services.enrollment_void, denied=denied, acting_user=user, enrollment=enrollment, reason=payload.reason)
    return _enrollment(user, enrollment.pk)


# --- visits ----------------------------------------------------------------------------------


@router.get(
    "/enrollments/{enrollment_id}/visits/",
    response=list[VisitOut],
    summary="随访记录",
    description=(
        "该登记的随访（检查、联系）记录，最近的在前；服务记录已作废的默认不列出（include_voided=true 时列出）。"
    ),
)
@paginate(Pagination, page_size=100)
def list_visits(request, enrollment_id: Id, include_voided: bool = False):
    enrollment = get_scoped_or_404(request.user, Enrollment, VIEW, pk=enrollment_id)
    visits = visit_list(request.user).filter(enrollment=enrollment)
    if not include_voided:
        visits = visits.filter(counted=True)
    return visits.order_by("-visited_on", "-id")


def _replayed(user, enrollment: Enrollment, key: str) -> Visit | None:
    """The visit this user recorded before with this client key (an outbox retry), or None."""
    record_id = (
        scoped(user, ServiceRecord).filter(created_by=user, idempotency_key=key).values_list("pk", flat=True).first()
    )
    if record_id is None:
        return None
    visit = visit_list(user).filter(record_id=record_id).first()
    if visit is None or visit.enrollment_id != enrollment.pk:
        raise ValidationError({"idempotency_key": [_("该客户端编号已用于另一条记录")]})
    return visit


@router.post(
    "/enrollments/{enrollment_id}/visits/",
    response={200: VisitOut, 201: VisitOut},
    summary="登记随访",
    description=(
        "kind 为项目的记录类型代码；data 按该类型的字段填写，错误以 data.<字段> 指明（如 data.risk_level）。"
        "随访日期不能晚于今天、早于纳入日期或在死亡之后。记录保存为一条服务记录，登记的状态和下次随访日期随之重算"
        "（见返回的 enrollment）。新建返回 201；"
        "同一用户以同一客户端编号（idempotency_key）重复提交返回 200 和已有的记录。"
    ),
)
def create_visit(request, enrollment_id: Id, payload: VisitIn):
    user = request.user
    enrollment = get_scoped_or_404(user, Enrollment, CHANGE, pk=enrollment_id)
    key = payload.idempotency_key.strip()
    if key:
        earlier = _replayed(user, enrollment, key)
        if earlier is not None:
            return Status(200, earlier)
    body = payload.dict(exclude_unset=True)
    refs = _refs(user, body, on=payload.visited_on or timezone.localdate())
    program = get_program(enrollment.program)
    kind_fields = next((k.fields for k in program.visit_kinds if k.code == payload.kind), ())
    visit = _call(
        services.enrollment_record_visit,
        data_keys=[f["key"] for f in kind_fields] + list(payload.data),
        denied=_("不在您可登记的范围内"),
        acting_user=user,
        enrollment=enrollment,
        kind=payload.kind,
        visited_on=payload.visited_on,
        data=payload.data,
        service_type=payload.service_type,
        resident=refs.get("resident"),
        providers=refs.get("providers"),
        hours=payload.hours,
        team=refs.get("team"),
        note=payload.note,
        idempotency_key=key,
    )
    return Status(201, visit_list(user).get(pk=visit.pk))


# --- worklists -------------------------------------------------------------------------------


def _worklist_filters(user, filters: WorklistFilters) -> dict:
    org = None
    if filters.org_id:
        # The organization and those below it; one out of reach lists nothing rather than 404.
        org = scoped(user, Organization).filter(pk=filters.org_id).first() or filters.org_id
    return {
        "program": filters.program or None,
        "member": filters.member_id,
        "team": filters.team_id,
        "org": org,
        "township": filters.township or None,
        "mine": filters.mine,
    }


@router.get(
    "/worklist/",
    response=list[EnrollmentOut],
    summary="工作清单",
    description=(
        "bucket：today 今天到期、week 7 天内到期（含今天）、overdue 已逾期、lost 失访。只含在管、未作废的登记，"
        "按下次随访日期（最早的在前）。可按项目、责任人、责任队伍、责任组织（含下级）、区划代码筛选；"
        "mine=true 只看本人（或本人所在队伍）负责的。"
    ),
)
@paginate(Pagination, page_size=100)
def get_worklist(request, bucket: Bucket, filters: Query[WorklistFilters]):
    return worklist(request.user, bucket=bucket, **_worklist_filters(request.user, filters))


@router.get(
    "/worklist/counts/",
    response=WorklistCountsOut,
    summary="工作清单计数",
    description="各清单的条数，筛选条件与工作清单相同。",
)
def get_worklist_counts(request, filters: Query[WorklistFilters]):
    return worklist_counts(request.user, **_worklist_filters(request.user, filters))

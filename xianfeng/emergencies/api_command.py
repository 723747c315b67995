"""The emergency, its working groups, leadership meetings and daily situation reports over the API
(/api/emergencies/): emergencies list/get/create/update, groups, leadership meetings, the report's
fields (get/put), daily reports (list/create) and the series (cumulative and new per field and day).

Reads start from ``scoped()``: an emergency out of the caller's scope is 404, one the caller may
only read (a branch below the committee) is 403 on a write. Ids in a body are resolved through
``scoped()``. A daily report is keyed by its day: the same numbers sent again for a day already
filed return the report with 200; other numbers are a 409 (correct it on the page, with a reason).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import ErrorOut, Id, Pagination
from xianfeng.members.models import Member
from xianfeng.servicelog.api_shared import VoidIn
from xianfeng.servicelog.api_shared import call_service as _call

from . import daily_selectors, report_form, services_daily
from . import selectors_command as selectors
from . import services_command as services
from .api_command_schemas import (
    EmergencyDailyIn,
    EmergencyDailyOut,
    EmergencyFiltersIn,
    EmergencyGroupIn,
    EmergencyGroupOut,
    EmergencyGroupPatch,
    EmergencyIn,
    EmergencyMeetingIn,
    EmergencyMeetingOut,
    EmergencyOut,
    EmergencyPatch,
    EmergencyReportFieldsIn,
    EmergencyReportFieldsOut,
    EmergencySeriesOut,
)
from .models import Emergency, LeadershipMeeting, WorkingGroup

router = Router(tags=["emergencies"])

API_FIELD = {
    "org": "org_id",
    "leader": "leader_id",
    "members": "member_ids",
    "host": "host_id",
    "attendees": "attendee_ids",
}
DENIED = gettext_lazy("不在您可指挥的范围内")
# --- helpers ---------------------------------------------------------------------------------


def _emergency(user, pk: int, action: str = VIEW) -> Emergency:
    return get_scoped_or_404(user, selectors.emergencies_with_org(user=user), action, pk=pk)


def _members(user, ids, field: str) -> list:
    ids = list(dict.fromkeys(ids or []))
    found = list(scoped(user, Member, VIEW).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({field: [_("有人员未找到（或不在您的权限范围内）")]})
    return found


def _member(user, pk, field: str):
    if pk is None:
        return None
    return _members(user, [pk], field)[0]


def _org(user, pk):
    org = selectors.org_choices(user=user).filter(pk=pk).first()
    if org is None:
        raise ValidationError({"org_id": [_("未找到该组织（或您无权在该组织下指挥应急事件）")]})
    return org


def _group(user, pk: int) -> WorkingGroup:
    return selectors.groups_of_any(user=user).get(pk=pk)


# --- emergencies -------------------------------------------------------------------------------


@router.get(
    "/",
    response=list[EmergencyOut],
    summary="应急事件",
    description="调用者范围内的应急事件（含上级党委牵头的），进行中的在前。",
)
@paginate(Pagination, page_size=50)
def list_emergencies(request, filters: Query[EmergencyFiltersIn]):
    if not can(request.user, VIEW, Emergency):
        raise PermissionDenied
    return selectors.emergency_list(user=request.user, q=filters.q, status=filters.status)


@router.post(
    "/",
    response={201: EmergencyOut},
    summary="新建应急事件",
    description="牵头组织须在调用者可指挥的范围内；开始日期不晚于今天，结束日期不早于开始日期。",
)
def create_emergency(request, payload: EmergencyIn):
    user = request.user
    if not can(user, CHANGE, Emergency):
        raise PermissionDenied(_("您没有指挥应急事件的权限"))
    emergency = _call(
        services.emergency_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=_org(user, payload.org_id),
        name=payload.name,
        kind=payload.kind,
        start_on=payload.start_on,
        end_on=payload.end_on,
        description=payload.description,
    )
    return Status(201, _emergency(user, emergency.pk))


@router.get("/{emergency_id}/", response=EmergencyOut, summary="应急事件详情")
def get_emergency(request, emergency_id: Id):
    return _emergency(request.user, emergency_id)


@router.patch(
    "/{emergency_id}/",
    response=EmergencyOut,
    summary="修改应急事件",
    description="只修改请求中给出的字段。call_text / pledges_open 为请战倡议和是否接收请战书（开放前须有倡议）。",
)
def update_emergency(request, emergency_id: Id, payload: EmergencyPatch):
    user = request.user
    emergency = _emergency(user, emergency_id, CHANGE)
    body = payload.dict(exclude_unset=True)
    changes = {k: body[k] for k in ("name", "kind", "start_on", "end_on", "description") if k in body}
    if "org_id" in body and body["org_id"] != emergency.org_id:
        changes["org"] = _org(user, body["org_id"])
    if changes:
        emergency = _call(
            services.emergency_update, names=API_FIELD, denied=DENIED, acting_user=user, emergency=emergency, **changes
        )
    if "call_text" in body or "pledges_open" in body:
        _call(
            services.emergency_set_call,
            names=API_FIELD,
            denied=DENIED,
            acting_user=user,
            emergency=emergency,
            call_text=body.get("call_text", emergency.call_text),
            pledges_open=body.get("pledges_open", emergency.pledges_open),
        )
    return _emergency(user, emergency_id)


# --- working groups ----------------------------------------------------------------------------


@router.get("/{emergency_id}/groups/", response=list[EmergencyGroupOut], summary="工作组")
def list_groups(request, emergency_id: Id):
    emergency = _emergency(request.user, emergency_id)
    return list(selectors.groups_of(user=request.user, emergency=emergency))


@router.post(
    "/{emergency_id}/groups/",
    response={201: EmergencyGroupOut},
    summary="新建工作组",
    description="组长、成员须在调用者范围内；同一事件中工作组名称不能重复。",
)
def create_group(request, emergency_id: Id, payload: EmergencyGroupIn):
    user = request.user
    emergency = _emergency(user, emergency_id, CHANGE)
    group = _call(
        services.working_group_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        name=payload.name,
        duties=payload.duties,
        leader=_member(user, payload.leader_id, "leader_id"),
        members=_members(user, payload.member_ids, "member_ids"),
        order=payload.order,
    )
    return Status(201, _group(user, group.pk))


@router.patch("/groups/{working_group_id}/", response=EmergencyGroupOut, summary="修改工作组")
def update_group(request, working_group_id: Id, payload: EmergencyGroupPatch):
    user = request.user
    group = get_scoped_or_404(user, WorkingGroup, CHANGE, pk=working_group_id)
    body = payload.dict(exclude_unset=True)
    changes = {k: body[k] for k in ("name", "duties", "order") if k in body}
    if "leader_id" in body:
        changes["leader"] = _member(user, body["leader_id"], "leader_id")
    if "member_ids" in body:
        changes["members"] = _members(user, body["member_ids"], "member_ids")
    if changes:
        _call(services.working_group_update, names=API_FIELD, denied=DENIED, acting_user=user, group=group, **changes)
    return _group(user, group.pk)


# --- leadership meetings -----------------------------------------------------------------------


@router.get(
    "/{emergency_id}/meetings/",
    response=list[EmergencyMeetingOut],
    summary="领导小组会议",
    description="不含已作废的。",
)
def list_meetings(request, emergency_id: Id):
    emergency = _emergency(request.user, emergency_id)
    return list(selectors.meetings_of(user=request.user, emergency=emergency))


@router.post(
    "/{emergency_id}/meetings/",
    response={201: EmergencyMeetingOut},
    summary="记录领导小组会议",
    description="会议日期须在事件期间且不晚于今天。",
)
def create_meeting(request, emergency_id: Id, payload: EmergencyMeetingIn):
    user = request.user
    emergency = _emergency(user, emergency_id, CHANGE)
    meeting = _call(
        services.leadership_meeting_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        held_on=payload.held_on,
        title=payload.title,
        host=_member(user, payload.host_id, "host_id"),
        attendees=_members(user, payload.attendee_ids, "attendee_ids"),
        decisions=payload.decisions,
    )
    return Status(201, selectors.meetings_of(user=user, emergency=emergency, include_voided=True).get(pk=meeting.pk))


@router.post("/meetings/{leadership_meeting_id}/void/", response=EmergencyMeetingOut, summary="作废领导小组会议记录")
def void_meeting(request, leadership_meeting_id: Id, payload: VoidIn):
    user = request.user
    meeting = get_scoped_or_404(user, LeadershipMeeting, CHANGE, pk=leadership_meeting_id)
    _call(
        services.leadership_meeting_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        meeting=meeting,
        reason=payload.reason,
    )
    return selectors.meetings_of(user=user, emergency=meeting.emergency, include_voided=True).get(pk=meeting.pk)


# --- the report's form --------------------------------------------------------------------------


@router.get("/{emergency_id}/report-fields/", response=EmergencyReportFieldsOut, summary="日报字段")
def get_report_fields(request, emergency_id: Id):
    return {"fields": report_form.report_fields(_emergency(request.user, emergency_id))}


@router.put(
    "/{emergency_id}/report-fields/",
    response=EmergencyReportFieldsOut,
    summary="设置日报字段",
    description=(
        "完整的字段列表（顺序即报表顺序）：可停用、改名、调整顺序、新增（code 留空）；最多 20 个；"
        "已有数据的字段不能删除，只能停用。"
    ),
)
def put_report_fields(request, emergency_id: Id, payload: EmergencyReportFieldsIn):
    user = request.user
    emergency = _emergency(user, emergency_id, CHANGE)
    emergency = _call(
        services.emergency_set_report_fields,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        fields=[f.dict() for f in payload.fields],
    )
    return {"fields": report_form.report_fields(emergency)}


# --- daily reports -------------------------------------------------------------------------------


@router.get(
    "/{emergency_id}/daily-reports/",
    response=list[EmergencyDailyOut],
    summary="每日报告",
    description="有效的报告，按日期先后。",
)
def list_daily_reports(request, emergency_id: Id):
    emergency = _emergency(request.user, emergency_id)
    return list(daily_selectors.reports_of(user=request.user, emergency=emergency))


@router.post(
    "/{emergency_id}/daily-reports/",
    response={200: EmergencyDailyOut, 201: EmergencyDailyOut, 409: ErrorOut},
    summary="填报每日情况",
    description=(
        "counts 为截至当日的累计数，启用的字段都要填。累计数不能少于之前的报告，也不能多于之后已填报的报告。"
        "同一天已填报且数字相同时返回 200 和已有报告；数字不同返回 409（请在页面上填写原因更正）。"
    ),
)
def file_daily_report(request, emergency_id: Id, payload: EmergencyDailyIn):
    user = request.user
    emergency = _emergency(user, emergency_id, CHANGE)
    try:
        filed = services_daily.daily_report_file(
            acting_user=user, emergency=emergency, day=payload.day, counts=payload.counts, note=payload.note
        )
    except services_daily.DayAlreadyReported as exc:
        return Status(409, {"detail": exc.messages[0], "errors": exc.message_dict})
    except ValidationError as exc:
        raise _counts_errors(exc) from None
    except PermissionDenied:
        raise ValidationError({"emergency_id": [str(DENIED)]}) from None
    return Status(201 if filed.created else 200, filed.report)


def _counts_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    known = {"day", "note", "counts"}
    return ValidationError({(k if k in known else f"counts.{k}"): v for k, v in exc.message_dict.items()})


@router.get(
    "/{emergency_id}/series/",
    response=EmergencySeriesOut,
    summary="每日情况序列",
    description="每个启用字段每天的累计数和新增数（与上一次报告之差）。",
)
def daily_series(request, emergency_id: Id):
    emergency = _emergency(request.user, emergency_id)
    return daily_selectors.series(user=request.user, emergency=emergency)

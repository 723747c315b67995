"""The 三会一课, attendance, the compliance calendar and its rules over the API (/api/partylife/):
meetings list/get/create (with an idempotency key for the offline outbox)/update/void, the
attendance put, a branch's compliance calendar, the local rules list/create.

Reads start from ``scoped()``: a meeting out of the caller's scope is 404, one in scope that the
caller may only read is 403 on a write. Ids in a body are resolved through ``scoped()``; one that
does not exist or is out of reach is a 422 naming the field. The services apply the rules (quorum,
reasons, dates); their errors come back under the API's field names (``host`` → ``host_id``).
"""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, LocalTime, Pagination, unchanged
from xianfeng.members.models import Member
from xianfeng.servicelog.api_shared import VoidIn
from xianfeng.servicelog.api_shared import call_service as _call
from xianfeng.servicelog.models import Activity

from . import selectors_meetings as selectors
from . import services_meetings as services
from .models import Attendance, ComplianceRule, Meeting, MeetingKind, Period

router = Router(tags=["partylife"])

API_FIELD = {
    "org": "org_id",
    "host": "host_id",
    "recorder": "recorder_id",
    "activity": "activity_id",
    "attendance": "attendance",
    "invalid_note": "invalid_note",
}
DENIED = gettext_lazy("不在您可登记的范围内")
KindCode = Literal[tuple(MeetingKind.values)]  # type: ignore[valid-type]
PeriodCode = Literal[tuple(Period.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(Attendance.Status.values)]  # type: ignore[valid-type]
Count = Annotated[int, Field(ge=0, le=services.MAX_COUNT)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Text = Annotated[str, Field(max_length=5000)]


class MeetingAttendanceIn(Schema):
    member_id: Id
    status: StatusCode
    reason: Annotated[str, Field(max_length=100)] = ""


class MeetingAttendanceOut(Schema):
    member_id: int
    member_name: str
    status: str
    reason: str
    voting: bool


class MeetingIn(Schema):
    org_id: Id
    kind: KindCode
    held_on: Date
    title: Annotated[str, Field(max_length=100)] = ""
    start_time: LocalTime | None = None
    place: Annotated[str, Field(max_length=100)] = ""
    host_id: Id | None = None
    recorder_id: Id | None = None
    topics: Text = ""
    resolutions: Text = ""
    minutes: Annotated[str, Field(max_length=50000)] = ""
    is_valid: bool = True
    invalid_note: Annotated[str, Field(max_length=200)] = Field("", description="无效说明：is_valid=false 时必填")
    attendance: list[MeetingAttendanceIn] | None = Field(
        None, max_length=5000, description="出席名单；不给时按 expected_count/present_count 记录（以往会议）"
    )
    expected_count: Count | None = None
    present_count: Count | None = None
    activity_id: Id | None = Field(None, description="主题党日关联的志愿服务活动")
    note: Annotated[str, Field(max_length=200)] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class MeetingPatch(Schema):
    kind: KindCode = unchanged()
    held_on: Date = unchanged()
    title: Annotated[str, Field(max_length=100)] = unchanged()
    start_time: LocalTime | None = unchanged()
    place: Annotated[str, Field(max_length=100)] = unchanged()
    host_id: Id | None = unchanged()
    recorder_id: Id | None = unchanged()
    topics: Text = unchanged()
    resolutions: Text = unchanged()
    minutes: Annotated[str, Field(max_length=50000)] = unchanged()
    is_valid: bool = unchanged()
    invalid_note: Annotated[str, Field(max_length=200)] = unchanged()
    activity_id: Id | None = unchanged()


class MeetingAttendancePut(Schema):
    rows: list[MeetingAttendanceIn] = Field(..., max_length=5000)
    is_valid: bool | None = None
    invalid_note: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="无效说明：会议为无效时必填；不给时不变"
    )
    note: Annotated[str, Field(max_length=200)] = ""


class MeetingFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    caption: str
    uploaded_at: datetime.datetime
    url: str = Field(..., description="下载地址（需登录，能查看该会议的人可以下载）")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("partylife:meeting_file", args=[obj.pk])


class MeetingOut(Schema):
    id: int
    org_id: int
    org_name: str
    kind: str
    title: str
    held_on: datetime.date
    start_time: datetime.time | None
    place: str
    host_id: int | None
    recorder_id: int | None
    topics: str
    resolutions: str
    minutes: str
    expected_count: int
    present_count: int
    is_valid: bool
    invalid_note: str
    needs_quorum: bool
    has_quorum: bool
    activity_id: int | None
    voided: bool

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class MeetingDetailOut(MeetingOut):
    attendance: list[MeetingAttendanceOut]
    files: list[MeetingFileOut]

    @staticmethod
    def resolve_attendance(obj) -> list[dict]:
        return obj.api_attendance

    @staticmethod
    def resolve_files(obj) -> list:
        return obj.api_files


class MeetingFilters(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    kind: KindCode | Literal[""] = ""
    org_id: Id | None = None
    year: Year | None = None
    validity: Literal["valid", "invalid", ""] = ""
    include_voided: bool = False


class ComplianceCellOut(Schema):
    kind: str
    period: str
    start: datetime.date
    end: datetime.date
    required: int
    held: int
    status: str = Field(..., description="done / due / overdue / future / not_required")


class ComplianceOut(Schema):
    org_id: int
    year: int
    compliance_rate: float | None
    overdue: int
    due: int
    cells: list[ComplianceCellOut]


class ComplianceRuleIn(Schema):
    org_id: Id
    kind: KindCode
    period: PeriodCode
    min_count: Annotated[int, Field(ge=0, le=31)]
    start_on: Date
    end_on: Date | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class ComplianceRuleOut(Schema):
    id: int
    org_id: int
    kind: str
    period: str
    min_count: int
    start_on: datetime.date
    end_on: datetime.date | None
    note: str


def _found(queryset, field: str, pk, errors: dict, message: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        errors[field] = [message]
    return obj


def _refs(user, body: dict, org=None) -> dict:
    out, errors = {}, {}
    if body.get("org_id"):
        out["org"] = _found(
            selectors.meeting_orgs(user, VIEW),
            "org_id",
            body["org_id"],
            errors,
            _("未找到该组织（或不在您的权限范围内）"),
        )
    org = out.get("org") or org
    people = selectors.branch_people(user, org) if org else scoped(user, Member).none()
    for name in ("host", "recorder"):
        if body.get(f"{name}_id"):
            out[name] = _found(people, f"{name}_id", body[f"{name}_id"], errors, _("未找到该人员（须是本支部成员）"))
        elif f"{name}_id" in body:
            out[name] = None
    if body.get("activity_id"):
        out["activity"] = _found(
            scoped(user, Activity),
            "activity_id",
            body["activity_id"],
            errors,
            _("未找到该活动（或不在您的权限范围内）"),
        )
    elif "activity_id" in body:
        out["activity"] = None
    if errors:
        raise ValidationError(errors)
    return out


def _rows(user, org, rows) -> list[tuple]:
    wanted = [r.member_id for r in rows]
    members = scoped(user, Member).in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in members]
    if missing:
        raise ValidationError(
            {"attendance": [_("未找到人员（或不在您的权限范围内）：%(ids)s") % {"ids": "、".join(missing)}]}
        )
    return [(members[r.member_id], r.status, r.reason) for r in rows]


def _detail(user, pk: int) -> Meeting:
    """The meeting with the attendance rows the caller may see (``api_attendance``)."""
    meeting = selectors.meeting_list(user=user, include_voided=True).get(pk=pk)
    meeting.api_attendance = [
        {
            "member_id": a.member_id,
            "member_name": a.member.name,
            "status": a.status,
            "reason": a.reason,
            "voting": a.voting,
        }
        for a in selectors.attendance_of(user, meeting)
    ]
    meeting.api_files = selectors.meeting_files(user, meeting)
    return meeting


@router.get(
    "/meetings/",
    response=list[MeetingOut],
    summary="组织生活会议列表",
    description="调用者范围内的三会一课和组织生活会议，最近的在前。筛选：q（主题、议题、地点、主持人）、kind、org_id（含其党小组）、year、validity；默认不含已作废的。",
)
@paginate(Pagination, page_size=100)
def list_meetings(request, filters: Query[MeetingFilters]):
    if not can(request.user, VIEW, Meeting):
        raise PermissionDenied
    parsed = selectors.MeetingFilters(
        q=filters.q,
        kind=filters.kind,
        org=filters.org_id,
        year=filters.year,
        validity=filters.validity,
        voided=filters.include_voided,
    )
    return selectors.filtered_meetings(request.user, parsed)


@router.post(
    "/meetings/",
    response={200: MeetingDetailOut, 201: MeetingDetailOut},
    summary="登记组织生活会议",
    description=(
        "会议日期不能晚于今天。attendance 为出席名单（本组织及所属党小组的党员；"
        "请假、缺席须填原因；支部党员大会和民主评议须全体党员）；"
        "不给名单时按 expected_count/present_count 记录。"
        "支部党员大会、支委会、民主评议党员须半数以上有表决权的党员到会方可 is_valid=true，否则 422 并说明人数；"
        "is_valid=false 时须给 invalid_note（无效说明）。"
        "同一用户以同一 idempotency_key 重复提交返回 200 和已有记录。"
    ),
)
def create_meeting(request, payload: MeetingIn):
    user = request.user
    if not can(user, CHANGE, Meeting):
        raise PermissionDenied(_("您没有登记组织生活会议的权限"))
    body = payload.dict(exclude_unset=True)
    refs = _refs(user, body)
    rows = _rows(user, refs["org"], payload.attendance) if payload.attendance else None
    saved = _call(
        services.meeting_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=refs["org"],
        kind=payload.kind,
        held_on=payload.held_on,
        title=payload.title,
        start_time=payload.start_time,
        place=payload.place,
        host=refs.get("host"),
        recorder=refs.get("recorder"),
        topics=payload.topics,
        resolutions=payload.resolutions,
        minutes=payload.minutes,
        is_valid=payload.is_valid,
        invalid_note=payload.invalid_note,
        attendance=rows,
        expected_count=payload.expected_count,
        present_count=payload.present_count,
        activity=refs.get("activity"),
        note=payload.note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201 if saved.created else 200, _detail(user, saved.meeting.pk))


@router.get(
    "/meetings/{meeting_id}/", response=MeetingDetailOut, summary="会议详情", description="含出席名单；范围外 404。"
)
def get_meeting(request, meeting_id: Id):
    get_scoped_or_404(request.user, Meeting, VIEW, pk=meeting_id)
    return _detail(request.user, meeting_id)


@router.patch(
    "/meetings/{meeting_id}/",
    response=MeetingDetailOut,
    summary="修改会议记录",
    description="只修改请求中给出的字段；已作废的不能修改。修改前的内容保留在变更日志中。",
)
def update_meeting(request, meeting_id: Id, payload: MeetingPatch):
    user = request.user
    meeting = get_scoped_or_404(user, Meeting, CHANGE, pk=meeting_id)
    body = payload.dict(exclude_unset=True)
    changes = _refs(user, body, org=meeting.org)
    editable = ("kind", "held_on", "title", "start_time", "place", "topics", "resolutions", "minutes", "is_valid")
    for name in (*editable, "invalid_note"):
        if name in body:
            changes[name] = body[name]
    if changes:
        _call(services.meeting_update, names=API_FIELD, denied=DENIED, acting_user=user, meeting=meeting, **changes)
    return _detail(user, meeting.pk)


@router.put(
    "/meetings/{meeting_id}/attendance/",
    response=MeetingDetailOut,
    summary="登记出席情况",
    description=(
        "以 rows 替换全部出席名单并重算应到、实到人数；is_valid 可同时修改（失去法定人数的会议须同时标为无效）。"
    ),
)
def put_attendance(request, meeting_id: Id, payload: MeetingAttendancePut):
    user = request.user
    meeting = get_scoped_or_404(user, Meeting, CHANGE, pk=meeting_id)
    rows = _rows(user, meeting.org, payload.rows)
    _call(
        services.attendance_set,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        meeting=meeting,
        rows=rows,
        is_valid=payload.is_valid,
        invalid_note=payload.invalid_note,
        note=payload.note,
    )
    return _detail(user, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/void/",
    response=MeetingDetailOut,
    summary="作废会议记录",
    description="误登记时作废：不再计入组织生活日历和统计，仍可查看。须填写原因。",
)
def void_meeting(request, meeting_id: Id, payload: VoidIn):
    meeting = get_scoped_or_404(request.user, Meeting, CHANGE, pk=meeting_id)
    _call(
        services.meeting_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=request.user,
        meeting=meeting,
        reason=payload.reason,
    )
    return _detail(request.user, meeting.pk)


@router.get(
    "/calendar/",
    response=ComplianceOut,
    summary="组织生活日历",
    description=(
        "org_id 所指党支部（临时党支部、党总支）一年（year，默认今年）的组织生活要求与落实："
        "每种会议每个周期的应开、已开次数和状态"
        "（done 已开、due 本期待开、overdue 逾期、future 未到、not_required 不作要求）。"
    ),
)
def get_compliance(request, org_id: Id, year: Year | None = None):
    """``org_id`` is a query parameter: the branch whose calendar is read."""
    user = request.user
    if not can(user, VIEW, Meeting):
        raise PermissionDenied
    branch = selectors.calendar_branches(user).filter(pk=org_id).first()
    if branch is None:  # an id in the query names a field: 422 (out of reach or not a branch alike)
        raise ValidationError({"org_id": [_("只有您范围内的党支部、临时党支部、党总支有组织生活日历")]})
    today = timezone.localdate()
    calendar = selectors.branch_calendar(user, branch, year or today.year, today)
    return {
        "org_id": branch.pk,
        "year": calendar.year,
        "compliance_rate": calendar.compliance_rate,
        "overdue": len(calendar.overdue),
        "due": len(calendar.due),
        "cells": [
            {
                "kind": c.kind,
                "period": c.period,
                "start": c.start,
                "end": c.end,
                "required": c.required,
                "held": c.held,
                "status": c.status,
            }
            for c in sorted(calendar.cells, key=lambda c: (c.kind, c.start))
        ],
    }


@router.get(
    "/compliance-rules/",
    response=list[ComplianceRuleOut],
    summary="组织生活规则",
    description="本单位规则（含上级组织的）。",
)
@paginate(Pagination, page_size=100)
def list_rules(request):
    if not can(request.user, VIEW, ComplianceRule):
        raise PermissionDenied
    return selectors.rule_list(request.user)


@router.post(
    "/compliance-rules/",
    response={201: ComplianceRuleOut},
    summary="添加组织生活规则",
    description="替代全国通行要求的本单位规则，适用于该组织及其下级组织；min_count 为 0 表示不作要求。",
)
def create_rule(request, payload: ComplianceRuleIn):
    user = request.user
    if not can(user, CHANGE, ComplianceRule):
        raise PermissionDenied(_("您没有设置组织生活规则的权限"))
    errors: dict = {}
    org = _found(selectors.rule_orgs(user), "org_id", payload.org_id, errors, _("未找到该组织（或不在您的权限范围内）"))
    if errors:
        raise ValidationError(errors)
    rule = _call(
        services.compliance_rule_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=org,
        kind=payload.kind,
        period=payload.period,
        min_count=payload.min_count,
        start_on=payload.start_on,
        end_on=payload.end_on,
        note=payload.note,
    )
    return Status(201, rule)

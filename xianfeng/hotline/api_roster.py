"""The duty roster over the API (issue 12 §1, §5), mounted at /api/hotline/roster/.

The same services and selectors as the pages. Reads start from ``scoped()``: a shift,
assignment or swap request out of reach is 404; one in reach that the caller may only read is
403 on a manager's write. Ids in a body are resolved within the roster's reach: a team the
caller manages (``team_id``), a member of the shift's team (``member_id``, ``to_member_id``,
``supervisor_id``); one out of reach is a 422 naming the field. Asking to swap a duty that is
neither the caller's own nor one they manage is a 422, not a 403 (the contract of the page).
"""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, Pagination
from xianfeng.members.models import Member
from xianfeng.servicelog.api_shared import call_service

from . import selectors_roster as selectors
from . import services_roster as services
from . import services_roster_swaps as swaps
from .models import Shift, ShiftAssignment, SwapRequest

router = Router(tags=["hotline"])

API_FIELD = {"team": "team_id", "member": "member_id", "to_member": "to_member_id", "supervisor": "supervisor_id"}
DENIED = _("您不能管理该值守组的排班")
Seats = Annotated[int, Field(ge=1, le=50, description="需要人数（少于此人数即为缺岗）")]


# --- schemas ------------------------------------------------------------------------------------


class RosterMemberRef(Schema):
    id: int
    name: str


class RosterAssignmentOut(Schema):
    id: int
    shift_id: int
    member: RosterMemberRef


class RosterShiftOut(Schema):
    id: int
    team_id: int
    team_name: str
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    overnight: bool = Field(description="结束时间不晚于开始时间：跨夜到次日")
    seats: int
    staffed: int = Field(description="已安排人数")
    gap: int = Field(description="缺岗人数（需要人数 − 已安排人数，不小于 0）")
    supervisor: RosterMemberRef | None
    note: str

    @staticmethod
    def resolve_team_name(obj) -> str:
        return obj.team.name

    @staticmethod
    def resolve_gap(obj) -> int:
        return max(obj.seats - obj.staffed, 0)


class RosterShiftDetailOut(RosterShiftOut):
    assignments: list[RosterAssignmentOut]

    @staticmethod
    def resolve_assignments(obj) -> list:
        return list(obj.assignments.select_related("member").order_by("pk"))


class RosterShiftFilters(Schema):
    team_id: Id | None = None
    date_from: Date | None = Field(None, alias="from")
    date_to: Date | None = Field(None, alias="to")
    gaps: bool = Field(False, description="只列缺岗班次")


class RosterShiftIn(Schema):
    team_id: Id
    date: Date
    start_time: datetime.time
    end_time: datetime.time = Field(description="不晚于开始时间即为跨夜班次（16:00–00:00、22:00–08:00）")
    seats: Seats = 1
    supervisor_id: Id | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class RosterAssignmentIn(Schema):
    member_id: Id


class RosterSwapIn(Schema):
    to_member_id: Id
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class RosterDecisionIn(Schema):
    note: Annotated[str, Field(max_length=200)] = ""


class RosterSwapOut(Schema):
    id: int
    assignment_id: int
    shift_id: int
    member: RosterMemberRef = Field(description="该值守安排现在的值守人员（批准后即接班人员）")
    to_member: RosterMemberRef
    reason: str
    status: str
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_note: str

    @staticmethod
    def resolve_shift_id(obj) -> int:
        return obj.assignment.shift_id

    @staticmethod
    def resolve_member(obj) -> Member:
        return obj.assignment.member


# --- reading -----------------------------------------------------------------------------------


def _detail(user, pk: int) -> Shift:
    return selectors.shift_list(user).get(pk=pk)


def _team_member(team, day, pk: int | None, field: str) -> Member | None:
    """A member of ``team`` on ``day`` named by a body id; anyone else is a 422 on ``field``."""
    if pk is None:
        return None
    member = selectors.team_members_on(team, day).filter(pk=pk).first()
    if member is None:
        raise ValidationError({field: [_("未找到该成员，或其当天不是该值守组成员")]})
    return member


# --- shifts -------------------------------------------------------------------------------------


@router.get(
    "/shifts/",
    response=list[RosterShiftOut],
    summary="值守班次列表",
    description=(
        "调用者范围内的班次，按日期和开始时间。可按值守组（team_id）、日期范围（from、to）筛选，gaps=true 只列缺岗的。"
    ),
)
@paginate(Pagination, page_size=100)
def list_shifts(request, filters: Query[RosterShiftFilters]):
    team = None
    if filters.team_id:
        team = selectors.roster_teams(request.user, VIEW).filter(pk=filters.team_id).first()
        if team is None:
            return Shift.objects.none()
    return selectors.shift_list(
        request.user, team=team, date_from=filters.date_from, date_to=filters.date_to, gaps_only=filters.gaps
    )


@router.post(
    "/shifts/",
    response={201: RosterShiftDetailOut},
    summary="新建班次",
    description="为调用者管理的热线值守组新建一个班次。督导须为当天的值守组成员；同组同日同一开始时间只能有一个班次。",
)
def create_shift(request, payload: RosterShiftIn):
    user = request.user
    team = selectors.roster_teams(user, CHANGE).filter(pk=payload.team_id).first()
    if team is None:
        raise ValidationError({"team_id": [_("未找到该值守组（或您不能管理它的排班）")]})
    supervisor = _team_member(team, payload.date, payload.supervisor_id, "supervisor_id")
    shift = call_service(
        services.shift_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        team=team,
        date=payload.date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        seats=payload.seats,
        supervisor=supervisor,
        note=payload.note,
    )
    return Status(201, _detail(user, shift.pk))


@router.get(
    "/shifts/{shift_id}/",
    response=RosterShiftDetailOut,
    summary="班次详情",
    description="一个班次及其值守人员。",
)
def get_shift(request, shift_id: Id):
    get_scoped_or_404(request.user, Shift, VIEW, pk=shift_id)
    return _detail(request.user, shift_id)


@router.post(
    "/shifts/{shift_id}/assignments/",
    response={201: RosterAssignmentOut},
    summary="安排值守人员",
    description="把值守组成员（当天在组内）安排到班次；同一时段已有其他值班（含跨夜）、或班次已结束时拒绝（422）。",
)
def add_assignment(request, shift_id: Id, payload: RosterAssignmentIn):
    user = request.user
    shift = get_scoped_or_404(user, Shift, CHANGE, pk=shift_id)
    member = _team_member(shift.team, shift.date, payload.member_id, "member_id")
    assignment = call_service(
        services.assignment_add, names=API_FIELD, denied=DENIED, acting_user=user, shift=shift, member=member
    )
    return Status(201, assignment)


@router.delete(
    "/assignments/{assignment_id}/",
    response={204: None},
    summary="移除值守安排",
    description="把成员从尚未结束的班次中移除；有待审批换班申请时须先处理（422）。",
)
def remove_assignment(request, assignment_id: Id):
    user = request.user
    assignment = selectors.managed(
        user, scoped(user, ShiftAssignment).select_related("shift"), assignment_id, lambda a: a.shift
    )
    call_service(services.assignment_remove, names=API_FIELD, denied=DENIED, acting_user=user, assignment=assignment)
    return Status(204, None)


# --- swaps --------------------------------------------------------------------------------------


@router.post(
    "/assignments/{assignment_id}/swap/",
    response={201: RosterSwapOut},
    summary="申请换班",
    description=(
        "把这条值班交给同组同事（当天在组内、当时没有其他值班），等待排班管理者审批。"
        "只有该值班的本人或排班管理者可以申请，其他能看到这条值班的人得到 422。"
    ),
)
def request_swap(request, assignment_id: Id, payload: RosterSwapIn):
    user = request.user
    rows = scoped(user, ShiftAssignment).select_related("shift__team", "member")
    assignment = get_scoped_or_404(user, rows, VIEW, pk=assignment_id)
    to_member = _team_member(assignment.shift.team, assignment.shift.date, payload.to_member_id, "to_member_id")
    swap = call_service(
        swaps.swap_request,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        assignment=assignment,
        to_member=to_member,
        reason=payload.reason,
    )
    return Status(201, _swap(user, swap.pk))


def _swap(user, pk: int) -> SwapRequest:
    return get_scoped_or_404(user, selectors.swap_list(user), VIEW, pk=pk)


@router.get(
    "/swaps/",
    response=list[RosterSwapOut],
    summary="换班申请列表",
    description="调用者范围内的换班申请，待审批的在前。可按状态（pending、approved、rejected、cancelled）筛选。",
)
@paginate(Pagination, page_size=100)
def list_swaps(request, status: Literal["pending", "approved", "rejected", "cancelled"] | None = None):
    return selectors.swap_list(request.user, status=status or "")


def _decide(request, swap_id: int, service, action: str, **kwargs) -> SwapRequest:
    user = request.user
    if action == VIEW:
        swap = get_scoped_or_404(user, SwapRequest, VIEW, pk=swap_id)
    else:
        swap = selectors.managed(
            user, scoped(user, SwapRequest).select_related("assignment__shift"), swap_id, lambda s: s.assignment.shift
        )
    call_service(service, names={"note": "note"}, denied=DENIED, acting_user=user, swap=swap, **kwargs)
    return _swap(user, swap.pk)


@router.post(
    "/swaps/{swap_id}/approve/",
    response=RosterSwapOut,
    summary="批准换班",
    description="排班管理者批准：值班转给接班人员（再次核对其当天在组内且当时没有其他值班）。",
)
def approve_swap(request, swap_id: Id, payload: RosterDecisionIn):
    return _decide(request, swap_id, swaps.swap_approve, CHANGE, note=payload.note)


@router.post(
    "/swaps/{swap_id}/reject/",
    response=RosterSwapOut,
    summary="驳回换班",
    description="排班管理者驳回，须写明原因（note）。",
)
def reject_swap(request, swap_id: Id, payload: RosterDecisionIn):
    return _decide(request, swap_id, swaps.swap_reject, CHANGE, note=payload.note)


@router.post(
    "/swaps/{swap_id}/withdraw/",
    response=RosterSwapOut,
    summary="撤回换班申请",
    description="申请人、该值班的本人或排班管理者撤回待审批的申请；其他人得到 422。",
)
def withdraw_swap(request, swap_id: Id):
    return _decide(request, swap_id, swaps.swap_withdraw, VIEW)

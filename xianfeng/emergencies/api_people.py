"""请战书, commando and outbound teams, 1-to-1 family pairing, duty rosters and front-line applications
over the API (/api/emergencies/...). Reads start from ``scoped()`` (a row out of reach is 404);
ids in a body are resolved through ``scoped()`` (422 naming the field); the services apply the
rules and their errors come back under the API's field names (``member`` → ``member_id``; a
pledge that cannot join a team → ``pledge_<id>``)."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, Pagination
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.programs.models import Enrollment
from xianfeng.servicelog.api_shared import call_service as _call
from xianfeng.servicelog.selectors import own_member
from xianfeng.teams.models import Team

from . import (
    selectors_applications,
    selectors_duty,
    selectors_pledges,
    selectors_teams,
    services_applications,
    services_duty,
    services_pledges,
    services_teams,
)
from .models import DutyShift, Emergency, EmergencyTeam, FrontLineApplication, Pledge

router = Router(tags=["emergencies"])

API_FIELD = {
    "member": "member_id",
    "emergency": "emergency_id",
    "team": "team_id",
    "leader": "leader_pledge_id",
    "temporary_branch": "temporary_branch_id",
    "pledges": "pledge_ids",
}
DENIED = gettext_lazy("不在您可登记的范围内")
Text = Annotated[str, Field(max_length=5000)]
Note = Annotated[str, Field(max_length=100)]


def _found(queryset, pk, field: str, message: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: [message]})
    return obj


def _emergency(user, pk) -> Emergency:
    return _found(
        scoped(user, Emergency, VIEW).select_related("org"),
        pk,
        "emergency_id",
        _("未找到该应急事件（或不在您的权限范围内）"),
    )


def _member(user, pk, field="member_id") -> Member | None:
    if not pk:
        return None
    return _found(scoped(user, Member, VIEW), pk, field, _("未找到该人员（或不在您的权限范围内）"))


# --- 请战书 ------------------------------------------------------------------------------------


class PledgeOut(Schema):
    id: int
    emergency_id: int
    member_id: int
    member_name: str
    branch_id: int
    branch_name: str
    written_on: datetime.date
    text: str
    willing: str
    status: str
    team_id: int | None

    @staticmethod
    def resolve_member_name(obj):
        return obj.member.name

    @staticmethod
    def resolve_branch_id(obj):
        return obj.member.branch_id

    @staticmethod
    def resolve_branch_name(obj):
        return obj.member.branch.name


class PledgeFilterIn(Schema):
    emergency_id: Id | None = None
    status: Pledge.Status | None = None
    willing: Pledge.Willing | None = None
    branch_id: Id | None = None
    q: Annotated[str, Field(max_length=50)] = ""


class PledgeIn(Schema):
    emergency_id: Id
    text: Text
    willing: Pledge.Willing = Pledge.Willing.ANY
    member_id: Id | None = Field(None, description="代为登记纸质请战书时的党员；不填为本人")
    written_on: Date | None = None
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class PledgeNoteIn(Schema):
    note: Note = ""


@router.get(
    "/pledges/",
    response=list[PledgeOut],
    summary="请战书列表",
    description="调用者范围内的请战书（党员只看到自己的）；筛选：emergency_id、status、willing、branch_id、q（姓名）。",
)
@paginate(Pagination, page_size=100)
def list_pledges(request, filters: Query[PledgeFilterIn]):
    user = request.user
    if not can(user, VIEW, Pledge):
        raise PermissionDenied
    emergency = _emergency(user, filters.emergency_id) if filters.emergency_id else None
    parsed = selectors_pledges.PledgeFilters(
        q=filters.q, status=filters.status or "", willing=filters.willing or "", branch=filters.branch_id
    )
    return selectors_pledges.filtered_pledges(user, emergency, parsed)


@router.get("/pledges/{pledge_id}/", response=PledgeOut, summary="请战书详情")
def get_pledge(request, pledge_id: Id):
    return get_scoped_or_404(request.user, scoped(request.user, Pledge).select_related("member__branch"), pk=pledge_id)


@router.post(
    "/pledges/",
    response={200: PledgeOut, 201: PledgeOut},
    summary="递交请战书",
    description=(
        "党员本人递交（不填 member_id），或支部/党办代为登记纸质请战书。应急事件须在进行中并开放请战书；每名党员"
        "每次事件一份（撤回的除外）；已在其他在编突击队中的党员不能递交。同一客户端编号重复提交返回 200。"
    ),
)
def submit_pledge(request, payload: PledgeIn):
    user = request.user
    if not can(user, CHANGE, Pledge):
        raise PermissionDenied(_("您没有递交请战书的权限"))
    emergency = _emergency(user, payload.emergency_id)
    member = _member(user, payload.member_id) if payload.member_id and not _is_own(user, payload.member_id) else None
    saved = _call(
        services_pledges.pledge_submit,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        text=payload.text,
        willing=payload.willing,
        member=member,
        written_on=payload.written_on,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201 if saved.created else 200, saved.pledge)


def _is_own(user, member_id) -> bool:
    mine = own_member(user)
    return mine is not None and mine.pk == member_id


@router.post(
    "/pledges/{pledge_id}/withdraw/", response=PledgeOut, summary="撤回请战书", description="未编入队伍前可撤回。"
)
def withdraw_pledge(request, pledge_id: Id, payload: PledgeNoteIn):
    pledge = get_scoped_or_404(request.user, Pledge, CHANGE, pk=pledge_id)
    return _call(
        services_pledges.pledge_withdraw,
        names=API_FIELD,
        denied=DENIED,
        acting_user=request.user,
        pledge=pledge,
        reason=payload.note,
    )


@router.post(
    "/pledges/{pledge_id}/decline/",
    response=PledgeOut,
    summary="暂不安排",
    description="只能处理他人的、已提交的请战书。",
)
def decline_pledge(request, pledge_id: Id, payload: PledgeNoteIn):
    pledge = get_scoped_or_404(request.user, Pledge, CHANGE, pk=pledge_id)
    return _call(
        services_pledges.pledge_decline,
        names=API_FIELD,
        denied=DENIED,
        acting_user=request.user,
        pledge=pledge,
        note=payload.note,
    )


# --- 队伍 ----------------------------------------------------------------------------------------


class EmergencyTeamOut(Schema):
    id: int
    emergency_id: int
    team_id: int
    team_name: str
    team_kind: str
    purpose: str
    temporary_branch_id: int | None
    members: int

    @staticmethod
    def resolve_team_name(obj):
        return obj.team.name

    @staticmethod
    def resolve_team_kind(obj):
        return obj.team.kind

    @staticmethod
    def resolve_members(obj):
        return getattr(obj, "size", None) or 0


class TeamFilterIn(Schema):
    emergency_id: Id


class CommandoTeamIn(Schema):
    emergency_id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    pledge_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    leader_pledge_id: Id | None = None
    start_on: Date | None = None
    purpose: Annotated[str, Field(max_length=200)] = ""


class TeamLinkIn(Schema):
    emergency_id: Id
    team_id: Id
    purpose: EmergencyTeam.Purpose
    temporary_branch_id: Id | None = None


class TeamAddIn(Schema):
    pledge_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    start_on: Date | None = None


def _team_out(user, pk) -> EmergencyTeam:
    link = scoped(user, EmergencyTeam).filter(pk=pk).first()
    return selectors_teams.teams_of(user, link.emergency).get(pk=pk)


@router.get(
    "/teams/",
    response=list[EmergencyTeamOut],
    summary="应急队伍",
    description="一个应急事件的突击队、援外医疗队、病区队伍。",
)
def list_teams(request, filters: Query[TeamFilterIn]):
    if not can(request.user, VIEW, EmergencyTeam):
        raise PermissionDenied
    return list(selectors_teams.teams_of(request.user, _emergency(request.user, filters.emergency_id)))


@router.post(
    "/teams/commando/",
    response={201: EmergencyTeamOut},
    summary="从请战书组建突击队",
    description="全部成功或全部不保存；不能编入的请战书以 pledge_<id> 为键返回原因。",
)
def form_commando_team(request, payload: CommandoTeamIn):
    user = request.user
    emergency = _emergency(user, payload.emergency_id)
    pledges = list(scoped(user, Pledge, VIEW).filter(pk__in=payload.pledge_ids))
    missing = set(payload.pledge_ids) - {p.pk for p in pledges}
    if missing:
        raise ValidationError(
            {f"pledge_{pk}": [_("未找到请战书 #%(p)s（或不在您的权限范围内）") % {"p": pk}] for pk in missing}
        )
    leader = None
    if payload.leader_pledge_id:
        leader = next((p for p in pledges if p.pk == payload.leader_pledge_id), None)
        if leader is None:
            raise ValidationError({"leader_pledge_id": [_("队长须从所选请战党员中指定")]})
    link = _call(
        services_teams.commando_team_form,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        name=payload.name,
        pledges=pledges,
        leader=leader,
        start_on=payload.start_on,
        purpose=payload.purpose,
    )
    return Status(201, _team_out(user, link.pk))


@router.post(
    "/teams/",
    response={201: EmergencyTeamOut},
    summary="关联已有队伍",
    description="援外医疗队（须为医疗队）、隔离病区队伍等。",
)
def link_team(request, payload: TeamLinkIn):
    user = request.user
    emergency = _emergency(user, payload.emergency_id)
    team = _found(scoped(user, Team, VIEW), payload.team_id, "team_id", _("未找到该队伍（或不在您的权限范围内）"))
    branch = None
    if payload.temporary_branch_id:
        branch = _found(
            scoped(user, Organization, VIEW),
            payload.temporary_branch_id,
            "temporary_branch_id",
            _("未找到该组织（或不在您的权限范围内）"),
        )
    link = _call(
        services_teams.emergency_team_link,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        team=team,
        purpose=payload.purpose,
        temporary_branch=branch,
    )
    return Status(201, _team_out(user, link.pk))


@router.post("/teams/{emergencyteam_id}/pledges/", response=EmergencyTeamOut, summary="从请战书增补突击队员")
def add_to_team(request, emergencyteam_id: Id, payload: TeamAddIn):
    user = request.user
    link = get_scoped_or_404(user, EmergencyTeam, CHANGE, pk=emergencyteam_id)
    pledges = list(scoped(user, Pledge, VIEW).filter(pk__in=payload.pledge_ids))
    missing = set(payload.pledge_ids) - {p.pk for p in pledges}
    if missing:
        raise ValidationError(
            {f"pledge_{pk}": [_("未找到请战书 #%(p)s（或不在您的权限范围内）") % {"p": pk}] for pk in missing}
        )
    _call(
        services_teams.commando_team_add,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency_team=link,
        pledges=pledges,
        start_on=payload.start_on,
    )
    return _team_out(user, link.pk)


class FamilyOut(Schema):
    household_id: int
    household: str
    staff_member_id: int
    staff_name: str
    pairing_id: int | None
    volunteer_id: int | None
    last_contact_on: datetime.date | None
    next_due_on: datetime.date | None


class VolunteerIn(Schema):
    household_id: Id
    member_id: Id


class FamilyPairIn(Schema):
    member_id: Id | None = Field(None, description="统一帮扶人（逐户未指定时使用）")
    volunteers: Annotated[list[VolunteerIn], Field(max_length=500)] = []
    target_count: Annotated[int, Field(ge=1, le=31)] = 2
    target_period: Annotated[str, Field(pattern="^(week|month)$")] = "week"


def _families(user, link):
    families, _proposals = selectors_teams.families_with_defaults(user, link)
    return [
        {
            "household_id": f.household.pk,
            "household": str(f.household),
            "staff_member_id": f.staff.pk,
            "staff_name": f.staff.name,
            "pairing_id": f.pairing.pk if f.pairing else None,
            "volunteer_id": f.pairing.responsible_member_id if f.pairing else None,
            "last_contact_on": f.pairing.last_visit_on if f.pairing else None,
            "next_due_on": f.pairing.next_due_on if f.pairing else None,
        }
        for f in families
    ]


@router.get(
    "/teams/{emergencyteam_id}/families/",
    response=list[FamilyOut],
    summary="援外医疗队队员家属及结对",
    description="户类别“援鄂医务人员家庭”说明中写有队员姓名或志愿者编号的户，及其结对、最近联系和下次应联系日期。",
)
def list_families(request, emergencyteam_id: Id):
    link = get_scoped_or_404(
        request.user, scoped(request.user, EmergencyTeam).select_related("team", "emergency"), pk=emergencyteam_id
    )
    return _families(request.user, link)


@router.post(
    "/teams/{emergencyteam_id}/families/pair/",
    response=list[FamilyOut],
    summary="一键结对队员家属",
    description=(
        "为尚未结对的每户家属建立结对（默认每周至少联系 2 次）；"
        "任何一户不能结对时全部不结对（原因以 family_<户id> 为键）。"
    ),
)
def pair_families(request, emergencyteam_id: Id, payload: FamilyPairIn):
    user = request.user
    link = get_scoped_or_404(
        user, scoped(user, EmergencyTeam).select_related("team", "emergency"), CHANGE, pk=emergencyteam_id
    )
    if not can(user, CHANGE, Enrollment):
        raise PermissionDenied(_("您没有建立结对的权限"))
    volunteers = {
        v.household_id: _member(user, v.member_id, f"volunteers.{v.household_id}") for v in payload.volunteers
    }
    _call(
        services_teams.emergency_team_pair_families,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency_team=link,
        member=_member(user, payload.member_id),
        volunteers=volunteers,
        target_count=payload.target_count,
        target_period=payload.target_period,
    )
    return _families(user, link)


# --- 排班 ----------------------------------------------------------------------------------------


class DutyShiftOut(Schema):
    id: int
    emergency_id: int
    site_kind: str
    site: str
    member_id: int
    member_name: str
    team_id: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    vehicle: str
    pickup_place: str
    pickup_at: datetime.datetime | None
    note: str
    voided: bool

    @staticmethod
    def resolve_member_name(obj):
        return obj.member.name

    @staticmethod
    def resolve_voided(obj):
        return obj.is_voided


class DutyFilterIn(Schema):
    emergency_id: Id | None = Field(None, description="不填时须 mine=true")
    date_from: Date | None = None
    date_to: Date | None = None
    mine: bool = False


class DutyShiftIn(Schema):
    emergency_id: Id
    site_kind: DutyShift.Site = DutyShift.Site.WARD
    site: Annotated[str, Field(min_length=1, max_length=60)]
    member_id: Id
    team_id: Id | None = None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    vehicle: Annotated[str, Field(max_length=30)] = ""
    pickup_place: Annotated[str, Field(max_length=60)] = ""
    pickup_at: datetime.datetime | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class DutyVoidIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@router.get(
    "/duty-shifts/",
    response=list[DutyShiftOut],
    summary="应急排班",
    description="一个应急事件的有效班次，或 mine=true 时本人今后的班次。",
)
@paginate(Pagination, page_size=200)
def list_shifts(request, filters: Query[DutyFilterIn]):
    user = request.user
    if not can(user, VIEW, DutyShift) and own_member(user) is None:
        raise PermissionDenied
    if filters.mine:
        rows = selectors_duty.my_shifts(user, since=filters.date_from)
    elif filters.emergency_id:
        rows = selectors_duty.shifts_of(user, _emergency(user, filters.emergency_id))
        if filters.date_from:
            rows = rows.filter(starts_at__gte=_day_start(filters.date_from))
    else:
        raise ValidationError({"emergency_id": [_("请指定应急事件，或 mine=true")]})
    if filters.date_to:
        rows = rows.filter(starts_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    return rows


@router.post(
    "/duty-shifts/",
    response={201: DutyShiftOut},
    summary="排班",
    description="结束晚于开始且不超过 24 小时；接送时间早于上岗；同一人时间不能重叠。",
)
def create_shift(request, payload: DutyShiftIn):
    user = request.user
    emergency = _emergency(user, payload.emergency_id)
    team = None
    if payload.team_id:
        team = _found(scoped(user, Team, VIEW), payload.team_id, "team_id", _("未找到该队伍（或不在您的权限范围内）"))
    shift = _call(
        services_duty.duty_shift_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        emergency=emergency,
        site_kind=payload.site_kind,
        site=payload.site,
        member=_member(user, payload.member_id),
        team=team,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        vehicle=payload.vehicle,
        pickup_place=payload.pickup_place,
        pickup_at=payload.pickup_at,
        note=payload.note,
    )
    return Status(201, shift)


@router.post("/duty-shifts/{dutyshift_id}/void/", response=DutyShiftOut, summary="作废班次")
def void_shift(request, dutyshift_id: Id, payload: DutyVoidIn):
    shift = get_scoped_or_404(request.user, DutyShift, CHANGE, pk=dutyshift_id)
    return _call(
        services_duty.duty_shift_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=request.user,
        shift=shift,
        reason=payload.reason,
    )


# --- 火线入党申请 -------------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    emergency_id: int
    member_id: int
    member_name: str
    branch_name: str
    applied_on: datetime.date
    party_stage: str
    next_step: str
    next_due_on: datetime.date | None

    @staticmethod
    def resolve_member_name(obj):
        return obj.member.name

    @staticmethod
    def resolve_branch_name(obj):
        return obj.member.branch.name

    @staticmethod
    def resolve_applied_on(obj):
        return obj.step.on_date

    @staticmethod
    def resolve_party_stage(obj):
        return obj.member.party_stage

    @staticmethod
    def resolve_next_step(obj):
        return obj.member.next_step

    @staticmethod
    def resolve_next_due_on(obj):
        return obj.member.next_due_on


class ApplicationFilterIn(Schema):
    emergency_id: Id


class ApplicationIn(Schema):
    emergency_id: Id
    member_id: Id
    applied_on: Date
    letter: Annotated[str, Field(max_length=10000)] = ""


@router.get(
    "/applications/",
    response=list[ApplicationOut],
    summary="火线入党申请",
    description="申请人、支部、递交日期、当前阶段和下一步期限。",
)
@paginate(Pagination, page_size=100)
def list_applications(request, filters: Query[ApplicationFilterIn]):
    if not can(request.user, VIEW, FrontLineApplication):
        raise PermissionDenied
    return selectors_applications.applications_of(request.user, _emergency(request.user, filters.emergency_id))


@router.post(
    "/applications/",
    response={201: ApplicationOut},
    summary="登记火线入党申请",
    description="为群众登记“递交入党申请书”环节（发展党员流程的规则适用），并标记为本次应急事件中的申请。",
)
def receive_application(request, payload: ApplicationIn):
    user = request.user
    if not can(user, CHANGE, FrontLineApplication):
        raise PermissionDenied(_("您没有登记入党申请的权限"))
    application = _call(
        services_applications.application_receive,
        names={**API_FIELD, "applied_on": "applied_on"},
        denied=DENIED,
        acting_user=user,
        emergency=_emergency(user, payload.emergency_id),
        member=_member(user, payload.member_id),
        applied_on=payload.applied_on,
        letter=payload.letter,
    )
    return Status(201, selectors_applications.applications_of(user, application.emergency).get(pk=application.pk))

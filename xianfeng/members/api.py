"""Members API. Personal data is masked: ID numbers and phones are never sent in clear here."""

import datetime
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404
from xianfeng.api.types import Date, Id, Pagination, WithinDays, unchanged
from xianfeng.orgs.models import Organization

from . import selectors, services
from .models import Member
from .pipeline import Stage, Step

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: datetime.date | None
    id_number_masked: str
    phone_masked: str
    volunteer_no: str
    education: str
    title: str
    department: str
    branch_id: int
    branch_name: str
    category: str
    party_stage: str
    next_step: str
    next_due_on: datetime.date | None

    @staticmethod
    def resolve_branch_name(obj) -> str:
        return obj.branch.name


class StepOut(Schema):
    id: int
    step: str
    on_date: datetime.date
    branch_id: int
    introducers: str
    extension_months: int | None
    note: str


class DueOut(Schema):
    step: str
    label: str
    due_on: datetime.date | None
    earliest_on: datetime.date | None


class MemberDetailOut(MemberOut):
    steps: list[StepOut]
    dues: list[DueOut]


class MemberIn(Schema):
    name: str
    branch_id: Id
    gender: Member.Gender | None = None
    ethnicity: str = "汉族"
    birth_date: Date | None = None
    id_number: str = ""
    phone: str = ""
    education: Member.Education | None = None
    title: str = ""
    department: str = ""
    category: Member.Category = Member.Category.STAFF
    volunteer_no: str = ""
    note: str = ""


class MemberPatch(Schema):
    """Only the fields sent change. null clears birth_date, gender and education; for the other
    fields null is refused with 422 (send "" to clear a text)."""

    name: str = unchanged()
    gender: Member.Gender | None = None
    ethnicity: str = unchanged()
    birth_date: Date | None = None
    id_number: str = unchanged()
    phone: str = unchanged()
    education: Member.Education | None = None
    title: str = unchanged()
    department: str = unchanged()
    category: Member.Category = unchanged()
    volunteer_no: str = unchanged()
    note: str = unchanged()


class StepIn(Schema):
    step: Step
    on_date: Date
    introducers: str = ""
    extension_months: Annotated[int, Field(ge=0, le=32767)] | None = None  # the column's range
    note: str = ""


class TransferIn(Schema):
    to_branch_id: Id
    on_date: Date
    note: str = ""


def _detail(request, member: Member) -> Member:
    member.steps = list(selectors.member_steps(user=request.user, member=member))
    member.dues = selectors.member_dues(member)
    return member


def _blank_choices(data: dict) -> dict:
    """Optional choice fields arrive as null; the model stores them as ""."""
    for name in ("gender", "education"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


@router.get("/", response=list[MemberOut])
@paginate(Pagination, page_size=100)
def list_members(request, q: str = "", branch_id: Id | None = None, stage: Stage | None = None, category: str = ""):
    return selectors.member_list(user=request.user, query=q, branch_id=branch_id, stage=stage or "", category=category)


@router.get("/worklist/", response=list[MemberOut])
@paginate(Pagination, page_size=100)
def worklist(request, branch_id: Id | None = None, within_days: WithinDays | None = None):
    """Members in the party pipeline ordered by their next deadline (overdue first)."""
    return selectors.member_worklist(user=request.user, branch_id=branch_id, within_days=within_days)


@router.get("/{member_id}/", response=MemberDetailOut)
def get_member(request, member_id: Id):
    return _detail(request, get_scoped_or_404(request.user, Member, VIEW, pk=member_id))


@router.post("/", response={201: MemberDetailOut})
def create_member(request, payload: MemberIn):
    data = payload.dict()
    branch = get_scoped_or_404(request.user, Organization, VIEW, pk=data.pop("branch_id"))
    member = services.member_create(acting_user=request.user, branch=branch, **_blank_choices(data))
    return Status(201, _detail(request, member))


@router.patch("/{member_id}/", response=MemberDetailOut)
def update_member(request, member_id: Id, payload: MemberPatch):
    member = get_scoped_or_404(request.user, Member, CHANGE, pk=member_id)
    changes = _blank_choices(payload.dict(exclude_unset=True))
    return _detail(request, services.member_update(acting_user=request.user, member=member, **changes))


@router.post("/{member_id}/steps/", response={201: MemberDetailOut})
def record_step(request, member_id: Id, payload: StepIn):
    member = get_scoped_or_404(request.user, Member, CHANGE, pk=member_id)
    services.party_step_record(acting_user=request.user, member=member, **payload.dict())
    member.refresh_from_db()
    return Status(201, _detail(request, member))


@router.post("/{member_id}/transfer/", response=MemberDetailOut)
def transfer_member(request, member_id: Id, payload: TransferIn):
    member = get_scoped_or_404(request.user, Member, CHANGE, pk=member_id)
    to_branch = get_scoped_or_404(request.user, Organization, VIEW, pk=payload.to_branch_id)
    services.member_transfer(
        acting_user=request.user, member=member, to_branch=to_branch, on_date=payload.on_date, note=payload.note
    )
    member.refresh_from_db()
    return _detail(request, member)

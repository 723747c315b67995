"""Teams, memberships, posts and zones API; members appear by name and public identifier only."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, Pagination, unchanged
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.regions.selectors import regions_by_code

from . import selectors, services
from .models import Post, PostAssignment, Team, TeamMembership, Zone, ZoneAssignment

router = Router(tags=["teams"])


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    owner_org_id: int
    purpose: str
    active_from: datetime.date
    active_to: datetime.date | None


class TeamIn(Schema):
    name: str
    kind: Team.Kind
    owner_org_id: Id
    custom_kind: str = ""
    purpose: str = ""
    active_from: Date | None = None


class TeamPatch(Schema):
    """Only the fields sent change; null is refused (send "" to clear a text)."""

    name: str = unchanged()
    kind: Team.Kind = unchanged()
    custom_kind: str = unchanged()
    purpose: str = unchanged()
    active_from: Date = unchanged()


class MembershipOut(Schema):
    id: int
    team_id: int
    member_id: int
    member_name: str
    member_public_id: str
    role: str
    start_on: datetime.date
    end_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_member_public_id(obj) -> str:
        return obj.member.public_id


class MembershipIn(Schema):
    member_id: Id
    role: TeamMembership.Role = TeamMembership.Role.MEMBER
    start_on: Date
    end_on: Date | None = None


class EndIn(Schema):
    end_on: Date
    reason: str = ""


class Joining(Schema):
    member_id: Id
    role: TeamMembership.Role = TeamMembership.Role.MEMBER


class RotateIn(Schema):
    on_date: Date
    leaving: list[Id] | None = None  # membership ids; null = everyone current
    joining: list[Joining] = []
    reason: str = ""


class PlaceOut(Schema):
    id: int
    name: str
    owner_org_id: int
    active_from: datetime.date
    active_to: datetime.date | None


class ZoneOut(PlaceOut):
    regions: list[str]
    departments: list[int]

    @staticmethod
    def resolve_regions(obj) -> list[str]:
        return [r.code for r in obj.regions.all()]

    @staticmethod
    def resolve_departments(obj) -> list[int]:
        return [d.pk for d in obj.departments.all()]


class PostIn(Schema):
    name: str
    owner_org_id: Id
    location: str = ""
    duties: str = ""
    active_from: Date | None = None


class ZoneIn(Schema):
    name: str
    owner_org_id: Id
    regions: list[str] = []
    departments: list[Id] = []
    description: str = ""
    active_from: Date | None = None


class AssignIn(Schema):
    member_id: Id
    start_on: Date
    note: str = ""


class AssignmentOut(Schema):
    id: int
    member_id: int
    member_name: str
    start_on: datetime.date
    end_on: datetime.date | None
    note: str

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name


def _org(request, org_id: Id) -> Organization:
    return get_scoped_or_404(request.user, Organization, VIEW, pk=org_id)


def _member(request, member_id: Id) -> Member:
    return get_scoped_or_404(request.user, Member, VIEW, pk=member_id)


@router.get("/", response=list[TeamOut])
@paginate(Pagination, page_size=100)
def list_teams(request, q: str = "", kind: str = "", include_dissolved: bool = False):
    return selectors.team_list(user=request.user, query=q, kind=kind, include_dissolved=include_dissolved)


@router.post("/", response={201: TeamOut})
def create_team(request, payload: TeamIn):
    data = payload.dict()
    owner_org = _org(request, data.pop("owner_org_id"))
    return Status(201, services.team_create(acting_user=request.user, owner_org=owner_org, **data))


@router.get("/memberships/", response=list[MembershipOut])
@paginate(Pagination, page_size=200)
def list_memberships(request, team_id: Id | None = None, member_id: Id | None = None, on: Date | None = None):
    qs = scoped(request.user, TeamMembership, VIEW).select_related("member")
    if team_id:
        qs = qs.filter(team_id=team_id)
    if member_id:
        qs = qs.filter(member_id=member_id)
    if on:
        qs = qs.filter(selectors.on_date_q(on))
    return qs.order_by("team_id", "start_on", "id")


@router.post("/memberships/{membership_id}/end/", response=MembershipOut)
def end_membership(request, membership_id: Id, payload: EndIn):
    membership = get_scoped_or_404(request.user, TeamMembership, CHANGE, pk=membership_id)
    return services.membership_end(acting_user=request.user, membership=membership, **payload.dict())


@router.get("/posts/", response=list[PlaceOut])
@paginate(Pagination, page_size=100)
def list_posts(request, q: str = ""):
    return selectors.post_list(user=request.user, query=q)


@router.post("/posts/", response={201: PlaceOut})
def create_post(request, payload: PostIn):
    data = payload.dict()
    owner_org = _org(request, data.pop("owner_org_id"))
    return Status(201, services.post_create(acting_user=request.user, owner_org=owner_org, **data))


@router.get("/posts/{post_id}/assignments/", response=list[AssignmentOut])
def post_assignments(request, post_id: Id):
    post = get_scoped_or_404(request.user, Post, VIEW, pk=post_id)
    return scoped(request.user, PostAssignment, VIEW).filter(post=post).select_related("member")


@router.post("/posts/{post_id}/assign/", response={201: AssignmentOut})
def assign_post(request, post_id: Id, payload: AssignIn):
    post = get_scoped_or_404(request.user, Post, CHANGE, pk=post_id)
    member = _member(request, payload.member_id)
    return Status(
        201,
        services.post_assign(
            acting_user=request.user, post=post, member=member, start_on=payload.start_on, note=payload.note
        ),
    )


@router.get("/zones/", response=list[ZoneOut])
@paginate(Pagination, page_size=100)
def list_zones(request, q: str = ""):
    return selectors.zone_list(user=request.user, query=q).prefetch_related("departments")


@router.post("/zones/", response={201: ZoneOut})
def create_zone(request, payload: ZoneIn):
    data = payload.dict()
    owner_org = _org(request, data.pop("owner_org_id"))
    regions, missing = regions_by_code(data.pop("regions"))
    if missing:
        raise ValidationError({"regions": [f"unknown region code {c}" for c in missing]})
    departments = list(scoped(request.user, Organization, VIEW).filter(pk__in=data.pop("departments")))
    return Status(
        201,
        services.zone_create(
            acting_user=request.user, owner_org=owner_org, regions=regions, departments=departments, **data
        ),
    )


@router.get("/zones/{zone_id}/assignments/", response=list[AssignmentOut])
def zone_assignments(request, zone_id: Id):
    zone = get_scoped_or_404(request.user, Zone, VIEW, pk=zone_id)
    return scoped(request.user, ZoneAssignment, VIEW).filter(zone=zone).select_related("member")


@router.post("/zones/{zone_id}/assign/", response={201: AssignmentOut})
def assign_zone(request, zone_id: Id, payload: AssignIn):
    zone = get_scoped_or_404(request.user, Zone, CHANGE, pk=zone_id)
    member = _member(request, payload.member_id)
    return Status(
        201,
        services.zone_assign(
            acting_user=request.user, zone=zone, member=member, start_on=payload.start_on, note=payload.note
        ),
    )


@router.get("/{team_id}/", response=TeamOut)
def get_team(request, team_id: Id):
    return get_scoped_or_404(request.user, Team, VIEW, pk=team_id)


@router.patch("/{team_id}/", response=TeamOut)
def update_team(request, team_id: Id, payload: TeamPatch):
    team = get_scoped_or_404(request.user, Team, CHANGE, pk=team_id)
    return services.team_update(acting_user=request.user, team=team, **payload.dict(exclude_unset=True))


@router.get("/{team_id}/roster/", response=list[MembershipOut])
def roster(request, team_id: Id, on: Date | None = None):
    """Who was in the team on ``on`` (default today)."""
    team = get_scoped_or_404(request.user, Team, VIEW, pk=team_id)
    return selectors.team_roster(user=request.user, team=team, on_date=on)


@router.post("/{team_id}/memberships/", response={201: MembershipOut})
def add_membership(request, team_id: Id, payload: MembershipIn):
    team = get_scoped_or_404(request.user, Team, CHANGE, pk=team_id)
    data = payload.dict()
    member = _member(request, data.pop("member_id"))
    return Status(201, services.membership_add(acting_user=request.user, team=team, member=member, **data))


@router.post("/{team_id}/rotate/", response=list[MembershipOut])
def rotate(request, team_id: Id, payload: RotateIn):
    """End the leaving memberships the day before ``on_date`` and start the joining ones on it."""
    team = get_scoped_or_404(request.user, Team, CHANGE, pk=team_id)
    leaving = None
    if payload.leaving is not None:
        leaving = list(team.memberships.filter(pk__in=payload.leaving))
        if len(leaving) != len(set(payload.leaving)):
            raise ValidationError({"leaving": ["unknown membership id for this team"]})
    joining = [(_member(request, j.member_id), j.role) for j in payload.joining]
    services.team_rotate(
        acting_user=request.user,
        team=team,
        on_date=payload.on_date,
        leaving=leaving,
        joining=joining,
        reason=payload.reason,
    )
    return selectors.team_roster(user=request.user, team=team, on_date=payload.on_date)

import datetime

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, get_scoped_or_404
from xianfeng.api.types import Date, Id, Pagination, unchanged
from xianfeng.regions.models import Region
from xianfeng.regions.selectors import regions_by_code

from . import selectors, services
from .models import Organization

router = Router(tags=["orgs"])


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    path: str
    active_from: datetime.date
    active_to: datetime.date | None
    regions: list[str]

    @staticmethod
    def resolve_regions(obj) -> list[str]:
        return [r.code for r in obj.regions.all()]


class OrgIn(Schema):
    name: str
    kind: Organization.Kind
    parent_id: Id | None = None
    short_name: str = ""
    active_from: Date | None = None
    description: str = ""
    regions: list[str] = []


class OrgPatch(Schema):
    """Only the fields sent change; null is refused except for regions (null = unchanged)."""

    name: str = unchanged()
    short_name: str = unchanged()
    kind: Organization.Kind = unchanged()
    description: str = unchanged()
    regions: list[str] | None = None


class MoveIn(Schema):
    parent_id: Id | None


class DissolveIn(Schema):
    on_date: Date
    reason: str


def _regions(codes: list[str]) -> list[Region]:
    regions, missing = regions_by_code(codes)
    if missing:
        raise ValidationError({"regions": [f"unknown region code {c}" for c in missing]})
    return regions


def _parent(request, parent_id: Id | None) -> Organization | None:
    if parent_id is None:
        return None
    return get_scoped_or_404(request.user, Organization, VIEW, pk=parent_id)


@router.get("/", response=list[OrgOut])
@paginate(Pagination, page_size=100)
def list_orgs(request, q: str = "", kind: str = "", include_dissolved: bool = False):
    return selectors.org_list(
        user=request.user, query=q, kind=kind, include_dissolved=include_dissolved
    ).prefetch_related("regions")


@router.get("/{org_id}/", response=OrgOut)
def get_org(request, org_id: Id):
    return get_scoped_or_404(request.user, Organization, VIEW, pk=org_id)


@router.post("/", response={201: OrgOut})
def create_org(request, payload: OrgIn):
    org = services.org_create(
        acting_user=request.user,
        name=payload.name,
        kind=payload.kind,
        parent=_parent(request, payload.parent_id),
        short_name=payload.short_name,
        active_from=payload.active_from,
        description=payload.description,
        regions=_regions(payload.regions),
    )
    return Status(201, org)


@router.patch("/{org_id}/", response=OrgOut)
def update_org(request, org_id: Id, payload: OrgPatch):
    org = get_scoped_or_404(request.user, Organization, CHANGE, pk=org_id)
    changes = payload.dict(exclude_unset=True, exclude={"regions"})
    regions = _regions(payload.regions) if payload.regions is not None else None
    return services.org_update(acting_user=request.user, org=org, regions=regions, **changes)


@router.post("/{org_id}/move/", response=OrgOut)
def move_org(request, org_id: Id, payload: MoveIn):
    org = get_scoped_or_404(request.user, Organization, CHANGE, pk=org_id)
    return services.org_move(acting_user=request.user, org=org, new_parent=_parent(request, payload.parent_id))


@router.post("/{org_id}/dissolve/", response=OrgOut)
def dissolve_org(request, org_id: Id, payload: DissolveIn):
    org = get_scoped_or_404(request.user, Organization, CHANGE, pk=org_id)
    return services.org_dissolve(acting_user=request.user, org=org, on_date=payload.on_date, reason=payload.reason)

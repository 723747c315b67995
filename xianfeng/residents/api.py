"""Residents and households over the API: scoped like the pages, personal data masked;
``POST …/reveal/`` with a reason returns it in full and writes AccessLog."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.personal import personal_reveal
from xianfeng.accounts.scoping import CHANGE, REVEAL, VIEW, get_scoped_or_404
from xianfeng.api.types import Date, Id, Pagination, unchanged
from xianfeng.regions.models import Region

from . import selectors, services
from .importing import VillageResolver
from .models import Household, Resident

router = Router(tags=["residents"])
household_router = Router(tags=["households"])


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: datetime.date | None
    id_number_masked: str
    id_missing: bool
    phone_masked: str
    village: str
    address: str
    household_id: int | None
    relation: str
    tags: list[str]
    deceased_on: datetime.date | None

    @staticmethod
    def resolve_village(obj) -> str:
        return obj.village_id

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        # Health groups only where selectors marked the resident health_visible for the caller.
        return obj.active_tags()


class ResidentIn(Schema):
    name: str
    village: str  # 12-digit code or a village name within the caller's scope
    id_number: str = ""
    gender: str = ""
    birth_date: Date | None = None
    phone: str = ""
    address: str = ""
    household_id: Id | None = None
    relation: str = ""
    note: str = ""


class ResidentPatch(Schema):
    """Only the fields sent change. null clears birth_date, deceased_on and household_id; for the
    other fields null is refused with 422 (send "" to clear a text)."""

    name: str = unchanged()
    village: str = unchanged()
    id_number: str = unchanged()
    gender: str = unchanged()
    birth_date: Date | None = None
    phone: str = unchanged()
    address: str = unchanged()
    household_id: Id | None = None
    relation: str = unchanged()
    deceased_on: Date | None = None
    note: str = unchanged()


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    id: int
    values: dict[str, str]


class HouseholdOut(Schema):
    id: int
    number: str
    head_id: int | None
    head_name: str
    village: str
    address: str
    phone_masked: str
    tags: list[str]
    member_ids: list[int]

    @staticmethod
    def resolve_head_name(obj) -> str:
        return obj.head.name if obj.head_id else ""

    @staticmethod
    def resolve_village(obj) -> str:
        return obj.village_id

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return obj.active_tags()

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return [m.pk for m in obj.members.all() if m.merged_into_id is None]


class ListFilters(Schema):
    q: str = ""
    region: str = ""
    tag: list[str] = []
    missing_id: bool = False


def _village(request, text: str) -> Region:
    code, message = VillageResolver(selectors.change_region_prefixes(request.user)).resolve(text)
    if message:
        raise ValidationError({"village": [message]})
    return selectors.village_by_code(code)


def _fields(request, data: dict) -> dict:
    if "village" in data:
        data["village"] = _village(request, data["village"])
    if "household_id" in data:
        household_id = data.pop("household_id")
        data["household"] = (
            get_scoped_or_404(request.user, Household, CHANGE, pk=household_id) if household_id else None
        )
    return data


@router.get("/", response=list[ResidentOut])
@paginate(Pagination, page_size=100)
def list_residents(request, filters: Query[ListFilters]):
    return selectors.resident_list(
        user=request.user, query=filters.q, region=filters.region, tags=filters.tag, missing_id=filters.missing_id
    )


@router.get("/{resident_id}/", response=ResidentOut)
def get_resident(request, resident_id: Id):
    resident = get_scoped_or_404(request.user, Resident, VIEW, pk=resident_id)
    return selectors.mark_health_visibility(user=request.user, resident=resident)


@router.post("/", response={201: ResidentOut})
def create_resident(request, payload: ResidentIn):
    data = _fields(request, payload.dict())
    resident = services.resident_create(acting_user=request.user, **data)
    return Status(201, selectors.mark_health_visibility(user=request.user, resident=resident))


@router.patch("/{resident_id}/", response=ResidentOut)
def update_resident(request, resident_id: Id, payload: ResidentPatch):
    resident = get_scoped_or_404(request.user, Resident, CHANGE, pk=resident_id)
    data = _fields(request, payload.dict(exclude_unset=True))
    resident = services.resident_update(acting_user=request.user, resident=resident, **data)
    return selectors.mark_health_visibility(user=request.user, resident=resident)


@router.post("/{resident_id}/reveal/", response=RevealOut)
def reveal_resident(request, resident_id: Id, payload: RevealIn):
    resident = get_scoped_or_404(request.user, Resident, REVEAL, pk=resident_id)
    values = personal_reveal(
        acting_user=request.user, obj=resident, fields=["id_number", "phone"], reason=payload.reason
    )
    return {"id": resident.pk, "values": values}


@household_router.get("/", response=list[HouseholdOut])
@paginate(Pagination, page_size=100)
def list_households(request, filters: Query[ListFilters]):
    return selectors.household_list(
        user=request.user, query=filters.q, region=filters.region, tags=filters.tag
    ).prefetch_related(selectors.household_member_ids())


@household_router.get("/{household_id}/", response=HouseholdOut)
def get_household(request, household_id: Id):
    return get_scoped_or_404(request.user, Household, VIEW, pk=household_id)


@household_router.post("/{household_id}/reveal/", response=RevealOut)
def reveal_household(request, household_id: Id, payload: RevealIn):
    household = get_scoped_or_404(request.user, Household, REVEAL, pk=household_id)
    values = personal_reveal(acting_user=request.user, obj=household, fields=["phone"], reason=payload.reason)
    return {"id": household.pk, "values": values}

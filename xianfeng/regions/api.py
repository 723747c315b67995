from ninja import Router, Schema
from ninja.pagination import paginate

from xianfeng.accounts.scoping import VIEW, get_scoped_or_404
from xianfeng.api.types import Pagination

from . import selectors
from .models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    population: int | None


@router.get("/", response=list[RegionOut])
@paginate(Pagination, page_size=100)
def list_regions(request, q: str = "", level: str = "", within: str = ""):
    """Search by name (Simplified, Traditional, pinyin initials) or code prefix."""
    return selectors.region_search(user=request.user, query=q, level=level, within=within)


@router.get("/{code}/", response=RegionOut)
def get_region(request, code: str):
    return get_scoped_or_404(request.user, Region, VIEW, pk=code)


@router.get("/{code}/children/", response=list[RegionOut])
def region_children(request, code: str):
    region = get_scoped_or_404(request.user, Region, VIEW, pk=code)
    return list(selectors.region_children(user=request.user, region=region))

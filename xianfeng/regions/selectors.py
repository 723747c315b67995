from django.db.models import Q, QuerySet

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.text import looks_like_initials, normalize_name

from .models import Region


def region_search(*, user, query: str = "", level: str = "", within: str = "") -> QuerySet:
    """Regions by name (Simplified, Traditional or pinyin initials) or code prefix."""
    qs = scoped(user, Region, VIEW)
    if within:
        qs = qs.filter(code__startswith=within)
    if level:
        qs = qs.filter(level=level)
    query = query.strip()
    if query:
        if query.isdigit():
            qs = qs.filter(code__startswith=query)
        else:
            match = Q(name_norm__contains=normalize_name(query))
            if looks_like_initials(query):
                match |= Q(name_initials__startswith=query.lower())
            qs = qs.filter(match)
    return qs.order_by("code")


def region_children(*, user, region: Region) -> QuerySet:
    """Direct children: the next level down whose codes start with this code."""
    levels = Region.Level.values  # province, city, county, township, village
    position = levels.index(region.level)
    if position == len(levels) - 1:
        return Region.objects.none()
    return scoped(user, Region, VIEW).filter(code__startswith=region.code, level=levels[position + 1]).order_by("code")


def regions_by_code(codes: list[str]) -> tuple[list[Region], list[str]]:
    """The regions named by ``codes`` in the given order, and the codes that name none."""
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]

"""Reads of the registry. Every selector starts from ``scoped()``."""

import re

from django.db.models import BooleanField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from xianfeng.accounts.personal import exact_lookup
from xianfeng.accounts.roles import HEALTH, Scope, role_allows
from xianfeng.accounts.scoping import CHANGE, VIEW, active_grants, can, scoped, served_region_codes
from xianfeng.core.idnumber import IdNumberError, normalize_id_number, parse_id_number
from xianfeng.core.text import looks_like_initials, normalize_name, to_halfwidth
from xianfeng.core.widgets import first_matches, prefix_q
from xianfeng.regions.models import Region

from .models import (
    HEALTH_TAGS,
    Household,
    HouseholdTag,
    HouseholdTagKind,
    Resident,
    ResidentTag,
    ResidentTagKind,
    _active_q,
    elderly_born_before,
)
from .validators import normalize_phone

_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dX]$")
_PHONE_LIKE = re.compile(r"^\d{7,12}$")


def id_value(raw: str) -> str:
    """An ID number typed in any accepted form, as stored (15 digits converted to 18)."""
    try:
        return parse_id_number(raw).value
    except IdNumberError:
        return normalize_id_number(raw)


def id_lookup(raw: str) -> str:
    """The blind index of an ID number (for services and tests; searches use search_q)."""
    return Resident._meta.get_field("id_number_index").lookup_value(id_value(raw))


def search_q(query: str, model=Resident, *, user) -> Q:
    """Exact ID or phone through the blind index (logged and rate-limited by
    accounts.personal.exact_lookup); otherwise the name (简/繁) or pinyin initials.

    Raises ExactSearchLimited when the user has used up this hour's exact searches.
    """
    text = to_halfwidth(query).strip()
    compact = text.replace(" ", "").replace("-", "").upper()
    if model is Resident and _ID_LIKE.match(compact):
        index = exact_lookup(acting_user=user, model=Resident, field="id_number", value=id_value(compact))
        return Q(id_number_index=index)
    if _PHONE_LIKE.match(compact) or compact.startswith("+86"):
        index = exact_lookup(acting_user=user, model=model, field="phone", value=normalize_phone(compact))
        return Q(phone_index=index)
    if model is Household:
        q = Q(number=text) | Q(head__name_norm__contains=normalize_name(text))
        if looks_like_initials(text):
            q |= Q(head__name_initials__startswith=text.lower())
        return q
    q = Q(name_norm__contains=normalize_name(text))
    if looks_like_initials(text):
        q |= Q(name_initials__startswith=text.lower())
    return q


def with_health_visibility(qs: QuerySet, user) -> QuerySet:
    """Residents annotated with ``health_visible``: whether ``user`` may see their health tags
    (within scoped(user, Resident, "health"))."""
    if not can(user, HEALTH, Resident):
        return qs.annotate(health_visible=Value(False, output_field=BooleanField()))
    return qs.annotate(health_visible=Exists(scoped(user, Resident, HEALTH).filter(pk=OuterRef("pk"))))


def mark_health_visibility(*, user, resident: Resident) -> Resident:
    """Set ``resident.health_visible`` for one resident already read (detail pages, API)."""
    resident.health_visible = can(user, HEALTH, Resident) and (
        scoped(user, Resident, HEALTH).filter(pk=resident.pk).exists()
    )
    return resident


def health_tags_allowed(user) -> bool:
    """Whether ``user`` sees health tags anywhere (to offer them as filters and choices)."""
    return can(user, HEALTH, Resident)


def tag_filter_choices(*, user) -> list[tuple[str, str]]:
    """Resident and household categories to filter lists by; health ones only with the right."""
    health = health_tags_allowed(user)
    return [
        *[c for c in ResidentTagKind.choices if health or c[0] not in HEALTH_TAGS],
        *HouseholdTagKind.choices,
    ]


def resident_tags(*, user, resident: Resident) -> QuerySet:
    """A resident's tag rows (history included) that ``user`` may see."""
    mark_health_visibility(user=user, resident=resident)
    qs = resident.tags.select_related("created_by")
    return qs if resident.health_visible else qs.exclude(tag__in=HEALTH_TAGS)


def resident_tag_q(tags, on=None) -> Q:
    """Residents in all the given special groups today (65岁以上 from the birth date, 户 tags via the household)."""
    on = on or timezone.localdate()
    q = Q()
    for tag in tags:
        if tag == ResidentTagKind.ELDERLY:
            q &= Q(birth_date__lte=elderly_born_before(on))
        elif tag in ResidentTagKind.values:
            active = ResidentTag.objects.filter(_active_q(on), resident=OuterRef("pk"), tag=tag)
            q &= Q(Exists(active))
        elif tag in HouseholdTagKind.values:
            active = HouseholdTag.objects.filter(_active_q(on), household=OuterRef("household_id"), tag=tag)
            q &= Q(Exists(active))
    return q


def resident_list(
    *, user, query: str = "", region: str = "", tags=(), missing_id: bool = False, action: str = VIEW
) -> QuerySet:
    qs = scoped(user, Resident, action).filter(merged_into__isnull=True)
    if query.strip():
        qs = qs.filter(search_q(query, user=user))
    if region.strip():
        qs = qs.filter(village__code__startswith=region.strip())
    if tags:
        if any(tag in HEALTH_TAGS for tag in tags):
            # Filtering by a health group is reading health data: only where the user may.
            qs = scoped(user, qs, HEALTH)
        qs = qs.filter(resident_tag_q(tags))
    if missing_id:
        qs = qs.filter(id_number_index="")
    qs = with_health_visibility(qs, user)
    return qs.select_related("village", "household").prefetch_related("tags").order_by("village_id", "name_norm", "id")


_household_member_counts = (
    Resident.objects.filter(household=OuterRef("pk"), merged_into__isnull=True)
    .order_by()
    .values("household")
    .annotate(n=Count("pk"))
    .values("n")
)


def household_member_ids() -> Prefetch:
    """A household's members with only what an id list reads (``members`` prefetched whole
    cost a model and two decryptions per resident: half of the households API, issue 8)."""
    return Prefetch("members", queryset=Resident.objects.only("pk", "household_id", "merged_into_id"))


def household_list(*, user, query: str = "", region: str = "", tags=()) -> QuerySet:
    qs = scoped(user, Household, VIEW)
    if query.strip():
        qs = qs.filter(search_q(query, Household, user=user))
    if region.strip():
        qs = qs.filter(village__code__startswith=region.strip())
    on = timezone.localdate()
    for tag in tags:
        if tag in HouseholdTagKind.values:
            qs = qs.filter(Exists(HouseholdTag.objects.filter(_active_q(on), household=OuterRef("pk"), tag=tag)))
    return (
        qs.select_related("village", "head")
        .prefetch_related("tags")
        # A correlated subquery, computed for the page's rows only: a JOIN + GROUP BY made
        # PostgreSQL aggregate every household in scope on each page view (55 ms for 30 000).
        .annotate(member_count=Coalesce(Subquery(_household_member_counts), Value(0)))
        .order_by("village_id", "number", "id")
    )


def household_members(*, user, household: Household) -> QuerySet:
    members = household.members.filter(merged_into__isnull=True).prefetch_related("tags")
    return with_health_visibility(scoped(user, members, VIEW), user).order_by("-relation", "birth_date")


def household_choices(*, user, village_code: str | None = None) -> QuerySet:
    qs = scoped(user, Household, CHANGE).select_related("head")
    if village_code:
        qs = qs.filter(village_id=village_code)
    return qs.order_by("village_id", "number", "id")


def duplicate_groups(*, user, limit: int = 100) -> list[list[Resident]]:
    """Possible duplicates: same normalized name, birth date and village, at most one with an ID number."""
    base = scoped(user, Resident, CHANGE).filter(merged_into__isnull=True)
    keys = (
        base.exclude(name_norm="")
        .values("name_norm", "birth_date", "village_id")
        .annotate(n=Count("id"), with_id=Count("id", filter=~Q(id_number_index="")))
        .filter(n__gt=1, with_id__lte=1)
        .order_by("village_id", "name_norm")[:limit]
    )
    groups = []
    for key in keys:
        members = list(
            base.filter(name_norm=key["name_norm"], birth_date=key["birth_date"], village_id=key["village_id"])
            .select_related("village", "household")
            .order_by("id_number_index", "id")
        )
        members.sort(key=lambda r: (r.id_missing, r.pk))  # the record with an ID first: it is kept
        groups.append(members)
    return groups


def possible_duplicates(*, user, resident: Resident) -> QuerySet:
    return (
        scoped(user, Resident, VIEW)
        .filter(
            merged_into__isnull=True,
            name_norm=resident.name_norm,
            birth_date=resident.birth_date,
            village_id=resident.village_id,
        )
        .exclude(pk=resident.pk)
    )


def change_region_prefixes(user, action: str = CHANGE) -> list[str] | None:
    """Region-code prefixes where ``user`` may create or change (``action``) residents; None means everywhere.

    Mirrors the scoping of Resident (village code for region grants, served regions for org
    grants) so an import can check villages without a query per row.
    """
    if user.is_superuser:
        return None
    prefixes: set[str] = set()
    for grant in active_grants(user):
        if not role_allows(grant.role, f"residents.{action}"):
            continue
        if grant.scope in (Scope.ALL, Scope.SELF):  # 仅本人: the rows they create are theirs
            return None
        if grant.scope == Scope.REGION:
            prefixes.update(grant.region_prefix_list)
        elif grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and grant.org_id:
            prefixes.update(served_region_codes(grant.org, grant.scope == Scope.ORG_SUBTREE))
    return sorted(prefixes)


def village_choices(*, user) -> QuerySet:
    """Villages (12-digit regions) where the user may register residents."""
    qs = Region.objects.filter(level=Region.Level.VILLAGE)
    prefixes = change_region_prefixes(user)
    if prefixes is None:
        return qs
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(code__startswith=prefix)
    return qs.filter(q)


def township_choices(*, user) -> QuerySet:
    """Townships to filter lists by: those within (or containing) the regions the user may view."""
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP)
    prefixes = change_region_prefixes(user, VIEW)
    if prefixes is None:
        return qs.order_by("code")[:500]
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(code__startswith=prefix) | Q(code=prefix[:9])
    return qs.filter(q).order_by("code")


def merged_into_visible(*, user, resident: Resident) -> Resident | None:
    """The record a merged duplicate went into, only if ``user`` may view it (else None: the
    page then says only that it was merged into a record outside their scope)."""
    if not resident.merged_into_id:
        return None
    return scoped(user, Resident, VIEW).filter(pk=resident.merged_into_id).first()


def visible_resident_ids(*, user, ids) -> set[int]:
    """Which of ``ids`` the user may view (to name or link other residents on a page)."""
    return set(scoped(user, Resident, VIEW).filter(pk__in=list(ids)).values_list("pk", flat=True))


def village_by_code(code: str) -> Region:
    """A village a resolver (VillageResolver, within the user's prefixes) has already accepted;
    regions are reference data everyone may view."""
    return Region.objects.get(pk=code)


def resident_autocomplete(*, user, query: str, action: str = VIEW) -> list[Resident]:
    """At most 20 residents in scope for a picker: name prefix (简/繁), pinyin initials or the
    last four phone digits, one bounded query per key along an index (fast with 1 000 000 rows)."""
    text = to_halfwidth(query).strip()
    if not text:
        return []
    base = scoped(user, Resident, action).filter(merged_into__isnull=True).select_related("village")
    queries = []
    name = normalize_name(text)
    if name:
        queries.append(base.filter(prefix_q("name_norm", name)).order_by("name_norm", "birth_date", "village_id"))
    if looks_like_initials(text):
        queries.append(base.filter(prefix_q("name_initials", text.lower())).order_by("name_initials"))
    compact = text.replace(" ", "")
    if compact.isdigit() and len(compact) == 4:
        # The exclude() repeats the partial index's condition so SQLite uses that index too.
        queries.append(base.filter(phone_last4=compact).exclude(phone_last4="").order_by("phone_last4"))
    return first_matches(queries)


def resident_picker_label(resident: Resident) -> str:
    """Name, village, birth year and masked phone: no part of the ID number (DESIGN §3)."""
    parts = [resident.name, resident.village.name]
    if resident.birth_date:
        parts.append(gettext("%(year)s年生") % {"year": resident.birth_date.year})
    if resident.phone:
        parts.append(resident.phone_masked)
    return " · ".join(parts)


def household_autocomplete(*, user, query: str, action: str = CHANGE) -> list[Household]:
    """At most 20 households in scope for a picker: number prefix, or the head's name or initials."""
    text = to_halfwidth(query).strip()
    if not text:
        return []
    base = scoped(user, Household, action).select_related("head", "village")
    queries = [base.filter(prefix_q("number", text)).order_by("number")]
    name = normalize_name(text)
    if name:
        queries.append(base.filter(prefix_q("head__name_norm", name)).order_by("head__name_norm"))
    if looks_like_initials(text):
        queries.append(base.filter(prefix_q("head__name_initials", text.lower())).order_by("head__name_initials"))
    return first_matches(queries)


def household_picker_label(household: Household) -> str:
    parts = [str(household), household.village.name]
    if household.number:
        parts.append(household.number)
    return " · ".join(dict.fromkeys(parts))

"""Which residents and households a phone keeps (issue 14 §2: only what the user's scope and
current work need), and how each is written into the snapshot.

Priority, de-duplicated, capped at settings.OFFLINE_MAX_RESIDENTS, every step through
``scoped(user, Resident)``:

1. the subjects of the user's worklist (the enrollments they or their teams answer for);
2. residents the user served (as provider or as the one who recorded it) in the last 180 days;
3. the other members of the households of (1) and (2) (a visit often meets the family);
4. residents of the villages of the user's recent activities and of the 责任区 assigned to them
   or to their teammates, newest first.

A resident carries no tag at all, an ID number masked to its first four digits and a phone to
3 + 4 digits (core/masking.py): the snapshot shows an age, never the birth date, so nothing
beside the masked number rebuilds it. Queries: a fixed number whatever the count of residents.
"""

import datetime
from functools import lru_cache

import opencc
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from pypinyin import lazy_pinyin

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.masking import mask_id_number, mask_phone
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.models import RecordProvider, ServiceRecord
from xianfeng.teams.models import Zone, ZoneAssignment

SERVED_DAYS = 180
# Records read to find the residents served: enough for a very busy volunteer's half-year
# (several per resident), bounded whatever happens.
SERVED_ROWS_FACTOR = 5


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def search_key(name: str, initials: str = "") -> str:
    """ "张三" -> "张三 張三 zs zhangsan": the name, its Traditional form, pinyin initials and
    full pinyin, lower case, space-separated (the phone's picker matches any of them)."""
    name = (name or "").strip()
    if not name:
        return ""
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isalnum()]
    initials = initials or "".join(s[0] for s in syllables)
    parts = [name, _s2t().convert(name), initials, "".join(syllables)]
    return " ".join(dict.fromkeys(p.lower() for p in parts if p))


def _add(ordered: dict[int, None], ids, cap: int) -> None:
    for pk in ids:
        if len(ordered) >= cap:
            return
        if pk is not None:
            ordered.setdefault(pk, None)


def _living(user):
    return scoped(user, Resident, VIEW).filter(merged_into__isnull=True)


def _served(user, member, today: datetime.date, cap: int) -> tuple[list[int], list[int]]:
    """(resident ids, household ids) the user served lately, most recent first."""
    since = today - datetime.timedelta(days=SERVED_DAYS)
    mine = Q(created_by=user)
    if member is not None:
        mine |= Q(pk__in=RecordProvider.objects.filter(member=member, served_on__gte=since).values("record_id"))
    rows = (
        scoped(user, ServiceRecord, VIEW)
        .filter(mine, voided_at__isnull=True, served_on__gte=since)
        .filter(Q(resident__isnull=False) | Q(household__isnull=False))
        .order_by("-served_on", "-id")
        .values_list("resident_id", "household_id")[: cap * SERVED_ROWS_FACTOR]
    )
    residents, households = [], []
    for resident_id, household_id in rows:
        if resident_id:
            residents.append(resident_id)
        if household_id:
            households.append(household_id)
    return residents, households


def _places(user, member, team_ids, activities) -> list[str]:
    """Region codes (village, or a wider prefix) of recent activities and of assigned 责任区."""
    codes = {a.village_code or a.township_code for a in activities} - {""}
    if member is not None:
        on = timezone.localdate()
        current = Q(end_on__isnull=True) | Q(end_on__gte=on)
        whose = Q(member=member)
        if team_ids:
            whose |= Q(member__team_memberships__team_id__in=team_ids, member__team_memberships__end_on__isnull=True)
        zones = scoped(user, ZoneAssignment, VIEW).filter(current, whose, start_on__lte=on).values("zone_id")
        codes |= set(Zone.regions.through.objects.filter(zone_id__in=zones).values_list("region_id", flat=True))
    # A township's code covers its villages: keep the shortest prefixes only.
    return [c for c in sorted(codes) if not any(c != p and c.startswith(p) for p in codes)]


def resident_ids(
    user, *, worklist_residents, worklist_households, member, team_ids, activities, today: datetime.date
) -> tuple[list[int], set[int]]:
    """(resident ids in priority order, household ids of the worklist and of the records)."""
    cap = settings.OFFLINE_MAX_RESIDENTS
    served_residents, served_households = _served(user, member, today, cap)
    wanted: dict[int, None] = {}
    _add(wanted, worklist_residents, cap * 2)
    _add(wanted, served_residents, cap * 2)
    # Steps 1 and 2 as the scope allows (a worklist subject moved out of reach is dropped here).
    visible = dict(_living(user).filter(pk__in=list(wanted)).values_list("pk", "household_id"))
    ordered: dict[int, None] = {}
    _add(ordered, (pk for pk in wanted if pk in visible), cap)
    households = set(worklist_households) | set(served_households) | {h for h in visible.values() if h}
    if len(ordered) < cap and households:
        family = (
            _living(user)
            .filter(household_id__in=households, deceased_on__isnull=True)
            .order_by("household_id", "id")
            .values_list("pk", flat=True)
        )
        _add(ordered, family[: cap + len(ordered)], cap)
    places = _places(user, member, team_ids, activities)
    if len(ordered) < cap and places:
        near = Q()
        for code in places:
            near |= Q(village__code__startswith=code)
        nearby = _living(user).filter(near, deceased_on__isnull=True).order_by("-id").values_list("pk", flat=True)
        _add(ordered, nearby[: cap + len(ordered)], cap)
    return list(ordered), households


def resident_rows(user, ids: list[int], today: datetime.date) -> list[dict]:
    """The residents as the phone keeps them, in the order of ``ids``."""
    rows = (
        _living(user)
        .filter(pk__in=ids)
        .select_related("village")
        .only(
            "pk",
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "household_id",
            "id_number",
            "phone",
            "village__name",
        )
    )
    by_id = {r.pk: r for r in rows}
    genders = {"M": "男", "F": "女"}
    out = []
    for pk in ids:
        r = by_id.get(pk)
        if r is None:
            continue
        out.append(
            {
                "id": r.pk,
                "name": r.name,
                "search": search_key(r.name, r.name_initials),
                "gender": genders.get(r.gender, ""),
                "age": r.age(today),
                "village": r.village.name,
                "household_id": r.household_id,
                "id_masked": mask_id_number(r.id_number),
                "phone_masked": mask_phone(r.phone),
            }
        )
    return out


def household_rows(user, ids) -> list[dict]:
    households = (
        scoped(user, Household, VIEW)
        .filter(pk__in=list(ids))
        .select_related("head", "village")
        .only("pk", "head__name", "village__name")
        .order_by("pk")
    )
    return [{"id": h.pk, "head": h.head.name if h.head_id else "", "village": h.village.name} for h in households]

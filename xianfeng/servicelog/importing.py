"""Batched lookups and shared helpers for the service-log imports (kept out of imports.py so the
spec module stays a readable declaration, as residents/importing.py does for residents): the
catalogue, teams and organizations by name, records already on file, activities by title.
The cell parsers are in importing_cells.py, people (providers and residents) in
importing_people.py, places and the reach of a record in importing_places.py.

Every lookup starts from ``scoped()`` and is cached for the run: a 20 000-row file costs a
query per village, per (place, day) and per unknown name, never one per row.
"""

import datetime
from collections import Counter, defaultdict
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.audit.services import snapshot
from xianfeng.core.text import normalize_name, normalize_text
from xianfeng.imports.parsers import parse_text
from xianfeng.members.selectors import orgs_for
from xianfeng.teams.models import Team

from . import selectors
from .models import Activity, RecordProvider, ServiceRecord, ServiceType

CACHE_LIMIT = 300_000  # rows kept per lookup before its cache restarts (memory stays bounded)

# --- shared by both specs -------------------------------------------------------------------

FK_FIELDS = ["service_type", "resident", "household", "team", "org", "activity", "created_by", "voided_by", "region"]


def text_parser(limit):
    """parse_text with a length limit (a C-level partial, called per cell)."""
    return partial(parse_text, max_length=limit)


def rule_errors(exc: ValidationError, columns: dict[str, str]) -> dict[str, str]:
    """A rules/model ValidationError as {column key: message}."""
    if not hasattr(exc, "error_dict"):
        return {"": "；".join(exc.messages)}
    return {columns.get(field, field): "；".join(e.messages[0] for e in errs) for field, errs in exc.error_dict.items()}


def check_rule(errors: dict, columns: dict[str, str], call, *args, **kwargs):
    """Run one rule; its error goes into ``errors`` (the first per column), its value is returned."""
    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        for key, message in rule_errors(exc, columns).items():
            errors.setdefault(key, message)
        return None


def log_with(names_of):
    """A ChangeLog ``after_of``: the row's fields and the people who served, by name and hours."""

    def after(obj):
        data = snapshot(obj, exclude=("idempotency_key", "village_code", "township_code", "county_code"))
        data["providers" if isinstance(obj, ServiceRecord) else "participants"] = names_of(obj)
        return data

    return after


def recheck_scope(user, model, ids: list[int], message: str) -> None:
    """Every written row re-checked in the user's change scope after the write, inside the
    import's transaction (DESIGN.md §3): one out of reach fails the whole commit."""
    if scoped(user, model, CHANGE).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied(message)


# --- catalogue, organizations, teams --------------------------------------------------------


class TypeIndex:
    """Service types by name (简/繁, any case) or code."""

    def __init__(self, user):
        self.by_key: dict[str, ServiceType] = {}
        for stype in scoped(user, ServiceType):  # the catalogue: public to everyone signed in
            self.by_key.setdefault(normalize_text(stype.name), stype)
            self.by_key.setdefault(stype.code.lower(), stype)
        self.may_health = selectors.may_record_health(user)

    def find(self, text: str) -> tuple[ServiceType | None, str]:
        stype = self.by_key.get(normalize_text(text)) or self.by_key.get(text.strip().lower())
        if stype is None:
            return None, _("没有名为“%(t)s”的服务类型（可填名称或代码，见服务类型目录）") % {"t": text}
        if not stype.active:
            return None, _("服务类型“%(t)s”已停用") % {"t": stype.name}
        if stype.is_health and not self.may_health:
            return None, _("您没有登记健康类服务（%(t)s）的权限") % {"t": stype.name}
        return stype, ""


class NamedIndex:
    """Objects of a scoped queryset by normalized name (teams, organizations)."""

    def __init__(self, objects, missing: str, ambiguous: str):
        self.by_name: dict[str, list] = defaultdict(list)
        for obj in objects:
            self.by_name[normalize_name(obj.name)].append(obj)
            short = getattr(obj, "short_name", "")
            if short and normalize_name(short) != normalize_name(obj.name):
                self.by_name[normalize_name(short)].append(obj)
        self.missing, self.ambiguous = missing, ambiguous

    def find(self, text: str):
        found = self.by_name.get(normalize_name(text), [])
        if len(found) == 1:
            return found[0], ""
        return None, (self.missing if not found else self.ambiguous) % {"v": text}


def team_index(user) -> NamedIndex:
    return NamedIndex(
        scoped(user, Team).only("pk", "name", "owner_org"),
        _("找不到队伍“%(v)s”（或不在您的权限范围内）"),
        _("有多支队伍名为“%(v)s”"),
    )


def org_index(user) -> NamedIndex:
    """Organizations where the user may record services and activities."""
    return NamedIndex(
        orgs_for(user, "servicelog.change"),
        _("找不到组织“%(v)s”，或您不能为它登记活动"),
        _("有多个组织名为“%(v)s”，请填写全称"),
    )


# --- records and activities already on file ---------------------------------------------


class ExistingRecords:
    """Records already on file, to report an exact repeat (same type, day, resident or
    household, providers) as unchanged instead of recording it twice. Loaded per place and
    day (indexed columns), only records made before this run started."""

    def __init__(self, user):
        self.user = user
        self.since = timezone.now()
        self.loaded: dict[tuple, Counter] = {}

    def take(self, place: tuple, served_on: datetime.date, org_id: int, key: tuple) -> bool:
        """Whether an equal record exists that no earlier row of the file matched (consumes it)."""
        where = (*place, served_on, None if any(place) else org_id)
        found = self.loaded.get(where)
        if found is None:
            if sum(len(c) for c in self.loaded.values()) > CACHE_LIMIT:
                self.loaded.clear()
            found = self.loaded[where] = self._load(place, served_on, org_id)
        if found[key] > 0:
            found[key] -= 1
            return True
        return False

    def _load(self, place: tuple, served_on: datetime.date, org_id: int) -> Counter:
        village, township, county = place
        records = scoped(self.user, ServiceRecord, VIEW).filter(
            village_code=village,
            township_code=township,
            county_code=county,
            served_on=served_on,
            voided_at__isnull=True,
            created_at__lt=self.since,
        )
        if not any(place):
            records = records.filter(org_id=org_id)
        rows = list(records.order_by().values_list("pk", "service_type_id", "resident_id", "household_id"))
        members = defaultdict(set)
        if rows:
            providers = RecordProvider.objects.filter(record_id__in=[r[0] for r in rows]).order_by()
            for record_id, member_id in providers.values_list("record_id", "member_id"):
                members[record_id].add(member_id)
        return Counter((stype, resident, household, frozenset(members[pk])) for pk, stype, resident, household in rows)


class ActivityIndex:
    """Activities a user may attach records to, by title (loaded once per title)."""

    def __init__(self, user):
        self.user = user
        self.by_title: dict[str, list[tuple]] = {}

    def find(self, title: str, served_on: datetime.date) -> tuple[tuple | None, str]:
        """((pk, place code), "") of the one activity of that title held on the day."""
        if title not in self.by_title:
            activities = (
                scoped(self.user, Activity, CHANGE)
                .filter(title=title, voided_at__isnull=True)
                .exclude(status=Activity.Status.CANCELLED)
                .order_by()
            )
            self.by_title[title] = [
                (a.pk, a.served_on, timezone.localtime(a.end_at).date() if a.end_at else a.served_on, a.place_code)
                for a in activities.only("pk", "served_on", "end_at", "village_code", "township_code", "county_code")
            ]
        found = [(pk, place) for pk, first, last, place in self.by_title[title] if first <= served_on <= last]
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("找不到 %(d)s 举办的活动“%(t)s”（或您不能在该活动下登记）") % {"d": served_on, "t": title}
        return None, _("%(d)s 有 %(c)s 个活动名为“%(t)s”，无法确定是哪一个") % {
            "d": served_on,
            "c": len(found),
            "t": title,
        }

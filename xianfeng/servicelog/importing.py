"""Cell parsers and batched lookups for the service-log imports (kept out of imports.py so the
spec module stays a readable declaration, as residents/importing.py does for residents).

Every lookup starts from ``scoped()`` and is cached for the run: a 20 000-row file costs a
query per village, per (place, day) and per unknown name, never one per row.
"""

import datetime
import re
from collections import Counter, defaultdict
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_existence_check_in_import
from xianfeng.accounts.roles import Scope, role_allows
from xianfeng.accounts.scoping import CHANGE, VIEW, active_grants, scoped
from xianfeng.audit.services import snapshot
from xianfeng.core.text import normalize_name, normalize_text
from xianfeng.imports.parsers import CellError, clean_text, parse_date, parse_text
from xianfeng.members.models import Member
from xianfeng.members.selectors import orgs_for
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.residents.importing import VillageResolver
from xianfeng.residents.models import Household, Resident
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


# --- cell parsers ---------------------------------------------------------------------------

_NAMES_SPLIT = re.compile(r"[、,，;；/\s]+")
_PARTS_SPLIT = re.compile(r"[、,，;；/\n]+")
_HOURS = r"(\d+(?:\.\d+)?)\s*(?:小时|h)?"
# "张三 2.5", "张三：2.5", "张三（2.5小时）", "V0012 3" — an explicit separator before the hours
_SEP_HOURS = re.compile(r"^(.+?)(?:\s+|\s*[:：]\s*|\s*[(（]\s*)" + _HOURS + r"\s*[)）]?$", re.IGNORECASE)
# "张三2.5": a Chinese name followed at once by its hours (a volunteer number "V2021001" is not)
_CJK_HOURS = re.compile(r"^(.*[\u3400-\u9fff·])" + _HOURS + "$", re.IGNORECASE)


def parse_names(value) -> tuple[str, ...]:
    """'张三、李四，V0012' -> ('张三', '李四', 'V0012'): names or volunteer numbers, in order, once each."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple(dict.fromkeys(w for w in _NAMES_SPLIT.split(text) if w))


def parse_list(value) -> tuple[str, ...]:
    """'义诊、发放宣传资料' -> both; names that may hold spaces are split only by punctuation."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple(dict.fromkeys(w.strip() for w in _PARTS_SPLIT.split(text) if w.strip()))


def parse_participants(value) -> tuple[tuple[str, str | None], ...]:
    """'张三 2.5；李四 3' -> (('张三', '2.5'), ('李四', '3')); '张三、李四' -> hours None (the 时长
    column then applies to each)."""
    text = clean_text(value)
    if not text:
        return ()
    parts = []
    for word in _PARTS_SPLIT.split(text):
        word = word.strip()
        if not word:
            continue
        found = _SEP_HOURS.match(word) or _CJK_HOURS.match(word)
        if found:
            parts.append((found.group(1).strip(), found.group(2)))
        else:
            parts.extend((name, None) for name in _NAMES_SPLIT.split(word) if name)
    return tuple(parts)


_TIME_TAIL = re.compile(r"^(.+?)[\sT]+(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?(?:[:：](\d{1,2}))?$")


def parse_moment(value) -> datetime.datetime | None:
    """A date or a date and time: 2024-05-01, 2024/5/1 9:30, 2024年5月1日 14:00, an Excel
    date-time (serial or cell). Returned aware, in the interface's time zone (a date alone is
    that day's 00:00)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = parse_date(value)
        seconds = round((float(value) % 1) * 86400)
        moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
    else:
        text = clean_text(value)
        if not text:
            return None
        found = _TIME_TAIL.match(text)
        if found is None:
            moment = datetime.datetime.combine(parse_date(text), datetime.time())
        else:
            day = parse_date(found.group(1))
            hour, minute, second = (int(found.group(i) or 0) for i in (2, 3, 4))
            try:
                moment = datetime.datetime.combine(day, datetime.time(hour, minute, second))
            except ValueError as exc:
                raise CellError(_("“%(v)s”不是有效的时间") % {"v": text}) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


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


# --- people who serve -----------------------------------------------------------------------


class MemberIndex:
    """Members a user may name as providers or participants (``selectors.provider_queryset``):
    those in their scope, loaded once; themselves and their teammates on the day, asked for
    only when a name is not among the first."""

    def __init__(self, user):
        self.user = user
        self.by_no: dict[str, tuple] = {}
        self.by_name: dict[str, list[tuple]] = defaultdict(list)
        self.names: dict[int, str] = {}
        for row in scoped(user, Member, VIEW).values_list("pk", "name", "name_norm", "volunteer_no", "branch_id"):
            self._add(row)
        self.extra: dict[tuple, tuple] = {}

    def _add(self, row) -> None:
        pk, name, name_norm, volunteer_no, branch_id = row
        if pk in self.names:
            return
        member = (pk, name, branch_id)
        self.names[pk] = name
        if volunteer_no:
            self.by_no.setdefault(volunteer_no.upper(), member)
        self.by_name[name_norm].append(member)

    def find(self, token: str, on: datetime.date) -> tuple[tuple | None, str]:
        """((pk, name, branch id), "") or (None, message)."""
        member = self.by_no.get(token.upper())
        if member is not None:
            return member, ""
        norm = normalize_name(token)
        found = self.by_name.get(norm, [])
        if not found:
            found = self._outside(token, norm, on)
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("“%(n)s”（不在您的权限范围内，或尚未登记为人员）") % {"n": token}
        return None, _("有 %(c)s 名人员叫“%(n)s”，请改填志愿者编号") % {"c": len(found), "n": token}

    def _outside(self, token: str, norm: str, on: datetime.date) -> list[tuple]:
        key = (norm, on)
        if key not in self.extra:
            rows = (
                selectors.provider_queryset(self.user, on)
                .filter(Q(name_norm=norm) | Q(volunteer_no=token))
                .values_list("pk", "name", "name_norm", "volunteer_no", "branch_id")[:5]
            )
            self.extra[key] = tuple((pk, name, branch) for pk, name, _norm, _no, branch in rows)
            for pk, name, _norm, _no, _branch in rows:
                self.names.setdefault(pk, name)
        return list(self.extra[key])

    def resolve(self, tokens, on: datetime.date) -> tuple[list[tuple], str]:
        """All the tokens' members (each once), or the message naming every one not found."""
        members, problems = [], []
        for token in tokens:
            member, message = self.find(token, on)
            if member is None:
                problems.append(message)
            elif member not in members:
                members.append(member)
        if problems:
            return [], _("找不到或无法确定的人员：%(p)s") % {"p": "；".join(problems)}
        return members, ""


# --- people served --------------------------------------------------------------------------

RESIDENT_FIELDS = (
    "pk",
    "name",
    "name_norm",
    "birth_date",
    "deceased_on",
    "merged_into_id",
    "household_id",
    "village_id",
    "id_number_index",
)


class ResidentIndex:
    """Residents and households the user may see, loaded village by village (one query for
    each the first time a row names it)."""

    def __init__(self, user):
        self.user = user
        self.villages: set[str] = set()
        self.by_index: dict[str, dict] = {}
        self.by_name: dict[str, dict[str, list[dict]]] = {}
        self.households: dict[tuple[str, str], int] = {}
        self.state: dict = {}  # personal_existence_check_in_import's memo for the run

    def _load(self, village: str) -> None:
        if village in self.villages:
            return
        if len(self.by_index) + len(self.households) > CACHE_LIMIT:
            self.villages.clear()
            self.by_index.clear()
            self.by_name.clear()
            self.households.clear()
        self.villages.add(village)
        names = self.by_name[village] = defaultdict(list)
        for row in scoped(self.user, Resident, VIEW).filter(village_id=village).order_by().values(*RESIDENT_FIELDS):
            if row["id_number_index"]:
                self.by_index[row["id_number_index"]] = row
            names[row["name_norm"]].append(row)
        numbers = scoped(self.user, Household, VIEW).filter(village_id=village).exclude(number="").order_by()
        for number, pk in numbers.values_list("number", "pk"):
            self.households[(village, number)] = pk

    def by_id(self, index: str) -> tuple[dict | None, str]:
        row = self.by_index.get(index)
        if row is None:
            village = (
                scoped(self.user, Resident, VIEW)
                .filter(id_number_index=index)
                .values_list("village_id", flat=True)
                .first()
            )
            if village is not None:
                self._load(village)
                row = self.by_index.get(index)
        if row is not None:
            if row["merged_into_id"]:
                return None, _("该居民记录已合并到另一条记录，请填写合并后居民的身份证号")
            return row, ""
        # Not among the residents the user sees: as the residents import does, an existence
        # check of the personal-data module (a neutral, logged and rate-limited answer).
        registered = Resident._base_manager.filter(id_number_index=index).exists()
        message = personal_existence_check_in_import(
            acting_user=self.user,
            model=Resident,
            index=index,
            registered=registered,
            taken_message=_("该身份证号的居民不在您可登记服务的范围内"),
            state=self.state,
        )
        return None, message or _("系统中没有登记该身份证号的居民，请先登记居民")

    def by_name_in(self, village: str, name: str, served_on: datetime.date | None) -> tuple[dict | None, str]:
        """Exactly one unmerged resident of that name in the village, alive on the day."""
        self._load(village)
        rows = [
            r
            for r in self.by_name[village].get(normalize_name(name), [])
            if not r["merged_into_id"]
            and (r["deceased_on"] is None or served_on is None or r["deceased_on"] >= served_on)
        ]
        if len(rows) == 1:
            return rows[0], ""
        if not rows:
            return None, _("在您的权限范围内，该村没有名为“%(n)s”的居民（或已合并、已去世）") % {"n": name}
        return None, _("同村同名居民有 %(c)s 位，请填写身份证号") % {"c": len(rows)}

    def household(self, village: str, number: str) -> tuple[int | None, str]:
        self._load(village)
        pk = self.households.get((village, number))
        if pk is None:
            return None, _("该村没有户编号为“%(n)s”的户（或不在您的权限范围内）") % {"n": number}
        return pk, ""


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


# --- places ---------------------------------------------------------------------------------

_NAME_WITH_CODE = re.compile(r"[(（]\s*(\d{9}|\d{12})\s*[)）]$")


class PlaceResolver:
    """A township or village (an activity's place) by 9/12-digit code, by name within the
    regions the user serves, or as "名称（代码）"."""

    LEVELS = (Region.Level.TOWNSHIP, Region.Level.VILLAGE)

    def __init__(self, prefixes: list[str] | None):
        scope = Q()
        if prefixes is not None:
            scope = Q(pk__in=[])
            for prefix in prefixes:
                scope |= Q(code__startswith=prefix) | Q(code=prefix[:9]) | Q(code=prefix[:12])
        self.regions = Region.objects.filter(scope, level__in=self.LEVELS)
        self.cache: dict[str, tuple] = {}

    def resolve(self, text: str) -> tuple[Region | None, str]:
        if text not in self.cache:
            self.cache[text] = self._resolve(text)
        return self.cache[text]

    def _resolve(self, text: str) -> tuple[Region | None, str]:
        found = _NAME_WITH_CODE.search(text)
        compact = found.group(1) if found else text.replace(" ", "")
        if compact.isdigit():
            region = Region.objects.filter(pk=compact, level__in=self.LEVELS).first()
            if region is None:
                return None, _("“%(c)s”不是已导入的乡镇（9位）或村（12位）代码") % {"c": compact}
            return region, ""
        norm = normalize_name(compact)
        regions = list(self.regions.filter(name_norm=norm)[:5]) or list(
            self.regions.filter(name_norm__startswith=norm)[:5]
        )
        if len(regions) == 1:
            return regions[0], ""
        if not regions:
            return None, _("在您服务的地区内找不到乡镇或村“%(v)s”，请填写区划代码") % {"v": text}
        return None, _("“%(v)s”不唯一（%(c)s…），请填写区划代码") % {
            "v": text,
            "c": "、".join(r.code for r in regions[:3]),
        }


# --- where a record may be written ----------------------------------------------------------


class RecordVillageResolver(VillageResolver):
    """The residents' village resolver (a 12-digit code or a name within the user's regions),
    worded for service records."""

    def _resolve(self, text: str) -> tuple[str | None, str]:
        compact = text.replace(" ", "")
        if compact.isdigit() and len(compact) == 12 and not self.in_scope(compact):
            region = Region.objects.filter(pk=compact, level=Region.Level.VILLAGE).first()
            if region is not None:
                return None, _("村代码 %(c)s（%(n)s）不在您可登记服务记录的地区范围内") % {
                    "c": compact,
                    "n": region.name,
                }
        return super()._resolve(text)

    def _one(self, codes: list[str], text: str) -> tuple[str | None, str]:
        if not codes:
            return None, _("在您可登记服务记录的地区内找不到村“%(v)s”，请填写12位村代码") % {"v": text}
        return super()._one(codes, text)


class RecordReach:
    """Whether a record will be in the user's change scope once written, checked row by row
    without a query, so that a row out of scope is reported when the file is checked rather
    than failing the whole commit's re-check. It reads the grants ``scoped(user,
    ServiceRecord, CHANGE)`` reads: 全部 and 仅本人 reach every record the user writes (they
    are its creator), an organization grant the records of its organization (and below, for a
    subtree grant), a region grant the records whose place lies in its regions — never a record
    without a place. Health-level records also need a grant holding "servicelog.health"."""

    def __init__(self, user):
        self.change = self._reach(user, "servicelog.change")
        self.health = self._reach(user, "servicelog.health")
        self.orgs: dict[int, tuple[str, str]] = {}

    @staticmethod
    def _reach(user, permission: str) -> tuple[list[tuple[str, bool]], list[str]] | None:
        """None for every record; else ([(org path, subtree)], [region prefix])."""
        if user.is_superuser:
            return None
        orgs, prefixes = [], []
        for grant in active_grants(user):
            if not role_allows(grant.role, permission):
                continue
            if grant.scope in (Scope.ALL, Scope.SELF):
                return None
            if grant.scope == Scope.REGION:
                prefixes.extend(grant.region_prefix_list)
            elif grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and grant.org_id:
                orgs.append((grant.org.path, grant.scope == Scope.ORG_SUBTREE))
        return orgs, prefixes

    def org(self, org_id: int) -> tuple[str, str]:
        """(path, name) of an organization, cached."""
        if org_id not in self.orgs:
            found = Organization.objects.filter(pk=org_id).values_list("path", "name").first()
            self.orgs[org_id] = found or ("", "")
        return self.orgs[org_id]

    @staticmethod
    def _within(reach, path: str, place: str) -> bool:
        if reach is None:
            return True
        orgs, prefixes = reach
        if path and any(path == p or (subtree and path.startswith(p)) for p, subtree in orgs):
            return True
        return bool(place) and any(place.startswith(prefix) for prefix in prefixes)

    def problem(self, *, org_id: int, place: str, health: bool) -> tuple[str, str]:
        """("", "") when the record may be written; else what to fix ("place" or "org") and why."""
        path, name = self.org(org_id)
        change = self._within(self.change, path, place)
        if change and (not health or self._within(self.health, path, place)):
            return "", ""
        orgs, _prefixes = self.health if change else self.change  # the reach that falls short
        if not orgs:
            if not place:
                return "place", _(
                    "该记录没有服务地点（未填居民、户、所属村或活动），而您只能登记所负责地区内的服务记录：请填写所属村"
                )
            return "place", _("服务地点不在您可登记服务记录的地区范围内")
        if not place:
            return "org", _(
                "该记录没有服务地点，按组织登记，而“%(o)s”不在您可登记服务记录的组织范围内：请填写所属村或改填队伍"
            ) % {"o": name}
        return "org", _("服务地点不在您负责的地区内，“%(o)s”也不在您可登记服务记录的组织范围内") % {"o": name}

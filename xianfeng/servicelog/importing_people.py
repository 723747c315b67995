"""People in the service-log imports: the members who serve (providers, participants) by name or
volunteer number, and the residents and households served, by ID number or by name and village.
Loaded from ``scoped()`` and cached for the run (see importing.py)."""

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_existence_check_in_import
from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.idnumber import IdNumberError, parse_id_number
from xianfeng.core.text import normalize_name
from xianfeng.members.models import Member
from xianfeng.residents.models import Household, Resident

from . import selectors
from .importing import CACHE_LIMIT

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


# --- rows naming a resident or a household ---------------------------------------------------


def find_resident(values, village, on, state, errors) -> dict | None:
    """The resident a row names: by ID number (its name must agree), else by name within the
    village on the day ``on``; problems go into ``errors`` by column (service-log and needs imports)."""
    residents = state["residents"]
    if values["id_number"]:
        try:
            id_value = parse_id_number(values["id_number"], state["today"]).value
        except IdNumberError as exc:
            errors["id_number"] = str(exc)
            return None
        resident, message = residents.by_id(state["id_indexer"](id_value))
        if message:
            errors["id_number"] = message
            return None
        if values["name"] and normalize_name(values["name"]) != resident["name_norm"]:
            errors["name"] = _("身份证号对应的居民是“%(n)s”，与所填姓名不符") % {"n": resident["name"]}
        return resident
    if not values["name"]:
        return None
    if village is None:
        errors.setdefault("village", _("按姓名查找居民时须填写所属村（或改填身份证号）"))
        return None
    resident, message = residents.by_name_in(village, values["name"], on)
    if message:
        errors["name"] = message
    return resident


def find_household(values, village, resident, state, errors) -> int | None:
    """The household a row names by its number within the village (the resident's if none given)."""
    number = values["household_number"]
    if not number:
        return None
    where = village or (resident["village_id"] if resident else None)
    if where is None:
        errors.setdefault("village", _("按户编号查找户时须填写所属村"))
        return None
    household, message = state["residents"].household(where, number)
    if message:
        errors["household_number"] = message
    elif resident is not None and resident["household_id"] != household:
        errors["household_number"] = _("该居民不属于户编号为“%(n)s”的户") % {"n": number}
    return household

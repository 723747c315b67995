"""Places in the service-log imports: an activity's township or village, a record's village, and
whether a record will be within the user's change scope once written (checked row by row)."""

import re

from django.db.models import Q
from django.utils.translation import gettext as _

from xianfeng.accounts.roles import Scope, role_allows
from xianfeng.accounts.scoping import active_grants
from xianfeng.core.text import normalize_name
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.residents.importing import VillageResolver

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

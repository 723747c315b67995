"""Which facts a user's figures count: the reach of their grants holding "reports.view".

Figures are aggregates. A leader or a branch secretary counts every fact their 统计报表 grants
reach, psychiatric follow-ups included (DESIGN.md §2: the same 人次 for everyone reading the same
scope), but sees rows only through ``scoped()``: a drill-down lists the rows the reader may see and
counts the others (drill.py). A volunteer holds no reports.view and gets no figures at all.

The reach is frozen as plain data (``reach_of``) so that a published snapshot is re-verified over
exactly the scope it was published for, whoever runs the verification and whatever happens to the
publisher's grants later. ``reach_q`` turns it into the same predicates ``scoped()`` builds from
live grants (accounts.scoping.grant_filter): org path prefix, per-level region codes, owner.
"""

import hashlib

from django.db.models import Q

from xianfeng.accounts.roles import Scope, role_allows
from xianfeng.accounts.scoping import _region_levels_q, _spec, active_grants, served_region_codes

AGGREGATE_PERMISSION = "reports.view"
NOTHING = Q(pk__in=[])


def reach_of(user) -> list[dict]:
    """The user's reports.view grants as data: [] when they hold none (no figures at all)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return [{"scope": Scope.ALL.value}]
    reach = []
    for grant in active_grants(user):
        if not role_allows(grant.role, AGGREGATE_PERMISSION):
            continue
        # The grant's role travels with it: a family of figures counts only over the items whose
        # role also opens its area (a 精防医生 holds 统计报表 but not 党费; partylife/figures.py).
        role = str(grant.role)
        if grant.scope == Scope.ALL:
            reach.append({"scope": Scope.ALL.value, "role": role})
        elif grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and grant.org_id:
            subtree = grant.scope == Scope.ORG_SUBTREE
            reach.append(
                {
                    "scope": grant.scope,
                    "org_id": grant.org_id,
                    "org_path": grant.org.path,
                    "served": served_region_codes(grant.org, subtree),
                    "role": role,
                }
            )
        elif grant.scope == Scope.REGION:
            reach.append({"scope": Scope.REGION.value, "prefixes": grant.region_prefix_list, "role": role})
        elif grant.scope == Scope.SELF:
            reach.append({"scope": Scope.SELF.value, "user_id": user.pk, "role": role})
    if is_all(reach):  # every row, whatever else: one item per role (the service log reads is_all)
        reach = [item for item in reach if item["scope"] == Scope.ALL]
    return _dedupe(reach)


def reach_digest(reach: list[dict], *extra: str) -> str:
    """A short key for caches of figures counted within ``reach`` (and ``extra`` parts such as
    a language or a filter): a new grant or a changed organization changes the reach, hence the key."""
    text = "|".join([repr(reach), *extra])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def may_read_reports(user) -> bool:
    """Whether the user holds 统计报表 anywhere (every reports page answers 403 otherwise)."""
    return bool(reach_of(user))


def _dedupe(reach: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for item in reach:
        key = repr(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def is_all(reach: list[dict]) -> bool:
    return any(item["scope"] == Scope.ALL for item in reach)


def reach_q(reach: list[dict], model) -> Q | None:
    """The rows of a counted-fact model within ``reach``: None for every row."""
    if is_all(reach):
        return None
    spec = _spec(model)
    combined = NOTHING
    for item in reach:
        scope = item["scope"]
        if scope == Scope.ORG_SUBTREE and spec.org_path:
            combined |= Q(**{f"{spec.org_path}__startswith": item["org_path"]})
        elif scope == Scope.ORG_ONLY and spec.org_path:
            combined |= Q(**{f"{spec.org_path}": item["org_path"]})
        elif scope == Scope.REGION and spec.region_levels:
            combined |= _region_levels_q(spec.region_levels, item["prefixes"])
        elif scope == Scope.SELF and spec.owner:
            combined |= Q(**{spec.owner: item["user_id"]})
    return combined


def restrict(qs, reach: list[dict]):
    """``qs`` narrowed to ``reach`` (no rows for an empty reach)."""
    if not reach:
        return qs.none()
    q = reach_q(reach, qs.model)
    return qs if q is None else qs.filter(q)


def region_prefixes(reach: list[dict]) -> list[str] | None:
    """The region codes the reach covers (None: everywhere), for 覆盖率's denominator: region
    grants' prefixes and the regions organizations serve. Own-records reach covers no region."""
    if is_all(reach):
        return None
    codes: set[str] = set()
    for item in reach:
        codes.update(item.get("prefixes", ()))
        codes.update(item.get("served", ()))
    return sorted(c for c in codes if not any(c != p and c.startswith(p) for p in codes))


def reach_allows_region(reach: list[dict], code: str) -> bool:
    """Whether a region filter can meet the reach: a region grant must overlap it; organizations
    and own records may be anywhere."""
    if not reach:
        return False
    for item in reach:
        if item["scope"] != Scope.REGION:
            return True
        if any(code.startswith(p) or p.startswith(code) for p in item["prefixes"]):
            return True
    return False

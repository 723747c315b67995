"""The one entry point that restricts business data to what a user may see (DESIGN.md §3).

Every list, detail, dropdown, export, API endpoint and report starts from ``scoped()``.
A model declares how its rows map onto scopes with ``core.scoping.ScopeSpec``; a grant then
becomes a filter on those lookups, and a user's grants are OR-combined.

Out of scope answers 404 (existence is not revealed); in scope but without the needed
permission answers 403; writes re-check the object inside their transaction.
"""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from xianfeng.core.scoping import CHANGE, EXPORT, REVEAL, VIEW, ScopeSpec
from xianfeng.orgs.models import PATH_SEPARATOR, Organization

from .models import Grant
from .roles import HEALTH, Scope, role_allows, role_owns_only

__all__ = [
    "CHANGE",
    "EXPORT",
    "REVEAL",
    "VIEW",
    "ScopeSpec",
    "active_grants",
    "can",
    "ensure_in_scope",
    "get_scoped_or_404",
    "grant_filter",
    "permission_filter",
    "permission_name",
    "scoped",
    "served_region_codes",
]

GRANTS_CACHE_SECONDS = 3600  # a stamp is replaced on every change: the timeout only frees memory
_NOTHING = Q(pk__in=[])
NO_GRANT = Q(pk__in=[])  # a distinct object: compared by identity


def _spec(model: type[models.Model]) -> ScopeSpec:
    spec = getattr(model, "scope_spec", None)
    if spec is None:
        raise TypeError(f"{model.__name__} has no scope_spec: it cannot be queried through scoped()")
    return spec


def _lookup_q(model, lookup: str, op: str, value, multi: bool) -> Q:
    q = Q(**{f"{lookup}__{op}": value})
    if multi:
        return Q(pk__in=model._base_manager.filter(q).values("pk"))
    return q


def grant_filter(grant, model: type[models.Model], user, action: str = VIEW) -> Q | None:
    """The rows one grant opens; None means every row."""
    spec = _spec(model)
    if role_owns_only(grant.role, permission_name(model, action)):
        return _owner_q(model, spec.owner, user) if spec.owner else _NOTHING
    if grant.scope == Scope.ALL:
        return None
    if grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY):
        if grant.org_id is None or not (spec.org_path or spec.served_region):
            return _NOTHING
        subtree = grant.scope == Scope.ORG_SUBTREE
        q = _NOTHING
        if spec.org_path:
            op = "startswith" if subtree else "exact"
            q |= _lookup_q(model, spec.org_path, op, grant.org.path, spec.org_multi)
        if spec.served_region:
            for code in served_region_codes(grant.org, subtree):
                q |= Q(**{f"{spec.served_region}__startswith": code})
        if spec.org_ancestors_view and spec.org_path and action == VIEW:
            q |= Q(**{f"{spec.org_path}__in": ancestor_paths(grant.org.path)})
        return q
    if grant.scope == Scope.REGION:
        if spec.region_levels:
            return _region_levels_q(spec.region_levels, grant.region_prefix_list)
        if not spec.region_code:
            return _NOTHING
        q = _NOTHING
        for prefix in grant.region_prefix_list:
            q |= _lookup_q(model, spec.region_code, "startswith", prefix, spec.region_multi)
        return q
    if grant.scope == Scope.SELF:
        if not spec.owner:
            return _NOTHING
        return _owner_q(model, spec.owner, user)
    return _NOTHING


def ancestor_paths(path: str) -> list[str]:
    """The materialized paths of the organizations above ``path`` (``/1/4/`` → ``['/1/']``)."""
    parts = [p for p in path.split(PATH_SEPARATOR) if p]
    return [PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:n]) + PATH_SEPARATOR for n in range(1, len(parts))]


def _owner_q(model, lookup: str, user) -> Q:
    """The owner's rows. A lookup through a foreign key to a row that is the user's own one
    (``responsible_member__user``: a user is at most one member) becomes an equality on this
    table's column, resolved first: OR-ed with a region or org predicate it then stays on indexed
    columns instead of a join that makes PostgreSQL scan the whole table (the worklist bench)."""
    first, _sep, rest = lookup.partition("__")
    if not rest or "__" in rest:
        return Q(**{lookup: user.pk})
    field = model._meta.get_field(first)
    target = field.related_model._meta.get_field(rest) if field.many_to_one else None
    if target is None or not target.unique:
        return Q(**{lookup: user.pk})
    memo = user.__dict__.setdefault("_owned_ids", {})
    key = (field.related_model, rest)
    if key not in memo:
        memo[key] = list(field.related_model._base_manager.filter(**{rest: user.pk}).values_list("pk", flat=True))
    return Q(**{f"{field.attname}__in": memo[key]})


def _region_levels_q(levels, prefixes) -> Q:
    """Region prefixes as predicates on a fact's per-level code columns: equality where the
    prefix is a whole code of that level, else LIKE on the shortest longer column."""
    q = _NOTHING
    for prefix in prefixes:
        for length, lookup in levels:
            if len(prefix) == length:
                q |= Q(**{lookup: prefix})
                break
            if len(prefix) < length:
                q |= Q(**{f"{lookup}__startswith": prefix})
                break
    return q


def served_region_codes(org, subtree: bool) -> list[str]:
    """Region codes served by ``org`` (and, for a subtree grant, by the orgs below it).

    Computed once per org object: a grant's org is cached with the grant (``active_grants``),
    so every scoped query reuses the same answer until the organizations change.
    """
    known = org.__dict__.setdefault("_served_region_codes", {})
    if subtree not in known:
        known[subtree] = _served_region_codes(org, subtree)
    return known[subtree]


def _served_region_codes(org, subtree: bool) -> list[str]:
    through = Organization.regions.through.objects
    if subtree:
        through = through.filter(organization__path__startswith=org.path)
    else:
        through = through.filter(organization=org)
    codes = sorted(set(through.values_list("region_id", flat=True)))
    # Drop codes already covered by a shorter prefix in the list.
    return [c for c in codes if not any(c != p and c.startswith(p) for p in codes)]


def _queryset(model_or_qs) -> QuerySet:
    if isinstance(model_or_qs, QuerySet):
        return model_or_qs
    return model_or_qs._default_manager.all()


def scoped(user, model_or_qs, action: str = VIEW) -> QuerySet:
    """The rows of a model (or a narrower queryset) that ``user`` may ``action``."""
    qs = _queryset(model_or_qs)
    model = qs.model
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    spec = _spec(model)
    if action == VIEW and spec.public_view:
        return qs
    combined = permission_filter(user, model, permission_name(model, action))
    if combined is NO_GRANT:
        return qs.none()
    if (
        combined is not None
        and spec.owner_always
        and spec.owner
        and (not spec.owner_actions or action in spec.owner_actions)
    ):
        combined |= _owner_q(model, spec.owner, user)
    if spec.health:
        combined = _with_health(user, model, spec, combined)
    return qs if combined is None else qs.filter(combined)


def permission_name(model: type[models.Model], action: str) -> str:
    """ "<area>.<action>": the area is the model's app unless its ScopeSpec names another."""
    spec = getattr(model, "scope_spec", None)
    area = (spec.area if spec is not None else None) or model._meta.app_label
    return f"{area}.{action}"


def _with_health(user, model, spec: ScopeSpec, combined: Q | None) -> Q | None:
    """Health rows (spec.health true) only where a grant holding "<area>.health" reaches them."""
    health = permission_filter(user, model, permission_name(model, HEALTH))
    if health is None:
        return combined
    ordinary = Q(**{spec.health: False})
    if health is not NO_GRANT:
        ordinary |= health
    return ordinary if combined is None else combined & ordinary


def permission_filter(user, model: type[models.Model], permission: str) -> Q | None:
    """The rows of ``model`` that the user's grants holding ``permission`` open, OR-combined.

    None means every row; ``NO_GRANT`` (an empty filter) means no grant holds the permission,
    which differs from grants that open no rows: an owner_always model still opens the
    owner's rows to them. ``scoped()`` asks for "<model's app>.<action>"; a form may ask which
    organizations a user may register members in ("members.change" on Organization).
    """
    combined: Q | None = None
    spec = _spec(model)
    action = permission.rpartition(".")[2]
    for grant in active_grants(user):
        if not role_allows(grant.role, permission):
            continue
        if grant.scope == Scope.SELF and spec.owner_actions and action not in spec.owner_actions:
            continue  # a 仅本人 grant opens the owner's rows only for the owner's actions
        q = grant_filter(grant, model, user, action)
        if q is None:
            return None
        combined = q if combined is None else combined | q
    return NO_GRANT if combined is None else combined


def active_grants(user) -> list:
    """The user's active grants with their organizations (and the regions those serve).

    Cached on the user object for the request, and in Django's cache across requests under
    the user's ``scope_stamp``: a grant's creation, change or revocation, and any change to
    an organization or its regions, replace the stamp (accounts/models.py), so the very next
    request reads the grants from the database again.
    """
    cached = getattr(user, "_active_grants", None)
    if cached is not None:
        return cached
    key = f"xf:grants:{user.pk}:{user.scope_stamp}"
    cached = cache.get(key)
    if cached is None:
        cached = list(user.grants.filter(active=True).select_related("org"))
        for grant in cached:
            Grant.user.field.delete_cached_value(grant)  # the user row (password hash...) stays out
            if grant.org_id is not None and grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY):
                served_region_codes(grant.org, grant.scope == Scope.ORG_SUBTREE)  # kept with the org
        cache.set(key, cached, GRANTS_CACHE_SECONDS)
    for grant in cached:
        Grant.user.field.set_cached_value(grant, user)
    user._active_grants = cached
    return cached


def can(user, action: str, model: type[models.Model]) -> bool:
    """Whether the user holds ``action`` on ``model`` anywhere (to show buttons and menus)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if action == VIEW and getattr(model, "scope_spec", None) is not None and model.scope_spec.public_view:
        return True
    permission = permission_name(model, action)
    return any(role_allows(g.role, permission) for g in active_grants(user))


def get_scoped_or_404(user, model_or_qs, action: str = VIEW, **lookup):
    """Fetch one object: 404 when the user cannot see it, 403 when seen but not ``action``."""
    qs = _queryset(model_or_qs)
    obj = scoped(user, qs, VIEW).filter(**lookup).first()
    if obj is None:
        raise Http404("Not found")
    if action != VIEW:
        ensure_in_scope(user, obj, action)
    return obj


def ensure_in_scope(user, obj: models.Model, action: str = CHANGE) -> None:
    """Raise PermissionDenied unless ``obj`` (as now stored) is within the user's ``action`` scope.

    Services call this inside their transaction after writing, so that nobody can create
    or move an object outside their own scope: the exception rolls the write back.
    """
    if not scoped(user, type(obj), action).filter(pk=obj.pk).exists():
        raise PermissionDenied(f"{type(obj)._meta.verbose_name} is outside your scope for {action}")

"""Links to objects the user may not open are shown as plain text (breadcrumbs, "上级组织").

An ancestor outside the user's scope answers 404; linking to it invites a dead end. Templates use
``{% crumb obj url %}`` / ``{% scoped_link obj url %}`` (core/templatetags/xf_pages.py); a view
showing several such objects calls ``prime_viewable`` first so the check is one query per model.
"""

from collections.abc import Iterable

from .scoping import VIEW

_CACHE_ATTR = "_xf_viewable"


def _cache(user) -> dict:
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTR, cache)
    return cache


def prime_viewable(user, objects: Iterable) -> None:
    """Find out in one query per model which of ``objects`` the user may view."""
    from xianfeng.accounts.scoping import scoped  # core imports no app at module level

    by_model: dict[type, set] = {}
    for obj in objects:
        if obj is not None and obj.pk is not None:
            by_model.setdefault(type(obj), set()).add(obj.pk)
    cache = _cache(user)
    for model, pks in by_model.items():
        todo = {pk for pk in pks if (model._meta.label, pk) not in cache}
        if not todo:
            continue
        seen = set(scoped(user, model, VIEW).filter(pk__in=todo).values_list("pk", flat=True))
        for pk in todo:
            cache[(model._meta.label, pk)] = pk in seen


def viewable(user, obj) -> bool:
    if obj is None or obj.pk is None:
        return False
    key = (type(obj)._meta.label, obj.pk)
    cache = _cache(user)
    if key not in cache:
        prime_viewable(user, [obj])
    return cache[key]

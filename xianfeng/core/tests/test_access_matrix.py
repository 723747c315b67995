"""The access matrix, generated from the URL registry (DESIGN.md §4.6).

Every page URL × every role × an object inside and outside the role's scope. A view is
covered the day it is added: it must declare its model and action (ScopedListView /
ScopedObjectView) or be explicitly public, and its model must have a test-object maker
(see access.py). Expectations follow the one scoping rule: outside the view scope → 404,
visible but without the needed action → 403, otherwise the view does its work.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.core.views import SignedInView

from .access import load_makers
from .factories import user_with_grant

SKIPPED_NAMESPACES = {"api"}  # the API has its own generated test (xianfeng/api/tests)
URL_KWARG_VALUES = {"spec_key": "regions"}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def page_routes():
    routes = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace in SKIPPED_NAMESPACES:
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        routes.append((f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern, view_class))
    return routes


ROUTES = page_routes()
ROUTE_IDS = [name for name, _p, _v in ROUTES]


def test_every_view_declares_its_access():
    undeclared = []
    for name, _pattern, view_class in ROUTES:
        if view_class is None:
            if name != "set_language":  # Django's own language switch, public by design
                undeclared.append(name)
            continue
        if getattr(view_class, "public", False) or issubclass(view_class, SignedInView):
            continue
        if not issubclass(view_class, (ScopedListView, ScopedObjectView)) or view_class.model is None:
            undeclared.append(name)
    assert undeclared == [], f"views without a declared model/action: {undeclared}"


def test_every_scoped_model_has_a_test_object_maker():
    makers = load_makers()
    models = {v.model for _n, _p, v in ROUTES if v is not None and getattr(v, "model", None) is not None}
    missing = sorted(m.__name__ for m in models if m not in makers)
    assert missing == [], f"register an @object_maker in <app>/tests/access.py for: {missing}"


def _kwargs(pattern) -> dict:
    return {k: URL_KWARG_VALUES[k] for k in pattern.pattern.converters if k in URL_KWARG_VALUES}


def _url(name, pattern, obj=None):
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kwargs[key] = obj.pk
        elif key in URL_KWARG_VALUES:
            kwargs[key] = URL_KWARG_VALUES[key]
        else:
            raise AssertionError(f"teach the access matrix a value for URL kwarg {key!r} of {name}")
    return reverse(name, kwargs=kwargs)


def _request(client, view_class, url):
    method = "get" if hasattr(view_class, "get") else "post"
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "pattern", "view_class"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_login(client, db, world, name, pattern, view_class):
    if view_class is None or getattr(view_class, "public", False):
        return
    obj = load_makers()[view_class.model](world, True) if "pk" in pattern.pattern.converters else None
    response = _request(client, view_class, _url(name, pattern, obj))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


OBJECT_ROUTES = [r for r in ROUTES if r[2] is not None and issubclass(r[2], ScopedObjectView)]
LIST_ROUTES = [r for r in ROUTES if r[2] is not None and issubclass(r[2], ScopedListView)]
ROLES = [r.value for r in Role]


def _role_user(world, role):
    return user_with_grant(role, Scope.ORG_SUBTREE, world.branch_a, username=f"matrix-{role}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("inside", [True, False], ids=["in-scope", "out-of-scope"])
@pytest.mark.parametrize(("name", "pattern", "view_class"), OBJECT_ROUTES, ids=[r[0] for r in OBJECT_ROUTES])
def test_object_views_enforce_scope(client, world, role, inside, name, pattern, view_class):
    user = _role_user(world, role)
    client.force_login(user)
    model = view_class.model
    obj = load_makers()[model](world, inside)
    visible = scoped(user, model, VIEW).filter(pk=obj.pk).exists()
    allowed = visible and scoped(user, model, view_class.action).filter(pk=obj.pk).exists()
    response = _request(client, view_class, _url(name, pattern, obj))
    if not visible:
        assert response.status_code == 404, f"{name} must hide out-of-scope objects"
    elif not allowed:
        assert response.status_code == 403, f"{name} must refuse {view_class.action} without the right"
    else:
        assert response.status_code in (200, 302, 400), response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "pattern", "view_class"), LIST_ROUTES, ids=[r[0] for r in LIST_ROUTES])
def test_list_views_enforce_scope(client, world, role, name, pattern, view_class):
    """Lists answer 403 without the right, and never show an out-of-scope object."""
    user = _role_user(world, role)
    client.force_login(user)
    model = view_class.model
    maker = load_makers()[model]
    maker(world, True)
    outside = maker(world, False)
    url = _url(name, pattern)
    response = _request(client, view_class, url)
    if not view_class.permits(user, **_kwargs(pattern)):
        assert response.status_code == 403
        return
    assert response.status_code in (200, 302, 400)
    is_html = response.get("Content-Type", "").startswith("text/html")
    if is_html and response.status_code == 200 and not scoped(user, model, VIEW).filter(pk=outside.pk).exists():
        assert str(outside) not in response.content.decode(), f"{name} leaks an out-of-scope {model.__name__}"

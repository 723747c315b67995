"""The access matrix (DESIGN.md §3, §4.6 and §4.12), generated and checked against a table for people.

What is expected comes from access_expectations.md alone (表一 what each role may do per data
area, 表二 which objects each scope kind reaches, 表三 exceptions, 表四 which action an address
needs, 表五 the answers), never from roles.py or scoped(). What is requested is generated: every
page of the URL registry that shows business rows (ScopedListView / ScopedObjectView; public and
signed-in-only pages are exempt) and every operation of the OpenAPI schema, with every method
they accept — GET, and POST/PATCH/PUT/DELETE with an empty form or the smallest body the schema
accepts, each rolled back. Every response is read (HTML, JSON strings, xlsx cells) for the names
of objects the user must not reach and, for roles without 健康, for a health tag.

The combinations, chosen to stay under ~90 s on two cores:

* ``roles``: every route × all 8 roles × scope 本组织及以下 (org_subtree), objects in the grant's
  org, in a sibling org and owned by the user. Rights differ by role, so every role meets every
  route; org_subtree is the scope most grants use, and the three relations give one reachable
  object (403 or works), one unreachable (404) and ownership (which opens only import jobs).
* ``scopes``: every route × all 5 scope kinds × all 6 relations for two roles with broad rights:
  系统管理员 (holds every action, so only the scope decides) and 党办干事 (broad, but without
  明文/健康 on residents and without audit, so scope and rights interact).

Lists and create forms are requested once per (role, scope) with objects of every model of the
area placed in all six relations, and must not show any unreachable one. Run with ``-s`` to see
the number of cases.
"""

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.api.api import api
from xianfeng.core.tests.access import HEALTH_MARKERS, IN_ORG, IN_SIBLING, OWN, RELATIONS, load_makers
from xianfeng.hotline.models import Call, ShiftAssignment
from xianfeng.materials.models import Item

from . import expectations, matrix

ROUTES = matrix.all_routes()
EXP = expectations.load()
BROAD_ROLES = ("admin", "clerk")
# Pages of one app about another area's object, reached exactly like that object: a member's and a
# team's volunteer hours (whoever may see the member or the team sees their hours); the hotline
# dashboard, aggregate figures for readers of reports (its model is reports' Snapshot, 表一 reports).
OTHER_AREA_PAGES = {"servicelog:hours_member", "servicelog:hours_team", "hotline:dashboard"}

SWEEPS = {
    "roles": ([(role, "org_subtree") for role in expectations.ROLES], (IN_ORG, IN_SIBLING, OWN)),
    "scopes": ([(role, scope) for role in BROAD_ROLES for scope in expectations.SCOPES], RELATIONS),
}


@pytest.mark.parametrize("sweep", list(SWEEPS))
@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_access_matrix(world, route, sweep):
    combos, relations = SWEEPS[sweep]
    violations = matrix.check(route, world, combos, relations)
    assert violations == [], "\n".join(violations)


def teardown_module():
    print(f"\naccess matrix: {matrix.TALLY.cases} (route, role, scope, relation, method) cases in this process")


# --- what the matrix relies on -----------------------------------------------------------


def test_the_table_is_complete():
    """Every role has a row for every area a route shows, every route's action is in the legend."""
    for route in ROUTES:
        for role in expectations.ROLES:
            EXP.holds(role, route.area, expectations.VIEW)  # raises for an area missing in 表一
    assert EXP.reaches("imports", "view", "org_subtree", OWN)
    assert not EXP.reaches("members", "view", "org_subtree", OWN)
    assert EXP.reaches("regions", "view", "self", IN_SIBLING)
    assert not EXP.reaches("regions", "change", "self", IN_SIBLING)
    assert EXP.action_for("/orgs/<int:pk>/edit/", "GET") == "change"
    assert EXP.action_for("/api/residents/{resident_id}/reveal/", "POST") == "reveal"
    assert EXP.action_for("/api/orgs/{org_id}/", "PATCH") == "change"
    # Issue 12: asking to swap one's duty is open to whoever sees it (the service decides), deciding
    # on a swap manages the roster; the donation ledger's workbook is a public aggregate.
    assert EXP.action_for("/hotline/roster/assignments/<int:pk>/swap/", "POST") == "view"
    assert EXP.action_for("/hotline/roster/swaps/<int:pk>/approve/", "POST") == "change"
    assert EXP.action_for("/hotline/escalations/<int:pk>/close/", "POST") == "change"
    assert EXP.action_for("/materials/ledger.xlsx", "GET") == "view"
    assert EXP.action_for("/needs/export.xlsx", "GET") == "export"
    assert EXP.area_of(ShiftAssignment) == "hotlineroster" and EXP.area_of(Item) == "materialitems"
    assert EXP.reaches("needs", "change", "org_subtree", OWN) and EXP.reaches("hotline", "view", "org_only", OWN)
    assert not EXP.reaches("materials", "view", "org_subtree", OWN)
    assert EXP.holds("hotline", "hotline", "health") and not EXP.holds("clerk", "hotline", "view")


def test_every_view_declares_its_access():
    undeclared = []
    for name, _path, _pattern, view_class in matrix.url_patterns():
        if view_class is None:
            if name != "set_language":  # Django's own language switch, public by design
                undeclared.append(name)
            continue
        if matrix.is_exempt(view_class):
            continue
        if not issubclass(view_class, (ScopedListView, ScopedObjectView)) or view_class.model is None:
            undeclared.append(name)
    assert undeclared == [], f"views without a declared model/action: {undeclared}"


def test_every_view_declares_the_action_its_address_needs():
    """表四 reads the action from the address; a view declaring another one is out of line."""
    wrong = []
    for name, path, _pattern, view_class in matrix.url_patterns():
        if matrix.is_exempt(view_class) or not issubclass(view_class, (ScopedListView, ScopedObjectView)):
            continue
        method = "GET" if hasattr(view_class, "get") else "POST"
        needed = EXP.action_for(path, method)
        if view_class.action != needed:
            wrong.append(f"{name} ({path}) declares {view_class.action!r}, its address needs {needed!r}")
        namespace = name.split(":")[0]
        if view_class.model._meta.app_label != namespace and name not in OTHER_AREA_PAGES:
            wrong.append(f"{name} shows {view_class.model.__name__}, a model of another area")
    assert wrong == [], "\n".join(wrong)


def test_every_model_has_a_maker_for_every_relation(world):
    makers = load_makers()
    models = {r.model for r in ROUTES if r.model is not None}
    missing = sorted(m.__name__ for m in models if m not in makers)
    assert missing == [], f"register an @object_maker in <app>/tests/access.py for: {missing}"
    matrix.build_world(world)
    user = matrix.make_user(world, "admin", "self")
    for model, maker in makers.items():
        placed = []
        for relation in RELATIONS:
            obj = maker.make(world, relation, user)
            assert obj is None or isinstance(obj, model), f"{model.__name__} maker gave {obj!r} for {relation}"
            if obj is not None:
                assert obj.pk is not None and (maker.marker(obj) or relation == OWN), f"{model.__name__} {relation}"
                placed.append(relation)
        assert IN_ORG in placed or OWN in placed, f"{model.__name__} maker places nothing in the grant's reach"
    areas_with_routes = {r.area for r in ROUTES if not r.is_object}
    for area in areas_with_routes:
        assert any(EXP.area_of(m) == area for m in makers), f"no maker for any model of {area}"


PAGES = [r for r in ROUTES if r.kind == "page"]
API_OPERATIONS = [r for r in ROUTES if r.kind == "api"]


@pytest.mark.parametrize("route", PAGES, ids=[r.id for r in PAGES])
def test_anonymous_is_sent_to_login(client, world, route):
    obj = load_makers()[route.model].make(matrix.build_world(world), IN_ORG, None) if route.is_object else None
    for method in route.methods:
        response = getattr(client, method.lower())(route.build_url(obj))
        assert response.status_code == 302, f"{method} {route.id}"
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_api_requires_authentication(world):
    client = Client()
    matrix.build_world(world)
    makers = load_makers()
    for route in API_OPERATIONS:
        obj = makers[route.model].make(world, IN_ORG, None) if route.is_object else None
        for method in route.methods:
            response = matrix.send(client, method, route.build_url(obj), route.body.get(method))
            if route.path in EXP.public_api:  # 表十: open without signing in
                assert response.status_code in matrix.WORKS, f"{route.id} answered {response.status_code}"
                continue
            assert response.status_code == 401, f"{route.id} answered {response.status_code}"
            assert response.json()["detail"] == "需要登录或有效的 API 令牌"


def test_the_addresses_open_without_signing_in_are_those_of_the_table():
    """表十 names every public API operation (no authentication in the schema) and every listed
    page is a public view: nothing is open by accident, nothing listed is closed."""
    schema = api.get_openapi_schema()
    unsecured = {path for path, ops in schema["paths"].items() for op in ops.values() if not op.get("security")}
    assert unsecured == EXP.public_api
    public_pages = {path for _name, path, _pattern, view_class in matrix.url_patterns() if matrix.is_exempt(view_class)}
    assert EXP.public_pages <= public_pages, f"not public: {sorted(EXP.public_pages - public_pages)}"


def test_operations_pages_answer_administrators_only(world):
    """表十一: the IT office's pages answer an administrator over 全部, 403 to every other role and
    scope (the matrix sweeps skip them: they show no business rows), the login page to anyone else."""
    assert EXP.admin_pages, "表十一 lists no page"
    for path in sorted(EXP.admin_pages):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
        for role in expectations.ROLES:
            for scope in expectations.SCOPES:
                client = Client()
                client.force_login(matrix.make_user(world, role, scope))
                expected = 200 if expectations.is_administrator(role, scope) else 403
                assert client.get(path).status_code == expected, f"{path} as {role} over {scope}"


def test_the_matrix_covers_every_api_operation():
    schema = api.get_openapi_schema()
    operations = {f"api {m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops}
    assert operations == {r.id for r in API_OPERATIONS}


def test_pages_refuse_methods_they_do_not_implement(world):
    """A page answers only the methods it defines; PUT/PATCH/DELETE never do anything."""
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    makers = load_makers()
    matrix.build_world(world)
    for route in PAGES:
        obj = makers[route.model].make(world, IN_ORG, None) if route.is_object else None
        for method in {"PUT", "PATCH", "DELETE"} - set(route.methods):
            response = matrix.send(client, method, route.build_url(obj))
            assert response.status_code == 405, f"{method} {route.id} answered {response.status_code}"


DETAIL_PAGES = [
    r for r in PAGES if r.is_object and "GET" in r.methods and EXP.action_for(r.path, "GET") == expectations.VIEW
]


@pytest.mark.parametrize("route", DETAIL_PAGES, ids=[r.id for r in DETAIL_PAGES])
def test_markers_are_real(world, route):
    """The names the matrix looks for do show where the object is reached, so their absence
    elsewhere means something: an administrator over 全部 sees the object's name on its page.
    An address that only takes a POST (withdrawing a swap request) sends a GET on to the page
    that lists the object: the name shows there."""
    makers = load_makers()
    matrix.build_world(world)
    user = matrix.make_user(world, "admin", "all")
    obj = makers[route.model].make(world, IN_ORG, user)
    client = Client()
    client.force_login(user)
    response = matrix.send(client, "GET", route.build_url(obj))
    if response.status_code == 302 and "POST" in route.methods:
        response = matrix.send(client, "GET", response["Location"])
    assert response.status_code == 200
    marker = makers[route.model].marker(obj)
    if response.get("Content-Type", "").startswith("text/html"):
        assert marker in response.readable, f"{route.id} does not show {marker!r}"


def test_the_health_marker_is_real(world):
    """A doctor sees the psychiatric tag the matrix hides from everyone without 健康."""
    makers = load_makers()
    matrix.build_world(world)
    route = next(r for r in PAGES if r.id == "residents:detail")
    checked = {}
    for role in ("doctor", "member"):
        user = matrix.make_user(world, role, "org_subtree")
        resident = makers[route.model].make(world, IN_ORG, user)
        client = Client()
        client.force_login(user)
        checked[role] = HEALTH_MARKERS["residents"] in matrix.send(client, "GET", route.build_url(resident)).readable
    assert checked == {"doctor": True, "member": False}


def test_the_hotline_health_marker_is_real(world):
    """The duty supervisor (精防医生) reads on a call's page the caller's words that the matrix
    hides from every role without 健康 on the hotline."""
    makers = load_makers()
    matrix.build_world(world)
    user = matrix.make_user(world, "doctor", "org_subtree")
    call = makers[Call].make(world, IN_ORG, user)
    client = Client()
    client.force_login(user)
    response = matrix.send(client, "GET", reverse("hotline:call_detail", args=[call.pk]))
    assert response.status_code == 200 and HEALTH_MARKERS["hotline"] in response.readable

"""The access matrix machinery: routes generated from the URL registry and the OpenAPI schema,
a world with objects in every relation to a grant, and ``check()``, which requests a route as
users holding given roles and scopes and returns the violations of access_expectations.md.

The tests are in test_access_matrix.py; this module only finds routes, builds and compares.
"""

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from xianfeng.accounts.models import User
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.api.api import api
from xianfeng.core.tests.access import (
    ELSEWHERE,
    HEALTH_MARKERS,
    HEALTH_SEEN_IN,
    IN_CHILD,
    IN_ORG,
    IN_REGION,
    IN_SIBLING,
    LABELS,
    OWN,
    RELATIONS,
    load_makers,
)
from xianfeng.core.tests.factories import GrantFactory, OrganizationFactory, UserFactory
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.core.views import SignedInView
from xianfeng.imports.spec import REGISTRY as IMPORT_SPECS
from xianfeng.reports.families import families
from xianfeng.residents.tests.factories import region

from . import expectations
from .expectations import CHANGE, HEALTH, VIEW

# Answers that mean "the view did its work" (表五): a page, a redirect, a form with errors.
WORKS = {200, 201, 204, 302, 303, 400, 409, 422}
METHODS = ("get", "post", "put", "patch", "delete")

# The township (and its village "…200") of each relation; see the table in access.py.
TOWNS = {
    IN_ORG: "210681101",  # served by the grant's branch
    IN_CHILD: "210681102",  # served by the group below it
    IN_SIBLING: "210681104",  # served by the sibling branch
    IN_REGION: "210681103",  # the region grant's township, served by an org outside the branch
    ELSEWHERE: "210681105",  # served by nobody
    OWN: "210681105",
}
GRANTED_REGION = TOWNS[IN_REGION]


# --- the world ---------------------------------------------------------------------------


def build_world(world):
    """Extend the shared world (fixtures.py) with places and an org for every relation.

    The grant under test is over branch_a (内科党支部) for the org scopes and over township
    TOWNS[IN_REGION] for the region scope.
    """
    if getattr(world, "orgs", None):
        return world
    region("21", "辽宁省")
    region("2106", "丹东市")
    region("210681", "东港市")
    world.towns = dict(TOWNS)
    world.villages = {}
    for relation, town in TOWNS.items():
        town_region = region(town, f"{LABELS[relation]}镇")
        region(town + "200", f"{LABELS[relation]}村")
        world.villages[relation] = town + "200"
        world.towns[relation] = town_region.code
    world.region_org = OrganizationFactory(name=f"{LABELS[IN_REGION]}党支部", parent=world.committee)
    world.own_org = OrganizationFactory(name=f"{LABELS[OWN]}组织", parent=world.committee)
    world.orgs = {
        IN_ORG: world.branch_a,
        IN_CHILD: world.group_a,
        IN_SIBLING: world.branch_b,
        IN_REGION: world.region_org,
        ELSEWHERE: world.committee,
        OWN: world.own_org,
    }
    for relation, org in world.orgs.items():
        # Names no page shows by chance (an import template's example is "内科党支部").
        kind = "党小组" if relation == IN_CHILD else "党委" if relation == ELSEWHERE else "党支部"
        org.name = f"{LABELS[relation]}{kind}" if relation != OWN else org.name
        org.name_norm = normalize_name(org.name)
        org.name_initials = pinyin_initials(org.name)
        org.save(update_fields=["name", "name_norm", "name_initials"])
        if relation in (IN_ORG, IN_CHILD, IN_SIBLING, IN_REGION):
            org.regions.add(TOWNS[relation])
    return world


_users = itertools.count(1)


def make_user(world, role: str, scope: str) -> User:
    """A user holding one grant: role over scope (branch_a, or the granted township)."""
    user = UserFactory(org=None, username=f"matrix-user-{role}-{scope}-{next(_users)}", display_name="矩阵测试用户")
    GrantFactory(
        user=user,
        role=role,
        scope=scope,
        org=world.branch_a if scope in ("org_subtree", "org_only") else None,
        region_prefixes=GRANTED_REGION if scope == "region" else "",
    )
    return user


# --- routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    id: str
    kind: str  # "page" or "api"
    path: str  # the address template, read for the action (表四)
    area: str  # the data area (app label) of 表一
    model: type | None  # the model named by the address (object routes), else None
    methods: tuple[str, ...]
    build_url: Callable  # (obj or None) -> str
    also_change: tuple[str, ...] = ()  # areas whose 修改 the route also needs (imports)
    shows: tuple[str, ...] = ()  # other areas whose rows the page lists (a figure family's drill-down)
    body: dict = field(default_factory=dict, compare=False, hash=False)  # method -> minimal body

    @property
    def is_object(self) -> bool:
        return self.model is not None


def _walk(patterns, namespace="", prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern), entry


def url_patterns():
    """(name, path template, pattern, view class or None) of every named page, API excluded."""
    for namespace, path, pattern in _walk(get_resolver().url_patterns):
        if namespace == "api" or not pattern.name:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        yield name, "/" + path, pattern, getattr(pattern.callback, "view_class", None)


def is_exempt(view_class) -> bool:
    """Public pages and pages about the signed-in user only (no business rows)."""
    return view_class is None or getattr(view_class, "public", False) or issubclass(view_class, SignedInView)


def _fill(path: str, values: dict) -> str:
    for key, value in values.items():
        for converter in ("int", "str", "slug", ""):
            token = f"<{converter}:{key}>" if converter else f"<{key}>"
            path = path.replace(token, str(value))
    return path


def page_routes() -> list[Route]:
    routes = []
    for name, path, pattern, view_class in url_patterns():
        if is_exempt(view_class) or not issubclass(view_class, (ScopedListView, ScopedObjectView)):
            continue
        model = view_class.model
        methods = tuple(m.upper() for m in METHODS if hasattr(view_class, m))
        kwargs = set(pattern.pattern.converters)
        is_object = "pk" in kwargs
        variants = [({}, (), ())]
        if "key" in kwargs:  # a figure's drill-down: one figure stands for all (one view serves them)
            variants = [({"key": "persons"}, (), ())]
        if "family" in kwargs:  # a figure family's drill-down (reports/families.py): one route per
            # family, for its first count figure; it lists the family's rows (calls, needs).
            variants = [
                ({"family": fam.key, "key": fam.drillable[0]}, (), (fam.key,)) for fam in families() if fam.drillable
            ]
        if "spec_key" in kwargs:  # one route per import kind, generated from the import registry
            variants = [({"spec_key": key}, (spec.model._meta.app_label,), ()) for key, spec in IMPORT_SPECS.items()]
        unknown = kwargs - {"pk", "spec_key", "key", "family"}
        if unknown:
            raise AssertionError(f"teach the access matrix values for URL kwargs {unknown} of {name}")
        for values, also, shows in variants:
            fixed = _fill(path, values)

            def build(obj, fixed=fixed):
                return _fill(fixed, {"pk": obj.pk}) if obj is not None else fixed

            suffix = f"[{next(iter(values.values()))}]" if values else ""
            routes.append(
                Route(
                    id=f"{name}{suffix}",
                    kind="page",
                    path=fixed,
                    area=expectations.load().area_of(model),
                    model=model if is_object else None,
                    methods=methods,
                    build_url=build,
                    also_change=also,
                    shows=shows,
                )
            )
    return routes


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def minimal_value(schema: dict, node: dict):
    """The smallest value the schema accepts: required fields only, first enum choice."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        return minimal_value(schema, node["anyOf"][0])
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {k: minimal_value(schema, node["properties"][k]) for k in node.get("required", [])}
    if kind == "array":  # as few items as the schema allows (a team formed from at least one 请战书)
        return [minimal_value(schema, node["items"]) for _ in range(node.get("minItems", 0))]
    if kind == "integer" or kind == "number":  # an id nothing has, within the schema's bounds
        return min(max(999_999, node.get("minimum", 0)), node.get("maximum", 999_999))
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2024-01-02"
    if node.get("format") == "date-time":
        return "2024-01-02T08:00:00+08:00"
    return "x"


def _named_model(app: str, word: str, param: str = ""):
    """The model of ``app`` (one with a maker) that a word of an address names, or None."""
    makers = load_makers()
    candidates = [m for m in apps.get_app_config(app).get_models() if m in makers]
    stem = word.replace("_", "").replace("-", "").lower()
    if not stem:
        return None
    for test in (
        lambda m: m.__name__.lower() == stem,
        lambda m: bool(param) and m._meta.pk.name == param,
        lambda m: m.__name__.lower().startswith(stem),
        lambda m: stem in m.__name__.lower(),
    ):
        found = [m for m in candidates if test(m)]
        if len(found) == 1:
            return found[0]
    return None


def _param_model(app: str, param: str):
    """The model a path parameter names: <model>_id within the operation's app, or its pk name."""
    model = _named_model(app, param.removesuffix("_id"), param)
    if model is None:
        raise AssertionError(f"teach the access matrix which model the API path parameter {param!r} ({app}) names")
    return model


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word.removesuffix("s")


def _collection_area(app: str, path: str) -> str:
    """The data area of an operation without a path parameter (a list, a create, an aggregate).

    An app may hold models of several areas (the hotline's roster is ``hotlineroster``, the
    materials' item catalogue ``materialitems``, 表七): the last word of the address that names a
    model of the app decides (/api/hotline/roster/shifts/ → Shift → hotlineroster); an address
    naming none belongs to the app's own area (/api/materials/ledger/ → materials).
    """
    for segment in reversed([s for s in path.strip("/").split("/") if s and not s.startswith("{")][2:]):
        model = _named_model(app, _singular(segment))
        if model is not None:
            return expectations.load().area_of(model)
    return app


def api_routes() -> list[Route]:
    schema = api.get_openapi_schema()
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            # xianfeng_<app>_api_<function>; an operation may name its area instead of its app
            # (xianfeng_servicetypes_api_...), which then decides.
            app = operation["operationId"].split("_")[1]
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            model = _param_model(app, params[0]) if params else None
            if model is not None:
                area = expectations.load().area_of(model)
            elif app in apps.app_configs:
                area = _collection_area(app, path)
            else:
                area = app
            body = {}
            request_body = operation.get("requestBody")
            if request_body:
                body_schema = request_body["content"]["application/json"]["schema"]
                body[method.upper()] = minimal_value(schema, body_schema)

            def build(obj, path=path, params=tuple(params)):
                url = path
                for param in params:
                    url = url.replace("{" + param + "}", str(obj.pk))
                return url

            routes.append(
                Route(
                    id=f"api {method.upper()} {path}",
                    kind="api",
                    path=path,
                    area=area,
                    model=model,
                    methods=(method.upper(),),
                    build_url=build,
                    body=body,
                )
            )
    return routes


def all_routes() -> list[Route]:
    return page_routes() + api_routes()


# --- responses ---------------------------------------------------------------------------


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def response_text(response) -> str:
    """Everything a user could read in the response: HTML text, JSON strings, xlsx cells, docx text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if "wordprocessingml" in content_type:  # a Word document: its paragraphs and table cells
        import docx

        document = docx.Document(io.BytesIO(content))
        values = [p.text for p in document.paragraphs]
        values += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join(values)
    if "spreadsheetml" in content_type or content[:2] == b"PK":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        values = []
        for sheet in book.worksheets:
            values.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                values.extend(str(v) for v in row if v is not None)
        return "\n".join(values)
    if "json" in content_type:
        return "\n".join(_json_strings(json.loads(content or b"null")))
    return content.decode("utf-8", errors="replace")


def send(client: Client, method: str, url: str, body=None):
    """One request, rolled back afterwards so that writes never change the next case."""
    with transaction.atomic():
        if body is None:
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, method.lower())(url, json.dumps(body), content_type="application/json")
        response.readable = response_text(response)
        transaction.set_rollback(True)
    return response


# --- the check ---------------------------------------------------------------------------


@dataclass
class Tally:
    cases: int = 0


TALLY = Tally()


def expected_answers(exp, route: Route, method: str, role: str, scope: str, relation: str | None) -> set[int]:
    """表五 for one request."""
    if route.kind == "api" and route.path in exp.public_api:
        return WORKS  # 表十: open to anyone, signed in or not, whatever the role
    action = exp.action_for(route.path, method)
    also = all(exp.holds(role, a, CHANGE) for a in route.also_change)
    any_answer = set(range(200, 500)) - {401}
    if relation is None:  # a list, a create form, a collection operation
        may_act = also and exp.holds(role, route.area, action)
        if route.kind == "api":
            if action == VIEW:
                return (WORKS | {403}) if not may_act else WORKS
            return any_answer if may_act else any_answer - set(range(200, 300))
        return WORKS if may_act else {403}
    if not exp.visible(role, route.area, scope, relation):
        return {404}
    if not (also and exp.allowed(role, route.area, action, scope, relation)):
        return {403}
    if exp.admin_only(route.path) and not expectations.is_administrator(role, scope):
        return {403}
    if exp.not_to_self(route.path) and relation == OWN and route.area == "accounts":
        return {403}
    if route.kind == "api" and method != "GET":
        return any_answer  # the object is checked first; the minimal body may fail later
    return WORKS


def check(route: Route, world, combos, relations=RELATIONS) -> list[str]:
    """Request ``route`` as a user for each (role, scope) in ``combos`` and return violations.

    Object routes are requested for an object in each of ``relations``; lists and forms once,
    with objects of every model of the area in every relation present. Every response is read
    (HTML, JSON, xlsx) for the names of objects the user must not reach.
    """
    exp = expectations.load()
    makers = load_makers()
    world = build_world(world)
    area_models = [m for m in makers if exp.area_of(m) in (route.area, *route.shows)]
    if route.is_object:
        models, shared_relations = [route.model], [r for r in relations if r != OWN]
    else:
        models, shared_relations = area_models, [r for r in RELATIONS if r != OWN]
    shared = {(m, r): makers[m].make(world, r, None) for m in models for r in shared_relations}
    violations = []
    for role, scope in combos:
        user = make_user(world, role, scope)
        objects = dict(shared)
        if OWN in relations or not route.is_object:
            objects.update({(m, OWN): makers[m].make(world, OWN, user) for m in models})
        hidden = {
            makers[m].marker(obj): f"{m.__name__} {r}"
            for (m, r), obj in objects.items()
            if obj is not None
            and makers[m].marker(obj)  # the user's own account has no marker: its name is in the header
            and not exp.visible(role, exp.area_of(m), scope, r)
            and (exp.area_of(m), r) not in exp.shown
        }
        for relation, org in world.orgs.items():
            if (
                relation != OWN
                and not exp.visible(role, "orgs", scope, relation)
                and ("orgs", relation) not in exp.shown
            ):
                hidden[org.name] = f"Organization {relation}"
        for area in {exp.area_of(m) for m in models}:
            for health_area in {area, *HEALTH_SEEN_IN.get(area, ())} & set(HEALTH_MARKERS):
                if not exp.holds(role, health_area, HEALTH):
                    hidden[HEALTH_MARKERS[health_area]] = f"health data of {health_area} (needs 健康)"
        client = Client(raise_request_exception=False)
        client.force_login(user)
        targets = [(r, objects.get((route.model, r))) for r in relations] if route.is_object else [(None, None)]
        for relation, obj in targets:
            if route.is_object and obj is None:
                continue  # the model has no place in this relation
            url = route.build_url(obj)
            for method in route.methods:
                TALLY.cases += 1
                expected = expected_answers(exp, route, method, role, scope, relation)
                response = send(client, method, url, route.body.get(method))
                where = f"{method} {url} ({route.id}) as {role}/{scope}" + (f", object {relation}" if relation else "")
                status = response.status_code
                if status not in expected:
                    error = getattr(response, "exc_info", None)
                    detail = f": {error[1]!r}" if error else ""
                    violations.append(f"{where}: expected {sorted(expected)[:6]}, got {status}{detail}")
                leaked = [f"{marker!r} ({what})" for marker, what in hidden.items() if marker in response.readable]
                if leaked:
                    violations.append(f"{where}: shows out-of-reach {', '.join(leaked)}")
    return violations

"""The devices area against the access table (access_expectations.md, 表一 devices, 表三 own and
仅限本人, 表十), asked of ``scoped()`` directly for every role, scope kind and relation, and a
check that the generated matrix goes red when a field role's grant is allowed beyond its own
devices."""

import pytest

from xianfeng.accounts import roles
from xianfeng.accounts.scoping import scoped
from xianfeng.accounts.tests import expectations, matrix
from xianfeng.accounts.tests.expectations import CHANGE, VIEW
from xianfeng.core.tests.access import IN_ORG, OWN, RELATIONS, load_makers
from xianfeng.devices.models import Device, SyncedEntry

EXP = expectations.load()


def test_the_table_says_who_manages_devices():
    assert EXP.holds("clerk", "devices", CHANGE) and not EXP.holds("leader", "devices", VIEW)
    for role in ("secretary", "member", "doctor", "hotline"):
        assert EXP.reaches("devices", VIEW, "all", OWN, role) and not EXP.reaches("devices", VIEW, "all", IN_ORG, role)
    assert EXP.reaches("devices", CHANGE, "org_subtree", OWN, "clerk")
    assert EXP.public_api == {"/api/offline/status/", "/api/offline/wiped/"}
    assert "/m/" in EXP.public_pages


@pytest.mark.parametrize("model", [Device, SyncedEntry], ids=lambda m: m.__name__)
def test_scoped_agrees_with_the_table(world, model):
    maker = load_makers()[model]
    matrix.build_world(world)
    shared = {relation: maker.make(world, relation, None) for relation in RELATIONS if relation != OWN}
    wrong = []
    for role in expectations.ROLES:
        for scope in expectations.SCOPES:
            user = matrix.make_user(world, role, scope)
            objects = {**shared, OWN: maker.make(world, OWN, user)}
            for relation, obj in objects.items():
                if obj is None:
                    continue  # a device lies in no region
                for action in (VIEW, CHANGE):
                    expected = EXP.allowed(role, "devices", action, scope, relation)
                    got = scoped(user, model, action).filter(pk=obj.pk).exists()
                    if got != expected:
                        wrong.append(f"{role}/{scope} {action} {relation}: table says {expected}, scoped() {got}")
    assert wrong == [], "\n".join(wrong)


def test_a_volunteer_reaching_colleagues_devices_turns_the_matrix_red(world, monkeypatch):
    routes = {route.id: route for route in matrix.all_routes()}
    combos = [("member", "org_subtree"), ("secretary", "org_only")]
    subset = [routes["devices:list"], routes["devices:detail"], routes["api GET /api/offline/devices/"]]
    assert [v for route in subset for v in matrix.check(route, world, combos, (IN_ORG, OWN))] == []
    monkeypatch.setattr(roles, "OWN_ONLY", {})
    violations = [v for route in subset for v in matrix.check(route, world, combos, (IN_ORG, OWN))]
    assert any(
        "(devices:detail) as member/org_subtree, object in_org: expected [404], got 200" in v for v in violations
    )
    assert any("devices:list" in v and "shows out-of-reach '甲本级手机" in v for v in violations), violations
    assert any("/api/offline/devices/" in v and "out-of-reach" in v for v in violations), violations

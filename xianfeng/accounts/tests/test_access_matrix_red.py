"""The access matrix can fail: its checker reports violations when scoped() is widened or when
a view declares a weaker action, and none when nothing is patched (DESIGN.md §4.12)."""

import pytest

from xianfeng.accounts import scoping
from xianfeng.accounts.roles import Scope
from xianfeng.core.tests.access import IN_ORG, IN_SIBLING
from xianfeng.materials.models import Distribution, Receipt
from xianfeng.needs.models import Need
from xianfeng.orgs.views import OrgEditView

from . import matrix

ROUTES = {route.id: route for route in matrix.all_routes()}
SUBSET = ["orgs:detail", "orgs:edit", "members:list", "api GET /api/members/{member_id}/"]
COMBOS = [("clerk", "org_subtree"), ("leader", "org_subtree"), ("doctor", "org_only")]


def run_subset(world) -> list[str]:
    violations = []
    for route_id in SUBSET:
        violations += matrix.check(ROUTES[route_id], world, COMBOS, (IN_ORG, IN_SIBLING))
    return violations


def test_unpatched_the_subset_is_clean(world):
    assert run_subset(world) == []


def test_widened_scope_turns_the_matrix_red(world, monkeypatch):
    """An org-subtree grant that opens every row: out-of-scope objects answer and show up."""
    real = scoping.grant_filter

    def widened(grant, model, user, action="view"):
        return None if grant.scope == Scope.ORG_SUBTREE else real(grant, model, user, action)

    monkeypatch.setattr(scoping, "grant_filter", widened)
    violations = run_subset(world)
    assert any("orgs:detail" in v and "object in_sibling: expected [404], got 200" in v for v in violations)
    assert any("members:list" in v and "shows out-of-reach '丙平级党员'" in v for v in violations)
    assert any("/api/members/" in v and "expected [404], got 200" in v for v in violations)


def test_org_only_ignoring_its_org_turns_the_matrix_red(world, monkeypatch):
    """本组织 that forgets the org: the doctor's org_only grant reaches a sibling branch."""
    real = scoping.grant_filter

    def careless(grant, model, user, action="view"):
        if grant.scope == Scope.ORG_ONLY:
            return real(type(grant)(scope=Scope.ALL, role=grant.role), model, user, action)
        return real(grant, model, user, action)

    monkeypatch.setattr(scoping, "grant_filter", careless)
    violations = run_subset(world)
    assert any("doctor/org_only, object in_sibling: expected [404]" in v for v in violations)


@pytest.mark.parametrize("weaker", ["view"])
def test_a_view_declaring_a_weaker_action_turns_the_matrix_red(world, monkeypatch, weaker):
    """The edit page declares 查看 instead of 修改: the read-only leader gets the form."""
    monkeypatch.setattr(OrgEditView, "action", weaker)
    violations = run_subset(world)
    assert any(
        "GET /orgs/" in v and "(orgs:edit) as leader/org_subtree, object in_org: expected [403], got 200" in v
        for v in violations
    ), violations


# --- issue 12: the needs ledger and materials ------------------------------------------------

ISSUE_12_SUBSET = ["needs:list", "needs:detail", "materials:receipt_list", "materials:distribution_detail"]


def test_a_needs_and_materials_scope_that_forgets_its_org_turns_the_matrix_red(world, monkeypatch):
    """An org grant opening every need, receipt and distribution: out-of-scope rows answer and show."""
    real = scoping.grant_filter

    def careless(grant, model, user, action="view"):
        if model in (Need, Receipt, Distribution) and grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY):
            return None
        return real(grant, model, user, action)

    routes = [ROUTES[route_id] for route_id in ISSUE_12_SUBSET]
    combos = [("secretary", "org_subtree"), ("member", "org_only")]
    assert [v for route in routes for v in matrix.check(route, world, combos, (IN_ORG, IN_SIBLING))] == []
    monkeypatch.setattr(scoping, "grant_filter", careless)
    violations = [v for route in routes for v in matrix.check(route, world, combos, (IN_ORG, IN_SIBLING))]
    assert any("needs:list" in v and "shows out-of-reach '丙平级诉求" in v for v in violations), violations
    assert any("(needs:detail) as member/org_only, object in_sibling: expected [404], got 200" in v for v in violations)
    assert any("materials:receipt_list" in v and "'丙平级捐赠人" in v for v in violations), violations
    assert any("(materials:distribution_detail)" in v and "expected [404], got 200" in v for v in violations)

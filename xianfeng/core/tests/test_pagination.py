"""Large list totals are cached briefly (issue 8: counting 100 000 rows on every page view
cost more than the page); small ones are always exact, and nobody sees another scope's total."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _total(client, user, **params):
    client.force_login(user)
    response = client.get("/api/orgs/", params)
    assert response.status_code == 200
    return response.json()["count"]


@override_settings(COUNT_CACHE_MIN_ROWS=4, COUNT_CACHE_SECONDS=60)
def test_a_large_total_is_reused_for_a_minute_and_only_for_the_same_rows(client, db):
    root = OrganizationFactory(name="医院党委", kind="committee")
    for _ in range(4):
        OrganizationFactory(parent=root)
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, org=root)
    assert _total(client, clerk) == 5
    OrganizationFactory(parent=root)
    assert _total(client, clerk) == 5  # the cached total; the rows themselves are current
    assert len(client.get("/api/orgs/").json()["items"]) == 6
    # Another scope is another query: its own, exact total.
    branch = root.children.first()
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, org=branch)
    assert _total(client, secretary) == 1


@override_settings(COUNT_CACHE_MIN_ROWS=100, COUNT_CACHE_SECONDS=60)
def test_a_small_total_is_always_exact(client, db):
    root = OrganizationFactory(name="医院党委", kind="committee")
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, org=root)
    assert _total(client, clerk) == 1
    OrganizationFactory(parent=root)
    assert _total(client, clerk) == 2

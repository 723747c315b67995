"""List pages must not issue a query per row (N+1): the count stays flat as rows grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.core.tests.factories import OrganizationFactory, UserFactory
from xianfeng.orgs import services


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(world, n):
    for i in range(n):
        org = OrganizationFactory(name=f"增长支部{i}", parent=world.branch_a)
        UserFactory(org=org)
        services.org_update(acting_user=world.admin, org=org, name=f"增长支部{i}改")


@pytest.mark.parametrize("url_name", ["orgs:list", "accounts:user_list", "audit:changes", "imports:list"])
def test_list_page_queries_do_not_grow_with_rows(world, login, url_name):
    client = login(world.admin)
    url = reverse(url_name)
    grow(world, 3)
    few = queries_for(client, url)
    grow(world, 12)
    many = queries_for(client, url)
    assert many == few, f"{url_name}: {few} queries for few rows, {many} for many"

"""The shared test world (DESIGN.md §4.6): an owner, an in-scope reader and an outsider.

committee (党委)
├── branch_a (党支部)     owner = 党办干事 over A's subtree; reader = 领导(只读) over A
│   └── group_a (党小组)
└── branch_b (党支部)     outsider = 党办干事 over B's subtree
"""

from types import SimpleNamespace

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.orgs.models import Organization

from .factories import OrganizationFactory, UserFactory, user_with_grant


@pytest.fixture(autouse=True)
def interface_language_reset():
    """Every test starts in the default interface language: a request in English leaves its
    language active in the thread, and a later test (messages built outside a request) must not
    inherit it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def shipped_catalogue(request):
    """The service-type and item catalogues are data migrations ship; a transactional test (a live
    server for the browser) flushes every table when it ends, so tests after it load it again."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in names or marker is not None:
        request.getfixturevalue("db")
    else:
        return
    from xianfeng.servicelog.catalogue import load_catalogue
    from xianfeng.servicelog.models import ServiceType

    if not ServiceType.objects.filter(code="medicine_delivery").exists():
        load_catalogue(ServiceType)
    from xianfeng.materials.catalogue import load_items
    from xianfeng.materials.models import Item

    if not Item.objects.exists():  # the materials catalogue, shipped the same way (issue 12)
        load_items(Item, ServiceType)


@pytest.fixture
def world(db):
    committee = OrganizationFactory(name="市医院党委", kind=Organization.Kind.COMMITTEE)
    branch_a = OrganizationFactory(name="内科党支部", parent=committee)
    group_a = OrganizationFactory(name="内科第一党小组", kind=Organization.Kind.GROUP, parent=branch_a)
    branch_b = OrganizationFactory(name="外科党支部", parent=committee)
    return SimpleNamespace(
        committee=committee,
        branch_a=branch_a,
        group_a=group_a,
        branch_b=branch_b,
        owner=user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, branch_a, username="owner"),
        reader=user_with_grant(Role.LEADER, Scope.ORG_SUBTREE, branch_a, username="reader"),
        outsider=user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, branch_b, username="outsider"),
        admin=UserFactory(username="admin", is_superuser=True, org=committee),
    )


@pytest.fixture
def login(client):
    """login(user) -> the test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login

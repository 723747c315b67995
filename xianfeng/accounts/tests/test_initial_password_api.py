"""The initial-password rule holds for the API too (issue 7): until a user has changed the
password they were given, every API call answers 403 in the one error shape."""

import pytest
from django.urls import reverse

from xianfeng.accounts import services
from xianfeng.orgs.models import Organization
from xianfeng.teams.models import Team

PASSWORD = "Xianfeng-test-1"


@pytest.fixture
def newcomer(world):
    world.owner.must_change_password = True
    world.owner.save(update_fields=["must_change_password"])
    return world.owner


def _assert_change_password_first(response):
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {}
    assert "修改初始密码" in body["detail"]


def test_session_user_with_initial_password_cannot_create_a_team(world, newcomer, login):
    client = login(newcomer)
    response = client.post(
        "/api/teams/",
        {"name": "绕过突击队", "kind": Team.Kind.COMMANDO, "owner_org_id": world.branch_a.pk},
        content_type="application/json",
    )
    _assert_change_password_first(response)
    assert not Team.objects.filter(name="绕过突击队").exists()
    _assert_change_password_first(client.get("/api/orgs/"))


def test_token_of_a_user_with_initial_password_is_refused(client, world, newcomer):
    _token, raw = services.api_token_create(acting_user=None, user=newcomer, name="脚本")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    _assert_change_password_first(client.get("/api/orgs/", **headers))
    response = client.post(
        "/api/orgs/",
        {"name": "绕过党小组", "kind": "group", "parent_id": world.branch_a.pk},
        content_type="application/json",
        **headers,
    )
    _assert_change_password_first(response)
    assert not Organization.objects.filter(name="绕过党小组").exists()


def test_the_api_opens_once_the_password_is_changed(world, newcomer, login):
    client = login(newcomer)
    _assert_change_password_first(client.get("/api/orgs/"))
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Dangjian-2026!", "new_password2": "Dangjian-2026!"},
    )
    assert client.get("/api/orgs/").status_code == 200

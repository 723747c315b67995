"""The JSON API: same scoping as the pages, token and session auth, one error shape."""

import pytest
from django.core.management import call_command

from xianfeng.accounts.services import api_token_create
from xianfeng.accounts.tests.expectations import load
from xianfeng.api.api import api
from xianfeng.orgs.models import Organization


@pytest.fixture
def bearer(world):
    def _bearer(user):
        _token, raw = api_token_create(acting_user=user, user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _bearer


def test_every_operation_requires_authentication(client, world):
    """Generated from the OpenAPI schema: a new endpoint is covered the day it is added."""
    schema = api.get_openapi_schema()
    assert schema["paths"], "no API paths found"
    for path, operations in schema["paths"].items():
        url = path.replace("{org_id}", str(world.branch_a.pk)).replace("{code}", "210681")
        for method, operation in operations.items():
            if not operation.get("security"):  # open by design (access_expectations.md 表十)
                assert path in load().public_api, f"{method.upper()} {path} needs no authentication"
                continue
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code}"
            assert response.json()["detail"] == "需要登录或有效的 API 令牌"


def test_token_auth_lists_only_orgs_in_scope(client, world, bearer):
    response = client.get("/api/orgs/", **bearer(world.owner))
    assert response.status_code == 200
    assert sorted(o["name"] for o in response.json()["items"]) == ["内科党支部", "内科第一党小组"]


def test_out_of_scope_detail_is_404_and_read_only_write_is_403(client, world, bearer):
    assert client.get(f"/api/orgs/{world.branch_a.pk}/", **bearer(world.outsider)).status_code == 404
    response = client.patch(
        f"/api/orgs/{world.branch_a.pk}/", {"name": "x"}, content_type="application/json", **bearer(world.reader)
    )
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}


def test_create_via_api_and_validation_errors(client, world, bearer):
    headers = bearer(world.owner)
    response = client.post(
        "/api/orgs/",
        {"name": "API党小组", "kind": "group", "parent_id": world.branch_a.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert Organization.objects.get(name="API党小组").parent == world.branch_a
    response = client.post(
        "/api/orgs/", {"name": "坏", "kind": "group", "regions": ["999"]}, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert "regions" in response.json()["errors"]
    response = client.post(
        "/api/orgs/", {"name": "坏", "kind": "not-a-kind"}, content_type="application/json", **headers
    )
    assert response.status_code == 422 and "kind" in response.json()["errors"]


def test_move_into_a_cycle_is_422(client, world, bearer):
    response = client.post(
        f"/api/orgs/{world.branch_a.pk}/move/",
        {"parent_id": world.group_a.pk},
        content_type="application/json",
        **bearer(world.admin),
    )
    assert response.status_code == 422
    assert "parent" in response.json()["errors"]


def test_session_auth_works_for_the_browser(client, world):
    client.force_login(world.owner)
    assert client.get("/api/regions/", {"q": "東港"}).json()["items"][0]["code"] == "210681"


def test_region_search_by_traditional_name_and_children(client, world, bearer):
    headers = bearer(world.owner)
    assert [r["code"] for r in client.get("/api/regions/", {"q": "遼寧"}, **headers).json()["items"]] == ["21"]
    children = client.get("/api/regions/2106/children/", **headers).json()
    assert "210681" in [c["code"] for c in children]


def test_openapi_docs_are_served(client, db):
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Xianfeng API"


def test_revoked_or_unknown_token_is_refused(client, world):
    response = client.get("/api/orgs/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_create_api_token_command_prints_a_working_token(client, world, capsys):
    call_command("create_api_token", "owner")
    raw = capsys.readouterr().out.strip()
    assert client.get("/api/orgs/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

"""API tokens: they expire, and their owner lists, creates and revokes them at /accounts/tokens/."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts import services
from xianfeng.accounts.models import ApiToken
from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant


def _api(client, raw):
    return client.get("/api/orgs/", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_owner_creates_a_token_shown_once_and_it_works(client, world, login):
    page = login(world.owner).post(reverse("accounts:token_list"), {"name": "同步脚本"})
    assert page.status_code == 200
    raw = re.search(r'data-testid="new-token">([^<]+)<', page.content.decode()).group(1)
    token = ApiToken.objects.get(user=world.owner)
    assert token.name == "同步脚本" and raw.startswith(token.prefix) and token.key_hash != raw
    assert ChangeLog.objects.filter(model="accounts.ApiToken", object_id=str(token.pk), action="create").exists()
    client.logout()
    assert _api(client, raw).status_code == 200
    login(world.owner)
    listing = client.get(reverse("accounts:token_list")).content.decode()
    assert "同步脚本" in listing and token.prefix in listing and raw not in listing


def test_list_shows_only_the_users_own_tokens(world, login):
    services.api_token_create(acting_user=world.owner, user=world.owner, name="我的令牌")
    services.api_token_create(acting_user=world.outsider, user=world.outsider, name="别人的令牌")
    page = login(world.owner).get(reverse("accounts:token_list")).content.decode()
    assert "我的令牌" in page and "别人的令牌" not in page


@override_settings(API_TOKEN_DAYS=7)
def test_tokens_expire_after_api_token_days(client, world):
    token, raw = services.api_token_create(acting_user=world.owner, user=world.owner, name="短期")
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert _api(client, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _api(client, raw)
    assert response.status_code == 401 and set(response.json()) == {"detail", "errors"}


def test_owner_revokes_a_token_after_confirming(client, world, login):
    token, raw = services.api_token_create(acting_user=world.owner, user=world.owner, name="旧脚本")
    client = login(world.owner)
    url = reverse("accounts:token_revoke", args=[token.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认吊销" in confirm.content.decode()
    token.refresh_from_db()
    assert not token.revoked  # GET only asks
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked
    log = ChangeLog.objects.get(model="accounts.ApiToken", object_id=str(token.pk), action="update")
    assert log.user == world.owner and log.after["revoked"] is True
    client.logout()
    assert _api(client, raw).status_code == 401


def test_a_user_without_account_rights_revokes_their_own_token(world, login):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.group_a)
    token, _raw = services.api_token_create(acting_user=volunteer, user=volunteer, name="志愿者")
    client = login(volunteer)
    assert "志愿者" in client.get(reverse("accounts:token_list")).content.decode()
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked


def test_others_cannot_revoke_a_token_they_may_not_manage(world, login):
    admin_token, _raw = services.api_token_create(acting_user=world.admin, user=world.admin, name="管理员令牌")
    owner_token, _raw = services.api_token_create(acting_user=world.owner, user=world.owner, name="A令牌")
    # Out of scope: not found. Admin's token (the admin belongs to no org in the world): not found either.
    assert login(world.outsider).post(reverse("accounts:token_revoke", args=[owner_token.pk])).status_code == 404
    assert login(world.owner).post(reverse("accounts:token_revoke", args=[admin_token.pk])).status_code == 404
    # Visible, but an administrator is managed only by administrators: refused.
    dangban = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee)
    type(world.admin).objects.filter(pk=world.admin.pk).update(org=world.committee)
    assert login(dangban).post(reverse("accounts:token_revoke", args=[admin_token.pk])).status_code == 403
    admin_token.refresh_from_db()
    owner_token.refresh_from_db()
    assert not admin_token.revoked and not owner_token.revoked


def test_tokens_are_created_only_for_oneself(world):
    with pytest.raises(PermissionDenied):
        services.api_token_create(acting_user=world.owner, user=world.admin, name="冒充")
    assert not ApiToken.objects.exists()


def test_user_menu_links_to_the_token_page(world, login):
    assert reverse("accounts:token_list") in login(world.reader).get(reverse("core:home")).content.decode()


def test_administrator_revokes_a_users_token_from_the_user_page(world, login):
    token, _raw = services.api_token_create(acting_user=world.owner, user=world.owner, name="泄露的令牌")
    client = login(world.admin)
    page = client.get(reverse("accounts:user_detail", args=[world.owner.pk])).content.decode()
    assert "泄露的令牌" in page and reverse("accounts:token_revoke", args=[token.pk]) in page
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:user_detail", args=[world.owner.pk]
    )
    token.refresh_from_db()
    assert token.revoked
    assert (
        ChangeLog.objects.get(model="accounts.ApiToken", object_id=str(token.pk), action="update").user == world.admin
    )


def test_last_used_is_shown_to_the_minute_without_a_write_per_call(client, world):
    token, raw = services.api_token_create(acting_user=world.owner, user=world.owner, name="同步")
    assert token.last_used_at is None
    assert _api(client, raw).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(minutes=1)
    assert _api(client, raw).status_code == 200  # a second call soon after does not write the row
    token.refresh_from_db()
    assert token.last_used_at == first
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=ten_minutes_ago)
    assert _api(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > ten_minutes_ago + timedelta(minutes=9)

"""Login rules of DESIGN.md §3: logged, locked after 5 failures, idle timeout, forced change."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.audit.models import LoginLog
from xianfeng.core.middleware import SessionMiddleware
from xianfeng.core.tests.factories import UserFactory

PASSWORD = "Xianfeng-test-1"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_successful_login_is_logged(client, db):
    user = UserFactory(username="li")
    response = _login(client, "li", PASSWORD)
    assert response.status_code == 302
    log = LoginLog.objects.get()
    assert log.success and log.user == user and log.ip == "127.0.0.1"


def test_failed_login_shows_an_error_and_is_logged(client, db):
    UserFactory(username="li")
    response = _login(client, "li", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode() or "正确" in response.content.decode()
    assert LoginLog.objects.filter(username="li", success=False).count() == 1


def test_five_failures_lock_the_account_even_with_the_right_password(client, db):
    UserFactory(username="li")
    for _ in range(5):
        _login(client, "li", "wrong-password")
    response = _login(client, "li", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert not LoginLog.objects.filter(username="li", success=True).exists()


def test_lock_is_per_account_not_per_address(client, db):
    UserFactory(username="li")
    UserFactory(username="wang")
    for _ in range(5):
        _login(client, "li", "wrong-password")
    assert _login(client, "wang", PASSWORD).status_code == 302


def _session_row(client):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _age_session(client, *, idle_minutes, refreshed_seconds_ago):
    """Pretend the last request that saved the session was this long ago."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(session_key=key)
    store[SessionMiddleware.KEY] = int(time.time()) - refreshed_seconds_ago
    store.save()
    expires = timezone.now() + timedelta(minutes=30 - idle_minutes)
    Session.objects.filter(session_key=key).update(expire_date=expires)
    return expires


def test_sessions_end_after_thirty_idle_minutes(client, db):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    UserFactory(username="li")
    _login(client, "li", PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200
    _age_session(client, idle_minutes=31, refreshed_seconds_ago=31 * 60)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_each_request_restarts_the_idle_minutes_without_writing_every_time(client, db):
    UserFactory(username="li")
    _login(client, "li", PASSWORD)
    # 25 idle minutes: a request restarts the full 30.
    _age_session(client, idle_minutes=25, refreshed_seconds_ago=25 * 60)
    assert client.get(reverse("core:home")).status_code == 200
    assert _session_row(client).expire_date > timezone.now() + timedelta(minutes=29)
    # A request within a minute of that refresh leaves the row alone (no write per request).
    expires = _age_session(client, idle_minutes=10, refreshed_seconds_ago=5)
    assert client.get(reverse("core:home")).status_code == 200
    assert _session_row(client).expire_date == expires


def test_initial_password_must_be_changed_first(client, db):
    user = UserFactory(username="new", must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("orgs:list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Dangjian-2026!",
            "new_password2": "Dangjian-2026!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Dangjian-2026!")
    assert client.get(reverse("core:home")).status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("wrong", "Dangjian-2026!", "当前密码不正确"), (PASSWORD, "12345678", "")],
)
def test_bad_password_change_is_explained(client, db, old, new, message):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.get(pk=user.pk).must_change_password


def test_logout_needs_post_and_ends_the_session(client, db):
    client.force_login(UserFactory())
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:home")).status_code == 302

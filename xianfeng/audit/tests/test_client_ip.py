"""The client IP comes from X-Forwarded-For only behind configured proxies, and is validated."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from xianfeng.audit.models import ChangeLog, LoginLog
from xianfeng.core.middleware import ip_from_request

PROXIES = "10.0.0.0/8, 192.0.2.1, 2001:db8::/32"


def _ip(remote_addr, forwarded=None) -> str | None:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return ip_from_request(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("203.0.113.5", "6.6.6.6") == "203.0.113.5"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "203.0.113.9, 10.1.2.3", "203.0.113.9"),  # two proxies of ours
        ("10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own claim is ignored
        ("10.0.0.1", "junk, 203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "203.0.113.9, <script>", "10.0.0.1"),  # junk where a proxy wrote: REMOTE_ADDR
        ("10.0.0.1", "not-an-ip", "10.0.0.1"),
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "10.9.9.9", "10.9.9.9"),  # a client inside the proxies' network
        ("192.0.2.1", " 2001:DB9::1 ", "2001:db9::1"),
        ("2001:db8::7", "198.51.100.4", "198.51.100.4"),
        ("::ffff:10.0.0.1", "198.51.100.4", "198.51.100.4"),  # IPv4 proxy seen on an IPv6 socket
        ("203.0.113.5", "198.51.100.4", "203.0.113.5"),  # not from a proxy: header ignored
        ("junk", "198.51.100.4", None),
        ("", None, None),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = [p.strip() for p in PROXIES.split(",")]
    assert _ip(remote, forwarded) == client


@pytest.mark.parametrize("proxies", [[], ["10.0.0.0/8"]])
def test_a_junk_forwarded_header_is_not_stored_and_does_not_crash(world, login, settings, proxies):
    settings.TRUSTED_PROXIES = proxies
    response = login(world.owner).post(
        reverse("orgs:edit", args=[world.group_a.pk]),
        {"name": "内科一组", "kind": "group", "active_from": "2020-01-01"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="'; DROP TABLE x; --, <script>",
    )
    assert response.status_code == 302
    assert ChangeLog.objects.get(action="update").ip == "10.1.2.3"


def test_a_spoofed_header_does_not_change_the_logged_ip(world, login, settings):
    settings.TRUSTED_PROXIES = []
    login(world.owner).post(
        reverse("orgs:edit", args=[world.group_a.pk]),
        {"name": "内科一组", "kind": "group", "active_from": "2020-01-01"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert ChangeLog.objects.get(action="update").ip == "10.1.2.3"


def test_login_failures_behind_the_proxy_log_the_client(world, client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for forwarded in ("198.51.100.4", "junk"):
        client.post(
            reverse("accounts:login"),
            {"username": "owner", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )
    assert list(LoginLog.objects.order_by("id").values_list("ip", flat=True)) == ["198.51.100.4", "127.0.0.1"]


def test_a_malformed_trusted_proxies_setting_stops_start_up():
    env = {
        **os.environ,
        "TRUSTED_PROXIES": "10.0.0.0/8,proxy.example",
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode != 0 and "TRUSTED_PROXIES: 'proxy.example'" in result.stderr

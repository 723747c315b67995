"""The offline app's frame as the browser fetches it (issue 14): the shell, the service worker,
the manifest and the string catalogue are public and carry no personal data; the worker precaches
everything the app needs offline and nothing from /api/; signing out wipes the phone."""

import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices.views_app import precache_entries
from xianfeng.residents.tests.factories import ResidentFactory, county_regions

pytestmark = pytest.mark.django_db
APP_URLS = ["/m/", "/m/sw.js", "/m/manifest.webmanifest", "/m/i18n.js"]
PAGE_MODULES = ["worklist", "quick", "attendance", "visit", "call", "need", "outbox", "settings"]


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.inline, self.handlers, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attrs)
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data)


def sw_entries(client) -> list[dict]:
    script = client.get("/m/sw.js").content.decode()
    match = re.search(r"precacheAndRoute\((\[.*?\])\);", script, re.S)
    assert match, "sw.js must precache a list of entries"
    return json.loads(match.group(1))


@pytest.fixture
def volunteer(world):
    return user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="vol", display_name="王志愿")


def test_the_app_is_public_and_the_same_for_everyone(volunteer):
    anonymous = Client()
    for url in APP_URLS:
        answer = anonymous.get(url)
        assert answer.status_code == 200, url  # no redirect to the login page
    shell = anonymous.get("/m/")
    assert "csrftoken" in shell.cookies  # the scripts' API POSTs need the token

    signed_in = Client()
    signed_in.force_login(volunteer)
    county_regions()
    ResidentFactory(name="李大爺")
    mine = signed_in.get("/m/")
    # Precached and shown to whoever opens the phone: no user, no resident, no token in it.
    assert mine.content == shell.content
    text = mine.content.decode()
    for personal in ("王志愿", "vol", "李大爺", "csrfmiddlewaretoken"):
        assert personal not in text


def test_the_shell_has_no_inline_script_and_a_strict_policy():
    answer = Client().get("/m/")
    policy = answer.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.strip() == "'self'"
    parsed = Scripts()
    parsed.feed(answer.content.decode())
    assert parsed.inline == [] and parsed.handlers == []
    sources = [attrs.get("src") for attrs in parsed.scripts]
    assert sources == ["/m/i18n.js", "/static/vendor/idb/idb.umd.js", "/static/offline/app.js"]
    assert parsed.scripts[-1].get("type") == "module"
    assert "<noscript>" in answer.content.decode()


def test_the_service_worker_precaches_the_app_and_nothing_personal():
    client = Client()
    answer = client.get("/m/sw.js")
    assert answer["Content-Type"].startswith("application/javascript")
    assert answer["Cache-Control"] == "no-cache"
    assert answer["Service-Worker-Allowed"] == "/m/"
    script = answer.content.decode()
    assert 'importScripts("/static/vendor/workbox/workbox-sw.js")' in script
    assert 'modulePathPrefix: "/static/vendor/workbox/"' in script and "debug: false" in script

    urls = [entry["url"] for entry in sw_entries(client)]
    assert all(entry["revision"] for entry in sw_entries(client))
    assert not [url for url in urls if url.startswith("/api/")]
    # The shell, everything it loads, and every page module the router imports.
    needed = ["/m/", "/m/i18n.js", "/m/manifest.webmanifest", "/static/vendor/idb/idb.umd.js"]
    needed += [f"/static/offline/{name}.js" for name in ("app", "store", "sync", "ui", "fields", "picker")]
    needed += [f"/static/offline/pages/{name}.js" for name in PAGE_MODULES]
    assert [url for url in needed if url not in urls] == []
    # Only the app's own pages and static files: no other page (they carry personal data).
    assert [url for url in urls if not url.startswith(("/static/", "/m/"))] == []
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/").split("?")[0]), url
    # The runtime cache is bounded and not for pages or the API.
    assert "ExpirationPlugin" in script and "maxEntries" in script and "purgeOnQuotaError: true" in script


def test_the_precache_is_bounded_and_matches_what_is_served():
    entries = dict(precache_entries())
    assert sum(entries.values()) < 3 * 1024 * 1024
    client = Client()
    for url in ("/m/", "/m/i18n.js", "/m/manifest.webmanifest"):
        assert entries[url] == len(client.get(url).content), url
    assert set(entries) == {entry["url"] for entry in sw_entries(client)}


def test_the_manifest_installs_the_app_with_icons_that_exist():
    answer = Client().get("/m/manifest.webmanifest")
    assert answer["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(answer.content)
    assert manifest["name"] == "先锋 · 外勤" and manifest["short_name"] == "先锋外勤"
    assert manifest["start_url"] == "/m/" and manifest["scope"] == "/m/" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with open(path, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(image.width)
    assert {192, 512} <= sizes


def test_the_string_catalogue_is_javascript_for_gettext():
    answer = Client().get("/m/i18n.js")
    assert "javascript" in answer["Content-Type"]
    script = answer.content.decode()
    assert "django.gettext = function" in script and "globals.gettext" in script and "interpolate" in script


def test_signing_out_wipes_the_offline_app(volunteer):
    client = Client()
    client.force_login(volunteer)
    answer = client.post("/accounts/logout/")
    assert answer.status_code in (200, 302)
    directives = {part.strip() for part in answer["Clear-Site-Data"].split(",")}
    assert directives == {'"cache"', '"storage"'}
    assert "_auth_user_id" not in client.session


def test_signing_out_to_hand_the_phone_back_keeps_the_outbox(volunteer):
    # The app's screen for an outbox kept for another user signs out with keep_offline=1.
    client = Client()
    client.force_login(volunteer)
    answer = client.post("/accounts/logout/", {"keep_offline": "1"})
    assert answer["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in client.session

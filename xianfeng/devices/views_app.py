"""The offline field app's frame (issue 14): the shell page, the service worker, the web app
manifest and the string catalogue, all public: they carry no personal data (the data comes from
/api/offline/ to a signed-in session and is kept encrypted on the phone).

The service worker precaches the shell and every file it needs, each with a revision computed
from its content, so a phone that opened /m/ once opens it again with no network, and an edit to
any of these files (or a new page module) changes sw.js and installs the new version.
"""

import hashlib
import json
import re
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.i18n import JavaScriptCatalog

from xianfeng.core.views import PublicView

SHELL_TEMPLATE = "devices/app.html"
SW_TEMPLATE = "devices/sw.js"
THEME_COLOR = "#dc3545"  # Bootstrap's danger red: the desktop pages' accent (static/css/app.css)
BACKGROUND_COLOR = "#ffffff"

# Static files the shell loads (besides static/offline/, taken whole). Bootstrap's script is not
# needed (ui.js draws its own dialogs); the icon font is referenced by the icon CSS with this
# query string, and the precache must hold the URL exactly as the CSS asks for it.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/idb/idb.umd.js",
)
ICON_FONT = ("vendor/bootstrap-icons/fonts/bootstrap-icons.woff2", "e34853135f9e39acf64315236852cd5a")
OFFLINE_DIR = "offline"
OFFLINE_SUFFIXES = (".js", ".css", ".png")
HASHED_COPY = re.compile(r"\.[0-9a-f]{12}\.\w+$")  # app.3f2a9c1b7d4e.js, made by collectstatic
ICONS = ((192, "offline/icons/icon-192.png"), (512, "offline/icons/icon-512.png"))


def static_url(path: str) -> str:
    """The unhashed address of a static file. ES modules import each other by relative path,
    so the page, its imports and the precache must all use the same (unhashed) names; the
    precache revision, not the file name, is what changes when a file does."""
    return settings.STATIC_URL + path


def _static_file(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    # A deployment that ships only the collected files (STATIC_ROOT) still has them there.
    if staticfiles_storage.exists(path):
        with staticfiles_storage.open(path) as handle:
            return handle.read()
    raise FileNotFoundError(f"static file {path} is missing (the offline app needs it)")


def _offline_files() -> list[str]:
    """Every script, style and icon under static/offline/ (the frame and the form pages)."""
    paths = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(ignore_patterns=["*.map", ".*", "*~"]):
            normal = path.replace("\\", "/")
            if normal.startswith(OFFLINE_DIR + "/") and normal.endswith(OFFLINE_SUFFIXES):
                paths.add(normal)
    return sorted(paths) or _collected_offline_files()


def _collected_offline_files(folder: str = OFFLINE_DIR) -> list[str]:
    """The same from STATIC_ROOT, without the manifest storage's hashed copies."""
    if not staticfiles_storage.exists(folder):
        return []
    folders, files = staticfiles_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files if name.endswith(OFFLINE_SUFFIXES) and not HASHED_COPY.search(name)]
    for sub in folders:
        found += _collected_offline_files(f"{folder}/{sub}")
    return sorted(found)


def _revision(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def _shell_context() -> dict:
    return {
        "static": {
            "bootstrap_css": static_url(SHELL_STATIC[0]),
            "icons_css": static_url(SHELL_STATIC[1]),
            "idb_js": static_url(SHELL_STATIC[2]),
            "app_css": static_url("offline/app.css"),
            "app_js": static_url("offline/app.js"),
            "icon_192": static_url(ICONS[0][1]),
        },
        "theme_color": THEME_COLOR,
    }


def _catalog_js() -> bytes:
    request = HttpRequest()
    request.method = "GET"
    return catalog_view(request).content


def manifest_data() -> dict:
    return {
        "name": _("先锋 · 外勤"),
        "short_name": _("先锋外勤"),
        "description": _("无网络时也能登记服务、签到、随访，联网后自动同步"),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": reverse("offline:app"),
        "scope": reverse("offline:app"),
        "id": reverse("offline:app"),
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static_url(path), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
            for size, path in ICONS
        ],
    }


def _manifest_json() -> bytes:
    return json.dumps(manifest_data(), ensure_ascii=False, indent=1).encode()


def _precache(language: str) -> tuple[tuple[str, str, int], ...]:
    """(url, revision, bytes) of everything the app needs offline, per interface language (the
    shell, the manifest and the catalogue are translated). Computed once per process: the files
    change only with a deployment, which restarts the workers; in development (DEBUG) on every
    request, so an edited page module reaches the phone on its next visit."""
    return _compute_precache(language) if settings.DEBUG else _cached_precache(language)


def _compute_precache(language: str) -> tuple[tuple[str, str, int], ...]:
    entries = []
    for path in (*SHELL_STATIC, *_offline_files()):
        content = _static_file(path)
        entries.append((static_url(path), _revision(content), len(content)))
    font = _static_file(ICON_FONT[0])
    entries.append((f"{static_url(ICON_FONT[0])}?{ICON_FONT[1]}", _revision(font), len(font)))
    for url, content in (
        (reverse("offline:app"), render_to_string(SHELL_TEMPLATE, _shell_context()).encode()),
        (reverse("offline:i18n"), _catalog_js()),
        (reverse("offline:manifest"), _manifest_json()),
    ):
        entries.append((url, _revision(content + language.encode()), len(content)))
    return tuple(entries)


_cached_precache = lru_cache(maxsize=8)(_compute_precache)


def precache_entries() -> list[tuple[str, int]]:
    """(url, bytes) of every file the service worker precaches (the bench prints their sum)."""
    return [(url, size) for url, _rev, size in _precache(get_language() or settings.LANGUAGE_CODE)]


@method_decorator(ensure_csrf_cookie, name="get")
class AppView(PublicView):
    """The shell: markup and scripts only. The same for everyone (so it can be precached);
    ensure_csrf_cookie gives the scripts the token their API POSTs need."""

    def get(self, request):
        return render(request, SHELL_TEMPLATE, _shell_context())


class ServiceWorkerView(PublicView):
    def get(self, request):
        language = get_language() or settings.LANGUAGE_CODE
        entries = [{"url": url, "revision": rev} for url, rev, _size in _precache(language)]
        script = render_to_string(
            SW_TEMPLATE,
            {
                "workbox_sw": static_url("vendor/workbox/workbox-sw.js"),
                "workbox_prefix": static_url("vendor/workbox/"),
                "entries_json": json.dumps(entries, indent=1),
                "shell_url": reverse("offline:app"),
                "static_prefix": settings.STATIC_URL,
                "version": _revision(json.dumps(entries).encode()),
            },
        )
        response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
        # The browser checks for a new worker on every navigation; no-cache makes that check
        # reach the server instead of its HTTP cache.
        response["Cache-Control"] = "no-cache"
        response["Service-Worker-Allowed"] = reverse("offline:app")
        return response


class ManifestView(PublicView):
    def get(self, request):
        return HttpResponse(_manifest_json(), content_type="application/manifest+json; charset=utf-8")


class CatalogView(JavaScriptCatalog):
    """Django's catalogue of the JavaScript strings (domain djangojs): gettext() in the app."""

    public = True
    domain = "djangojs"


catalog_view = CatalogView.as_view()

"""Settings for the test suite: the real settings with test keys and immediate tasks.

DATABASE_URL selects PostgreSQL (CI runs the suite on both); unset means SQLite.
"""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghij")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0hISE=")
os.environ.setdefault("BLIND_INDEX_KEY", "test-blind-index-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ["TASKS_IMMEDIATE"] = "1"
os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")

from .settings import *  # noqa: F403
from .settings import CACHES, DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "test-media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
# The demo seed archives old sign-ins, and every xdist worker seeds its own database at the
# same moment: each worker gets its own directories, or two of them write the same archive file
# name side by side (CI failed on exactly that). A test's subprocess may point these elsewhere.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
AUDIT_ARCHIVE_DIR = Path(os.environ.get("AUDIT_ARCHIVE_DIR", VAR_DIR / f"test-audit-archive-{_WORKER}"))
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / f"test-backups-{_WORKER}"))
LANGUAGE_CODE = "zh-hans"
# Tests read what they just wrote: the rollups' task runs at once (immediate backend) and the
# dashboard is not cached (its own tests turn the cache on, with a cleared cache).
ROLLUPS_REFRESH_SECONDS = 0
DASHBOARD_CACHE_SECONDS = 0
# One process per test worker: the worker-to-web cache can live in memory (no files to clean).
CACHES = {**CACHES, "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}}

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Flushes between transactional (browser) tests empty the tables with TRUNCATE, which the
    # audit tables refuse unless the session allows it on purpose (audit migration 0004).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c xianfeng.allow_audit_truncate=on"

"""Settings for the test suite: the real settings with test keys and immediate tasks.

DATABASE_URL selects PostgreSQL (CI runs the suite on both); unset means SQLite.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0hISE=")
os.environ.setdefault("BLIND_INDEX_KEY", "test-blind-index-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ["TASKS_IMMEDIATE"] = "1"
os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")

from .settings import *  # noqa: F403
from .settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "test-media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
LANGUAGE_CODE = "zh-hans"

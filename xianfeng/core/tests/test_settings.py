"""Production settings fail loudly on a missing secret (DESIGN.md §4.5)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "s" * 50,
    "FIELD_ENCRYPTION_KEY": "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0hISE=",
    "BLIND_INDEX_KEY": "b" * 32,
    "ALLOWED_HOSTS": "xianfeng.example",
    "DATABASE_URL": "postgres://u@127.0.0.1/x",
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_complete_production_environment_loads():
    assert load_settings(PRODUCTION).returncode == 0


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "ALLOWED_HOSTS", "DATABASE_URL"]
)
def test_missing_production_value_stops_start_up_naming_it(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = load_settings(env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_development_default_secret_is_refused_in_production():
    result = load_settings({**PRODUCTION, "SECRET_KEY": "dev-insecure-secret-key-do-not-use-in-production"})
    assert result.returncode != 0 and "development default" in result.stderr

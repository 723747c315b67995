"""Production settings fail loudly on a missing or weak secret (DESIGN.md §4.5)."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k9Vq-2xR_7mLpZ4tWb8nYc1sHd6fJg3aEu0oKi5rTyQvXzNw-L",
    "FIELD_ENCRYPTION_KEY": "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0hISE=",
    "BLIND_INDEX_KEY": "b" * 32,
    "ALLOWED_HOSTS": "xianfeng.example",
    "DATABASE_URL": "postgres://u@127.0.0.1/x",
}


SECURITY_VARIABLES = {
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "API_TOKEN_DAYS",
}


def load_settings(env: dict, code: str = "import config.settings") -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k not in SECURITY_VARIABLES and k != "DJANGO_SETTINGS_MODULE"
    }
    return subprocess.run(
        [sys.executable, "-c", code],
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


def settings_values(env: dict, *names: str) -> dict:
    code = f"import json, config.settings as s; print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    result = load_settings(env, code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_production_example_key_passes_djangos_own_check():
    key = PRODUCTION["SECRET_KEY"]
    assert len(key) >= 50 and len(set(key)) >= 5


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", "x"),
        ("SECRET_KEY", "s" * 50),  # long but only one distinct character
        ("SECRET_KEY", "abcd" * 20),  # four distinct characters
        ("SECRET_KEY", "k9Vq-2xR_7mLpZ4tWb8nYc1sHd6fJg3aEu0oKi5rTyQvXzNw-"),  # 49 characters
        ("FIELD_ENCRYPTION_KEY", "abc"),  # three characters, not base64
        ("FIELD_ENCRYPTION_KEY", base64.b64encode(b"k" * 16).decode()),  # AES-128, not AES-256
        ("FIELD_ENCRYPTION_KEY", base64.b64encode(b"k" * 33).decode()),
        ("FIELD_ENCRYPTION_KEY", PRODUCTION["FIELD_ENCRYPTION_KEY"] + ",abc"),  # a bad old key in the ring
        ("BLIND_INDEX_KEY", "b" * 31),
    ],
)
def test_weak_production_secret_stops_start_up_naming_it(variable, value):
    result = load_settings({**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr.splitlines()[-1]


def test_rotation_key_ring_of_valid_keys_is_accepted():
    second = base64.b64encode(os.urandom(32)).decode()
    assert (
        load_settings(
            {**PRODUCTION, "FIELD_ENCRYPTION_KEY": f"{second},{PRODUCTION['FIELD_ENCRYPTION_KEY']}"}
        ).returncode
        == 0
    )


def test_production_sets_hsts_for_a_year_and_safe_headers():
    values = settings_values(
        PRODUCTION,
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_PROXY_SSL_HEADER",
        "API_TOKEN_DAYS",
    )
    assert values == {
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_PROXY_SSL_HEADER": None,  # trusted only when configured
        "API_TOKEN_DAYS": 90,
    }


def test_hsts_proxy_header_and_token_lifetime_come_from_the_environment():
    env = {
        **PRODUCTION,
        "SECURE_HSTS_SECONDS": "600",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto:https",
        "API_TOKEN_DAYS": "30",
    }
    values = settings_values(
        env, "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "API_TOKEN_DAYS"
    )
    assert values == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "API_TOKEN_DAYS": 30,
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SECURE_HSTS_SECONDS", "a year"), ("API_TOKEN_DAYS", "0"), ("SECURE_PROXY_SSL_HEADER", "https")],
)
def test_malformed_security_values_stop_start_up_naming_them(variable, value):
    result = load_settings({**PRODUCTION, variable: value})
    assert result.returncode != 0 and variable in result.stderr.splitlines()[-1]


def test_https_responses_carry_hsts(client, db):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"

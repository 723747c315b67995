"""Production smoke test: the README's production steps, run for real (issue 8).

Builds collectstatic into a temporary STATIC_ROOT, migrates and seeds a temporary SQLite
database, starts gunicorn with DEBUG off and freshly generated real keys on a free port, signs
in as the demo administrator (CSRF included), opens each main page and API list, checks that
every page links its static files by their manifest (hashed) names and that whitenoise serves
them, and stops gunicorn. Exit code 0 when everything answered as expected.

Plain HTTP on 127.0.0.1 needs two documented switches: SECURE_COOKIES=0 (session and CSRF
cookies without the Secure flag, which a browser would not send over http) and
SECURE_SSL_REDIRECT=0 (its default; behind TLS you would leave it on or let nginx redirect).
Nothing else differs from a production start.

    .venv/bin/python scripts/prod_smoke.py          # run by `make test` and therefore .ci/run
"""

import base64
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
DEADLINE_SECONDS = 120  # whole run; a hung step fails instead of blocking CI

# Main pages a signed-in administrator opens, and the API lists (session-authenticated).
PAGES = [
    "/",
    "/orgs/",
    "/members/",
    "/members/worklist/",
    "/teams/",
    "/teams/posts/",
    "/teams/zones/",
    "/residents/",
    "/residents/households/",
    "/residents/duplicates/",
    "/regions/",
    "/imports/",
    "/accounts/users/",
    "/accounts/tokens/",
    "/audit/changes/",
    "/audit/access/",
    "/audit/logins/",
    "/audit/archives/",
    "/health/",
    "/servicelog/records/",
    "/reports/",
    "/hotline/calls/",
    "/hotline/roster/",
    "/hotline/escalations/",
    "/hotline/dashboard/",
    "/needs/",
    "/needs/figures/",
    "/materials/",
    "/materials/ledger/",
    "/partylife/",
    "/partylife/meetings/",
    "/partylife/study/",
    "/partylife/dues/",
    "/partylife/funds/",
    "/partylife/honours/",
    "/emergencies/",
    "/emergencies/pledges/",
    "/emergencies/duty/",
    "/devices/",
    "/api/docs",
]
API_LISTS = [
    "/api/orgs/",
    "/api/members/",
    "/api/members/worklist/",
    "/api/teams/",
    "/api/residents/",
    "/api/households/",
    "/api/regions/",
    "/api/hotline/calls/",
    "/api/needs/",
    "/api/materials/distributions/",
    "/api/partylife/meetings/",
    "/api/emergencies/",
    "/api/emergencies/pledges/",
    "/api/offline/devices/",
]
# The offline field app's shell and service worker; its precached files are checked one by one.
OFFLINE_APP = "/m/"
OFFLINE_SW = "/m/sw.js"
PRECACHE_URL = re.compile(r'"url": "([^"]+)"')
HASHED_STATIC = re.compile(r"""(?:src|href)=["'](/static/[^"'?#]+)["']""")
OTHER_HOST = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)
MANIFEST_NAME = re.compile(r"\.[0-9a-f]{12}\.\w+$")


def production_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp / 'xianfeng.sqlite3'}",
        XIANFENG_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str, deadline: float) -> None:
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=max(1.0, deadline - time.monotonic()),
    )
    print(f"  manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, deadline: float) -> None:
    """Poll until gunicorn accepts connections; fail at once if it exits."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            try:
                server.wait(timeout=0.1)  # doubles as the pause between polls
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"gunicorn exited with code {server.returncode} before listening") from None
    raise SystemExit("gunicorn did not listen in time")


def check(failures: list[str], ok: bool, message: str) -> None:
    if not ok:
        failures.append(message)
        print(f"  FAIL {message}")


def sign_in(http: requests.Session, base: str) -> None:
    page = http.get(f"{base}/accounts/login/", timeout=10)
    page.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = http.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "admin", "password": "Xianfeng@2026"},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code != 302:
        raise SystemExit(f"login as admin failed: HTTP {response.status_code}")


def visit(http: requests.Session, base: str, failures: list[str]) -> set[str]:
    static_paths: set[str] = set()
    for path in PAGES:
        response = http.get(f"{base}{path}", timeout=15, allow_redirects=False)
        print(f"  {response.status_code} {path}")
        check(failures, response.status_code == 200, f"{path} answered {response.status_code}")
        if response.status_code == 200:
            found = set(HASHED_STATIC.findall(response.text))
            # /api/docs is Swagger UI's own page; the others extend base.html.
            check(failures, bool(found) or path == "/api/docs", f"{path} links no static file")
            check(failures, not OTHER_HOST.search(response.text), f"{path} loads an asset from another host")
            static_paths |= found
    for path in API_LISTS:
        response = http.get(f"{base}{path}", timeout=15, allow_redirects=False)
        print(f"  {response.status_code} {path}")
        ok = response.status_code == 200 and response.headers.get("Content-Type", "").startswith("application/json")
        check(failures, ok, f"{path} answered {response.status_code}")
    return static_paths


def check_static(http: requests.Session, base: str, paths: set[str], failures: list[str]) -> None:
    for path in sorted(paths):
        check(failures, bool(MANIFEST_NAME.search(path)), f"{path} is not a manifest (hashed) name")
        response = http.get(f"{base}{path}", timeout=10)
        ok = response.status_code == 200 and "immutable" in response.headers.get("Cache-Control", "")
        check(
            failures, ok, f"{path}: HTTP {response.status_code}, Cache-Control {response.headers.get('Cache-Control')}"
        )
    print(f"  {len(paths)} static files served by whitenoise under their manifest names")


def check_offline_app(http: requests.Session, base: str, failures: list[str]) -> None:
    """/m/ and its service worker answer with DEBUG off, and every file the worker precaches is
    served. The app uses unhashed static names on purpose (ES modules import each other by
    relative path; xianfeng/devices/views_app.py), which whitenoise serves beside the hashed ones."""
    shell = http.get(f"{base}{OFFLINE_APP}", timeout=15)
    check(failures, shell.status_code == 200, f"{OFFLINE_APP} answered {shell.status_code}")
    check(failures, not OTHER_HOST.search(shell.text), f"{OFFLINE_APP} loads an asset from another host")
    worker = http.get(f"{base}{OFFLINE_SW}", timeout=15)
    ok = worker.status_code == 200 and "javascript" in worker.headers.get("Content-Type", "")
    check(failures, ok, f"{OFFLINE_SW} answered {worker.status_code}")
    urls = PRECACHE_URL.findall(worker.text)
    check(failures, len(urls) > 5, f"{OFFLINE_SW} precaches only {len(urls)} files")
    for url in urls:
        check(failures, not url.startswith("/api/"), f"{OFFLINE_SW} precaches an API answer {url}")
        response = http.get(f"{base}{url}", timeout=10)
        check(failures, response.status_code == 200, f"precached {url}: HTTP {response.status_code}")
    print(f"  {OFFLINE_APP} and {OFFLINE_SW}: {len(urls)} precached files served")


def check_probes(base: str, failures: list[str]) -> None:
    """/healthz and /readyz answer a load balancer without a session (issue 15). No worker runs
    here, so /readyz is "degraded" (200) and names the worker down; ?strict=1 turns that into 503."""
    alive = requests.get(f"{base}/healthz", timeout=10)
    check(failures, alive.status_code == 200 and alive.json() == {"status": "ok"}, f"/healthz: {alive.status_code}")
    ready = requests.get(f"{base}/readyz", timeout=10)
    ok = ready.status_code == 200 and ready.json()["checks"]["database"]["status"] == "ok"
    check(failures, ok, f"/readyz: HTTP {ready.status_code} {ready.text[:200]}")
    if ok:
        body = ready.json()
        check(failures, body["checks"]["worker"]["status"] == "down", "/readyz: a worker is up, none was started")
        strict = requests.get(f"{base}/readyz?strict=1", timeout=10)
        check(failures, strict.status_code == 503, f"/readyz?strict=1 while degraded: {strict.status_code}")
    print(f"  {alive.status_code} /healthz, {ready.status_code} /readyz (worker down: degraded)")


def main() -> int:
    deadline = time.monotonic() + DEADLINE_SECONDS
    tmp = Path(tempfile.mkdtemp(prefix="xianfeng-prod-smoke-"))
    env = production_env(tmp)
    server = None
    failures: list[str] = []
    try:
        print("production smoke test (DEBUG=0, generated keys, SQLite in", tmp, ")")
        manage(env, "collectstatic", "--no-input", deadline=deadline)
        manage(env, "migrate", "--no-input", deadline=deadline)
        manage(env, "seed_demo", deadline=deadline)
        port = free_port()
        server = subprocess.Popen(
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        wait_for_port(port, server, deadline)
        base = f"http://127.0.0.1:{port}"
        with requests.Session() as http:
            sign_in(http, base)
            static_paths = visit(http, base, failures)
            check_static(http, base, static_paths, failures)
            check_offline_app(http, base, failures)
        check_probes(base, failures)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"production smoke test FAILED ({len(failures)}):", *failures, sep="\n  ")
        return 1
    print("production smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load shape for bench/soak_bench.py: one mixed morning of field and office users.

Driven by a JSON file named by XF_SOAK_CONFIG, written by soak_bench.py: the session keys and API
tokens of each demo user, the quick entry forms, the import files, the think time, and the path of
the request log. Every request is appended to that log (one tab-separated line: start time, method,
kind, milliseconds, HTTP status, error) so the bench computes exact percentiles, per minute too.

An answer is an error when it is not what the user expects: pages 200; the quick entry form a 302
to its saved banner (a 200 is the form shown again with an error); an import upload a 302 to its
job, the check "passed, awaiting confirmation", the commit a 302 and then the job "已导入".
"""

import itertools
import json
import os
import random
import re
import secrets
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

from locust import FastHttpUser, between, constant, events, task

CONFIG = json.loads(Path(os.environ["XF_SOAK_CONFIG"]).read_text())
LOG = open(CONFIG["log"], "a", buffering=1)
SESSIONS = {user: itertools.cycle(keys) for user, keys in CONFIG["sessions"].items()}
FORMS = itertools.cycle(CONFIG["quick_forms"])
IMPORT_FILES = itertools.cycle(CONFIG["import_files"])
# Names as typed in the field: a surname, a full name, Traditional characters, pinyin initials.
TERMS = ["张", "王", "李", "刘伟", "陈", "杨", "張", "zw", "wf", "lj", "wang", "cm"]
CLERK_LISTS = ["/members/", "/residents/households/", "/orgs/", "/imports/", "/teams/"]
API_LISTS = ["/api/residents/", "/api/members/", "/api/households/"]
JOB = re.compile(r"/imports/(\d+)/$")
POLL_SECONDS, POLL_LIMIT = 1.0, 60.0


@events.request.add_listener
def log_request(request_type, name, response_time, response, exception, start_time, url, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None else f"{exception} {url}".replace("\t", " ").replace("\n", " ")[:300]
    LOG.write(f"{start_time:.3f}\t{request_type}\t{name}\t{response_time:.1f}\t{status}\t{error}\n")


@events.quitting.add_listener
def close_log(**_kwargs):
    LOG.close()


def term() -> str:
    return quote(random.choice(TERMS))


class Soaker(FastHttpUser):
    abstract = True
    username = ""
    wait_time = between(*CONFIG["wait"])

    def on_start(self):
        self.csrf = secrets.token_hex(16)  # any well-formed secret: the cookie and the header must agree
        session = next(SESSIONS[self.username])
        self.page_headers = {"Cookie": f"{CONFIG['cookie']}={session}; csrftoken={self.csrf}"}
        self.api_headers = {"Authorization": f"Bearer {CONFIG['tokens'][self.username]}"}

    def page(self, path: str, kind: str, *, hx: bool = False) -> str:
        """GET ``path``; its text (decoded only when asked for by ``hx``: locust guesses the
        charset of a body without one with charset_normalizer, which costs the load generator more
        CPU than the server spends on the page)."""
        headers = self.api_headers if path.startswith("/api/") else dict(self.page_headers)
        if hx:
            headers = {**headers, "HX-Request": "true"}
        with self.client.get(path, headers=headers, name=kind, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code} (expected 200)")
                return ""
            return (r.content or b"").decode("utf-8", "replace") if hx else "ok"

    def post(self, path: str, kind: str, body: bytes | str, content_type: str, expect_location: str) -> str:
        """A form post; success is a redirect to a path starting with ``expect_location`` (not the login)."""
        headers = {**self.page_headers, "X-CSRFToken": self.csrf, "Content-Type": content_type}
        with self.client.post(
            path, data=body, headers=headers, name=kind, catch_response=True, allow_redirects=False
        ) as r:
            location = r.headers.get("Location", "") if r.headers else ""
            if r.status_code != 302 or not location.startswith(expect_location):
                r.failure(f"HTTP {r.status_code} to {location or '-'} (expected 302 to {expect_location})")
                return ""
            return location


class Volunteer(Soaker):
    """党员/志愿者 in the field: finds a resident and records a home visit, looks at their list."""

    weight = 16
    username = "dangyuan"

    @task(5)
    def quick_entry(self):
        body = urlencode(next(FORMS)).replace("%7Bkey%7D", uuid.uuid4().hex)  # a new idempotency key
        self.post(
            "/servicelog/quick/",
            "POST /servicelog/quick/",
            body,
            "application/x-www-form-urlencoded",
            "/servicelog/quick/?",
        )

    @task(2)
    def quick_search(self):
        self.page(f"/servicelog/quick/?q={term()}", "/servicelog/quick/?q=")

    @task(3)
    def resident_picker(self):
        self.page(f"/residents/autocomplete/?q={term()}", "/residents/autocomplete/?q= (volunteer)")

    @task(3)
    def my_worklist(self):
        self.page("/programs/worklist/?scope=mine", "/programs/worklist/?scope=mine (volunteer)")


class Doctor(Soaker):
    """精防医生: the follow-up worklist, on the page and through the offline app's API."""

    weight = 8
    username = "jingfang"

    @task(4)
    def worklist(self):
        self.page("/programs/worklist/", "/programs/worklist/ (doctor)")

    @task(2)
    def overdue(self):
        self.page("/programs/worklist/?bucket=overdue", "/programs/worklist/?bucket=overdue (doctor)")

    @task(2)
    def api_worklist(self):
        self.page("/api/programs/worklist/?bucket=overdue", "/api/programs/worklist/ (doctor)")

    @task(1)
    def search(self):
        self.page(f"/residents/?q={term()}", "/residents/?q= (doctor)")


class Clerk(Soaker):
    """党办干事 in the office: searches residents, reads lists and the dashboard."""

    weight = 6
    username = "dangban"

    @task(3)
    def search(self):
        self.page(f"/residents/?q={term()}", "/residents/?q= (clerk)")

    @task(2)
    def autocomplete(self):
        self.page(f"/residents/autocomplete/?q={term()}", "/residents/autocomplete/?q= (clerk)")

    @task(1)
    def dashboard(self):
        self.page("/reports/", "/reports/ (clerk)")

    @task(3)
    def lists(self):
        path = random.choice(CLERK_LISTS)
        self.page(path, path)

    @task(2)
    def api_lists(self):
        path = random.choice(API_LISTS)
        self.page(path, path)


class Leader(Soaker):
    """院领导: the dashboard, now and then a list."""

    weight = 2
    username = "lingdao"

    @task(3)
    def dashboard(self):
        self.page("/reports/", "/reports/ (leader)")

    @task(1)
    def residents(self):
        self.page("/residents/", "/residents/ (leader)")


class Importer(Soaker):
    """The 精防 doctor importing a small residents list of their township: upload, check, commit,
    every ~30 s (the clerk may not write residents; the doctor may, within their region)."""

    fixed_count = 1
    username = "jingfang"
    wait_time = constant(CONFIG["import_every"])

    def multipart(self, path: Path) -> tuple[bytes, str]:
        boundary = uuid.uuid4().hex
        content = path.read_bytes()
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        ).encode()
        return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

    def wait_for(self, job: str, kind: str, done: str) -> bool:
        """Poll the job's status fragment (as the page's htmx does, every second) until it has
        stopped running; True when it shows ``done``."""
        deadline = time.monotonic() + POLL_LIMIT
        while True:
            text = self.page(f"/imports/{job}/", kind, hx=True)
            if not text or "hx-trigger" not in text:  # answered, and no longer polling itself
                return done in text
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_SECONDS)  # gevent-patched: yields to the other users

    @task
    def import_file(self):
        body, content_type = self.multipart(Path(next(IMPORT_FILES)))
        location = self.post(
            "/imports/new/residents/", "POST /imports/new/residents/ (upload)", body, content_type, "/imports/"
        )
        match = JOB.search(location)
        if not match:
            return
        job = match.group(1)
        if not self.wait_for(job, "/imports/<pk>/ (import check)", f"/imports/{job}/commit/"):
            events.request.fire(
                request_type="CHECK", name="import check passed", response_time=0, response_length=0,
                response=None, exception=Exception(f"job {job}: the check did not pass"), start_time=time.time(),
                url=f"/imports/{job}/", context={},
            )  # fmt: skip
            return
        body = urlencode({"mode": "create"})
        if not self.post(
            f"/imports/{job}/commit/",
            "POST /imports/<pk>/commit/",
            body,
            "application/x-www-form-urlencoded",
            "/imports/",
        ):
            return
        if not self.wait_for(job, "/imports/<pk>/ (import commit)", "text-bg-success"):
            events.request.fire(
                request_type="CHECK", name="import committed", response_time=0, response_length=0,
                response=None, exception=Exception(f"job {job}: not committed"), start_time=time.time(),
                url=f"/imports/{job}/", context={},
            )  # fmt: skip

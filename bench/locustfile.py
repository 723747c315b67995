"""Load shape for bench/web_bench.py: closed loop, each user GETs one path back to back.

Driven by environment variables set by web_bench.py (one locust run per path):
XF_PATH, XF_COOKIES (comma-separated session keys, one per user, round robin), XF_TOKEN (API
bearer token, used when XF_PATH starts with /api/), XF_SESSION_COOKIE (cookie name).
XF_METHOD=POST with XF_BODY (a urlencoded form whose ``{key}`` becomes a new idempotency key
per request) posts a form instead, with a CSRF cookie and header; success is the redirect (302).
"""

import itertools
import os
import secrets
import uuid

from locust import FastHttpUser, constant, task

PATH = os.environ["XF_PATH"]
SESSIONS = itertools.cycle([s for s in os.environ.get("XF_COOKIES", "").split(",") if s] or [""])
TOKEN = os.environ.get("XF_TOKEN", "")
COOKIE_NAME = os.environ.get("XF_SESSION_COOKIE", "sessionid")
METHOD = os.environ.get("XF_METHOD", "GET")
BODY = os.environ.get("XF_BODY", "")
KEY = "%7Bkey%7D"  # "{key}" urlencoded


class Client(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.headers = {}
        if PATH.startswith("/api/") and TOKEN:
            self.headers["Authorization"] = f"Bearer {TOKEN}"
        else:
            session = next(SESSIONS)
            if session:
                self.headers["Cookie"] = f"{COOKIE_NAME}={session}"
        if METHOD == "POST":
            csrf = secrets.token_hex(16)  # any well-formed secret: the cookie and the header must agree
            self.headers["Cookie"] = f"{self.headers.get('Cookie', '')}; csrftoken={csrf}".lstrip("; ")
            self.headers |= {"X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded"}

    @task
    def get(self):
        if METHOD == "POST":
            body = BODY.replace(KEY, uuid.uuid4().hex)
            with self.client.post(
                PATH, data=body, headers=self.headers, name=PATH, catch_response=True, allow_redirects=False
            ) as response:
                if response.status_code != 302:
                    response.failure(f"HTTP {response.status_code}")
            return
        with self.client.get(PATH, headers=self.headers, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

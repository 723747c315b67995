"""Load shape for bench/web_bench.py: closed loop, each user GETs one path back to back.

Driven by environment variables set by web_bench.py (one locust run per path):
XF_PATH, XF_COOKIES (comma-separated session keys, one per user, round robin), XF_TOKEN (API
bearer token, used when XF_PATH starts with /api/), XF_SESSION_COOKIE (cookie name).
"""

import itertools
import os

from locust import FastHttpUser, constant, task

PATH = os.environ["XF_PATH"]
SESSIONS = itertools.cycle([s for s in os.environ.get("XF_COOKIES", "").split(",") if s] or [""])
TOKEN = os.environ.get("XF_TOKEN", "")
COOKIE_NAME = os.environ.get("XF_SESSION_COOKIE", "sessionid")


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

    @task
    def get(self):
        with self.client.get(PATH, headers=self.headers, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

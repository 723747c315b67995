"""The project's URLs plus /bench/bare/, the baseline of the web bench (bench/web_bench.py).

The bare view goes through the same middleware as every page (sessions, CSRF, CSP, audit
context) and answers a constant JSON object: what Django itself costs per request.
"""

from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("config.urls")),
]

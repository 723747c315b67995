"""/healthz, /readyz (no login, for load balancers and monitoring) and the status page /health/."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

from xianfeng.accounts.services import is_administrator
from xianfeng.core.views import PublicView, SignedInView

from . import checks, selectors


def _no_store(response):
    add_never_cache_headers(response)  # includes Cache-Control: no-store
    return response


class HealthzView(PublicView):
    """The process answers: no database, no cache, no session."""

    def get(self, request):
        return _no_store(JsonResponse({"status": "ok"}))


class ReadyzView(PublicView):
    """Database, cache, queue and worker; 503 when this server cannot serve (checks.py)."""

    def get(self, request):
        report = checks.readiness()
        strict = request.GET.get("strict", "") not in ("", "0")
        return _no_store(JsonResponse(report, status=checks.http_status(report, strict=strict)))


class StatusView(SignedInView):
    """系统状态, for administrators; the page polls its own body every 15 seconds (htmx)."""

    def handle_no_permission(self):
        if self.request.htmx and not self.request.user.is_authenticated:
            # The session ended while the page was open: go to the login page, not into the panel.
            return HttpResponseClientRedirect(redirect_to_login(self.request.get_full_path()).url)
        return super().handle_no_permission()

    def get(self, request):
        if not is_administrator(request.user):
            raise PermissionDenied
        template = "health/_status.html" if request.htmx else "health/status.html"
        response = _no_store(render(request, template, selectors.status_page(with_schema=not request.htmx)))
        if request.htmx:
            # An automatic refresh is not the administrator's activity: it must not restart the
            # 30-minute idle timeout (xianfeng.core.middleware.SessionMiddleware refreshes the
            # session of a request that read it), or a wall screen would stay signed in for ever.
            request.session.accessed = False
        return response

"""View base classes that need no access rule: public pages and pages for anyone signed in.

Views that show business rows extend ``xianfeng.accounts.scoped_views`` instead, so that the
access matrix test can find what each one shows.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.views import View, defaults

from .home import home_panels
from .http_errors import error_detail


class PublicView(View):
    """Reachable without signing in (login page, language switch)."""

    public = True


class SignedInView(LoginRequiredMixin, View):
    """Any signed-in user; shows no business object."""


class HomeView(SignedInView):
    """The 工作台: the panels each app registers in ``xianfeng.core.home``."""

    def get(self, request):
        return render(request, "core/home.html", {"panels": home_panels(request)})


# Error pages (config/urls.py's handler400/403/404/500). Pages render templates/<code>.html in
# the site layout; under /api/ the answer keeps the API's one JSON error shape.
_API_PREFIX = "/api/"


def _api_error(request, status: int):
    if not request.path.startswith(_API_PREFIX):
        return None
    return JsonResponse({"detail": error_detail(status), "errors": {}}, status=status)


def bad_request(request, exception):
    return _api_error(request, 400) or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _api_error(request, 403) or defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _api_error(request, 404) or defaults.page_not_found(request, exception)


def server_error(request):
    """Needs neither the database nor a request context: templates/500.html is self-contained."""
    return _api_error(request, 500) or defaults.server_error(request)

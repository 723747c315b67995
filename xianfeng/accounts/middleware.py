from django.shortcuts import redirect
from django.urls import reverse

# Paths a user with an initial password may still reach. The API is let through here only so
# that it can answer in its own JSON error shape: xianfeng/api/auth.py refuses every operation
# (403) to such a user, whether signed in by session or by token.
_ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/", "/api/")


class ForcePasswordChangeMiddleware:
    """Initial passwords must be changed before anything else (DESIGN.md §3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)

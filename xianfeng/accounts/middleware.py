from django.shortcuts import redirect
from django.urls import reverse

# Paths a user with an initial password may still reach.
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

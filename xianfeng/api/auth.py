"""API authentication: a bearer token or the browser's session.

A user who still has an initial password (``must_change_password``) gets 403 from every
operation, by either means, until they change it at /accounts/password/ (DESIGN.md §3).
The PermissionDenied raised here is answered by api.py in the one error shape.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from xianfeng.accounts.services import api_token_authenticate


def _usable(user):
    if user is not None and user.must_change_password:
        raise PermissionDenied(_("请先在 /accounts/password/ 修改初始密码，然后再使用 API"))
    return user


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token> (created at /accounts/tokens/ or with `manage.py create_api_token`)."""

    def authenticate(self, request, token):
        user = _usable(api_token_authenticate(token))
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session; CSRF-checked for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return _usable(user)
        return None

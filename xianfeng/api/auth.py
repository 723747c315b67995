from ninja.security import APIKeyCookie, HttpBearer

from xianfeng.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token> (created with `manage.py create_api_token`)."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session; CSRF-checked for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None

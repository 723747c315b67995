"""Request context for the audit trail: who is acting and from which address."""

from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


def ip_from_request(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # Behind nginx, the first address is the client's (nginx sets X-Forwarded-For).
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(ip_from_request(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


class InterfaceLanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a hospital's
    shared workstations often run English-language browsers, and the product's default is
    Chinese (DESIGN.md), so only an explicit choice (the language cookie) changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

"""Request context for the audit trail: who is acting and from which address."""

import ipaddress
import time
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip() -> str | None:
    return _client_ip.get()


def _address(value) -> Address | None:
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:10.0.0.1) is that IPv4 client.
    return getattr(address, "ipv4_mapped", None) or address


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_proxy(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def ip_from_request(request) -> str | None:
    """The client's address for the audit trail (DESIGN.md §3: trusted only from configured proxies).

    REMOTE_ADDR is the client unless it is one of settings.TRUSTED_PROXIES; only then is
    X-Forwarded-For read, from the right, skipping the trusted proxies: the first address that
    is not one of them is the client (anything left of it was written by the client and proves
    nothing). Every candidate must parse as an IP address; a junk hop ends the walk and
    REMOTE_ADDR is used. An invalid REMOTE_ADDR gives None.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_proxy(remote, networks):
        return str(remote)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(remote)
        client = address
        if not _is_proxy(address, networks):
            break
    return str(client)


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


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, restarting the idle timeout at most once a minute.

    SESSION_SAVE_EVERY_REQUEST would write the session row on every page view (issue 8: one
    UPDATE per request). Here a signed-in session is saved, which moves its expiry to
    SESSION_COOKIE_AGE from now, only when its last save is older than SESSION_REFRESH_SECONDS.
    A session therefore ends between SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and
    SESSION_COOKIE_AGE after the last request (29 to 30 minutes with the defaults), never later.
    """

    KEY = "_xf_refreshed"

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.modified and session.session_key:
            now = int(time.time())
            refreshed = session.get(self.KEY)
            if not isinstance(refreshed, int) or now - refreshed >= settings.SESSION_REFRESH_SECONDS:
                if session.keys():  # a signed-in (non-empty) session; never create one
                    session[self.KEY] = now
        elif session is not None and session.modified and session.keys():
            session[self.KEY] = int(time.time())
        return super().process_response(request, response)

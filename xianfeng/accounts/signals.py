"""Every login and failure goes to LoginLog (DESIGN.md §3)."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from xianfeng.audit.services import loginlog_write
from xianfeng.core.middleware import SessionMiddleware, ip_from_request


def _agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "") if request is not None else ""


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    loginlog_write(
        username=user.get_username(),
        user=user,
        success=True,
        ip=ip_from_request(request) if request is not None else None,
        user_agent=_agent(request),
    )


@receiver(user_login_failed)
def record_login_failure(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "") or ""
    user = get_user_model().objects.filter(username=username).first()
    detail = "locked" if getattr(request, "axes_locked_out", False) else "bad credentials"
    loginlog_write(
        username=username,
        user=user,
        success=False,
        ip=ip_from_request(request) if request is not None else None,
        detail=detail,
        user_agent=_agent(request),
    )


@receiver(user_logged_in)
def mark_session_fresh(sender, request, user, **kwargs):
    """A new session starts its idle minutes now (xianfeng.core.middleware.SessionMiddleware)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionMiddleware.KEY] = int(time.time())

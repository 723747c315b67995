"""工作台 panel for auditors: the last week's changes, personal-data access and failed logins."""

import datetime

from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can, scoped

from .models import AccessLog, ChangeLog, LoginLog

DAYS = 7


def audit_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, AccessLog):
        return None
    since = timezone.localdate() - datetime.timedelta(days=DAYS - 1)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    period = f"date_from={since.isoformat()}"
    return {
        "days": DAYS,
        "items": [
            {
                "key": "access",
                "count": scoped(user, AccessLog, VIEW).filter(at__gte=start).count(),
                "url": f"{reverse('audit:access')}?{period}",
            },
            {
                "key": "changes",
                "count": scoped(user, ChangeLog, VIEW).filter(at__gte=start).count(),
                "url": f"{reverse('audit:changes')}?{period}",
            },
            {
                "key": "failed_logins",
                "count": scoped(user, LoginLog, VIEW).filter(at__gte=start, success=False).count(),
                "url": f"{reverse('audit:logins')}?success=0&{period}",
            },
        ],
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("audit", order=20, template="audit/_home_panel.html", context=audit_panel)

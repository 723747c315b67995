"""工作台 panel 「我的服务」: records I entered today and this month, my volunteer hours this
month (providers' hours of counted records plus activity participation, travel excluded), and a
big 快速登记 button. Read through ``scoped()``; three small aggregate queries."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, can, scoped

from . import selectors
from .models import ActivityParticipant, RecordProvider, ServiceRecord


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def my_service_panel(request) -> dict | None:
    user = request.user
    if not can(user, CHANGE, ServiceRecord):
        return None
    today = timezone.localdate()
    month_start = today.replace(day=1)
    counts = (
        scoped(user, ServiceRecord)
        .filter(created_by=user, voided_at__isnull=True, created_at__gte=_day_start(month_start))
        .aggregate(
            month=Count("pk"),
            today=Count("pk", filter=Q(created_at__gte=_day_start(today))),
        )
    )
    member = selectors.own_member(user)
    hours = None
    if member is not None:
        period = {"member": member, "counted": True, "served_on__gte": month_start, "served_on__lte": today}
        provided = scoped(user, RecordProvider).filter(**period).aggregate(h=Sum("hours"))["h"] or Decimal("0")
        joined = scoped(user, ActivityParticipant).filter(**period).aggregate(h=Sum("hours"))["h"] or Decimal("0")
        hours = provided + joined
    list_url = reverse("servicelog:record_list")
    return {
        "today": counts["today"],
        "month": counts["month"],
        "hours": hours,
        "quick_url": reverse("servicelog:quick"),
        "mine_url": f"{list_url}?mine=1",
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("servicelog-mine", order=12, template="servicelog/record_home_panel.html", context=my_service_panel)

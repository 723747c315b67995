"""Reads of the duty roster: an emergency's live shifts in a window of days (by day, and as a
table post × day), a member's own shifts (they always see them) and a day's transport sheet."""

import datetime
from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.servicelog.selectors import own_member

from .models import DutyShift, Emergency

WINDOW_DAYS = 7


def _day_bounds(day: datetime.date, days: int = 1) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=days)


def shifts_of(user, emergency: Emergency, *, include_voided: bool = False) -> QuerySet:
    rows = scoped(user, DutyShift, VIEW).filter(emergency=emergency).select_related("member__branch", "team")
    if not include_voided:
        rows = rows.filter(voided_at__isnull=True)
    return rows.order_by("starts_at", "site", "id")


def window(user, emergency: Emergency, start: datetime.date, *, team=None, days: int = WINDOW_DAYS):
    """The shifts starting in [start, start + days): per day (list) and per post × day (table)."""
    lo, hi = _day_bounds(start, days)
    rows = shifts_of(user, emergency).filter(starts_at__gte=lo, starts_at__lt=hi)
    if team is not None:
        rows = rows.filter(team=team)
    rows = list(rows[:2000])
    dates = [start + datetime.timedelta(days=i) for i in range(days)]
    by_day = {d: [] for d in dates}
    table = defaultdict(lambda: defaultdict(list))
    for shift in rows:
        day = timezone.localtime(shift.starts_at).date()
        by_day.setdefault(day, []).append(shift)
        table[shift.site][day].append(shift)
    grid = [{"site": site, "cells": [cells.get(d, []) for d in dates]} for site, cells in sorted(table.items())]
    return {"dates": dates, "by_day": [(d, by_day[d]) for d in dates], "grid": grid, "count": len(rows)}


def my_shifts(user, *, since: datetime.date | None = None) -> QuerySet:
    member = own_member(user)
    if member is None:
        return DutyShift.objects.none()
    since = since or timezone.localdate()
    lo, _hi = _day_bounds(since)
    return (
        scoped(user, DutyShift, VIEW)
        .filter(member=member, voided_at__isnull=True, ends_at__gte=lo)
        .select_related("emergency", "team")
        .order_by("starts_at")
    )


def transport_sheet(user, emergency: Emergency, day: datetime.date) -> list[DutyShift]:
    """Who is picked up where, when, by which vehicle, for shifts starting on ``day``."""
    lo, hi = _day_bounds(day)
    return list(
        shifts_of(user, emergency)
        .filter(starts_at__gte=lo, starts_at__lt=hi, pickup_at__isnull=False)
        .order_by("vehicle", "pickup_at", "pickup_place", "member__name_initials")
    )

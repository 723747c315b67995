import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import Q, QuerySet

from xianfeng.accounts.scoping import VIEW, scoped

from .models import AccessLog, ChangeLog, LoginLog


def _period(qs: QuerySet, date_from: datetime.date | None, date_to: datetime.date | None) -> QuerySet:
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def changelog_list(*, user, username="", model="", action="", object_id="", date_from=None, date_to=None) -> QuerySet:
    qs = scoped(user, ChangeLog, VIEW).select_related("user")
    if username:
        qs = qs.filter(user__username=username)
    if model:
        qs = qs.filter(model=model)
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return _period(qs, date_from, date_to)


def accesslog_list(*, user, username="", kind="", object_id="", date_from=None, date_to=None) -> QuerySet:
    qs = scoped(user, AccessLog, VIEW).select_related("user")
    if username:
        qs = qs.filter(user__username=username)
    if kind:
        qs = qs.filter(kind=kind)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return _period(qs, date_from, date_to)


def loginlog_list(*, user, username="", success=None, date_from=None, date_to=None) -> QuerySet:
    qs = scoped(user, LoginLog, VIEW).select_related("user")
    if username:
        qs = qs.filter(username=username)
    if success is not None:
        qs = qs.filter(success=success)
    return _period(qs, date_from, date_to)


def object_history(*, targets: dict[type[models.Model], Iterable], also: Q | None = None) -> QuerySet:
    """ChangeLog rows of objects the caller has already found in the user's scope (a detail
    page's history). Each id is matched with its own model, (model=A AND id IN ids of A) OR
    (model=B AND id IN ids of B): a step whose id equals another member's id is not theirs."""
    condition = Q(pk__in=[])
    for model, ids in targets.items():
        condition |= Q(model=model._meta.label, object_id__in=[str(pk) for pk in ids])
    if also is not None:
        condition |= also
    return ChangeLog.objects.filter(condition).select_related("user")


def archive_list(*, user) -> QuerySet:
    """The audit archives (issue 15): deployment-wide anchors — sequence ranges, row counts, file
    names and checksums, no log content — for whoever reads the audit logs (the view requires
    audit.view on ChangeLog; an archive belongs to no organization, so no scope narrows it)."""
    from .models import AuditArchive

    return AuditArchive.objects.order_by("-created_at", "-id")

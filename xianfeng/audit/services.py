"""Writing the audit trail. Called by every service inside its own transaction."""

import datetime
import decimal
import uuid

from django.db import models

from xianfeng.core.fields import EncryptedTextField
from xianfeng.core.middleware import client_ip

from .models import AccessLog, ChangeLog, LoginLog

SECRET_PLACEHOLDER = "(已加密)"


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """Field values of ``obj`` for before/after. Encrypted values never enter the log in clear:
    only the fact that they changed (their blind index changes) is visible."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in ("created_at", "updated_at", "password"):
            continue
        if isinstance(field, EncryptedTextField):
            data[field.name] = SECRET_PLACEHOLDER if getattr(obj, field.attname) else ""
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def _org_path_of(obj) -> str:
    path_getter = getattr(obj, "audit_org_path", None)
    if callable(path_getter):
        return path_getter() or ""
    return ""


def changelog_write(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> ChangeLog:
    return ChangeLog.objects.create(
        user=actor if actor is not None and actor.is_authenticated else None,
        ip=client_ip(),
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        note=note[:500],
        org_path=_org_path_of(obj),
    )


def accesslog_write(
    *,
    actor,
    kind: str,
    model: type[models.Model],
    object_id="",
    object_repr: str,
    fields: str = "",
    reason: str = "",
    row_count: int = 1,
    org_path: str = "",
) -> AccessLog:
    return AccessLog.objects.create(
        user=actor,
        ip=client_ip(),
        kind=kind,
        model=model._meta.label,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        fields=fields[:200],
        reason=reason[:500],
        row_count=row_count,
        org_path=org_path,
    )


def loginlog_write(*, username: str, user, success: bool, ip: str | None, detail: str = "", user_agent: str = ""):
    return LoginLog.objects.create(
        username=username[:150], user=user, success=success, ip=ip, detail=detail[:200], user_agent=user_agent[:300]
    )

"""Writing the audit trail. Called by every service inside its own transaction."""

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable

from django.db import models

from xianfeng.core.fields import BlindIndexField, EncryptedTextField, PhoneTailField
from xianfeng.core.middleware import client_ip

from .models import AccessLog, ChangeLog, LoginLog

SECRET_PLACEHOLDER = "(已加密)"
SECRET_CHANGED = "(已加密，已修改)"


class Snapshot(dict):
    """Field values for before/after, plus (in memory only, never stored) the encrypted
    values, so changelog_write can tell that one changed without logging it or its hash."""

    secrets: dict[str, str]


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> Snapshot:
    """Field values of ``obj`` for before/after. Encrypted values never enter the log, in clear
    or as their blind index (an HMAC an auditor could match across records): the log shows
    "(已加密)", and "(已加密，已修改)" after a change (see changelog_write)."""
    data = Snapshot()
    data.secrets = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in ("created_at", "updated_at", "password"):
            continue
        if isinstance(field, (BlindIndexField, PhoneTailField)):  # derived from an encrypted field
            continue
        if isinstance(field, EncryptedTextField):
            value = getattr(obj, field.attname)
            data[field.name] = SECRET_PLACEHOLDER if value else ""
            data.secrets[field.name] = value or ""
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def _without_secrets(model: type[models.Model], before: dict | None, after: dict | None):
    """Blind indexes never enter the log (also from hand-made dicts); an encrypted field whose
    value changed between the two snapshots is shown as "(已加密，已修改)"."""
    blind = {f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)}
    old_secrets = getattr(before, "secrets", {})
    new_secrets = getattr(after, "secrets", {})
    before = {k: v for k, v in before.items() if k not in blind} if before is not None else None
    after = {k: v for k, v in after.items() if k not in blind} if after is not None else None
    if before is not None and after is not None:
        for name in old_secrets.keys() & new_secrets.keys():
            if old_secrets[name] != new_secrets[name] and after.get(name):
                after[name] = SECRET_CHANGED
    return before, after


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
    row = _changelog_row(_acting(actor), client_ip(), action, obj, before, after, note)
    row.save(force_insert=True)  # what objects.create() does; the chain is sealed in save()
    return row


def _acting(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _changelog_row(user, ip, action: str, obj: models.Model, before, after, note: str) -> ChangeLog:
    """One unsaved ChangeLog row, secrets left out (``obj`` may be a lazy request.user)."""
    before, after = _without_secrets(obj._meta.model, before, after)
    return ChangeLog(
        user=user,
        ip=ip,
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        note=note[:500],
        org_path=_org_path_of(obj),
    )


def changelog_write_many(
    *,
    actor,
    action: str,
    objs: Iterable[models.Model],
    after_of: Callable[[models.Model], dict | None] | None = None,
    note: str = "",
    before_of: Callable[[models.Model], dict | None] | None = None,
) -> list[ChangeLog]:
    """One ChangeLog row per object, chained in one bulk insert (imports). Call it once, at the
    end of the import's transaction: on PostgreSQL the chain head stays locked until commit."""
    user, ip = _acting(actor), client_ip()
    rows = [
        _changelog_row(
            user, ip, action, obj, before_of(obj) if before_of else None, after_of(obj) if after_of else None, note
        )
        for obj in objs
    ]
    return ChangeLog.objects.bulk_create(rows, batch_size=1000)


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

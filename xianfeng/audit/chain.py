"""The hash chain over each audit table (DESIGN.md §3: audit rows are hash-chained).

Every ChangeLog, AccessLog and LoginLog row carries ``seq`` (its position in the table's chain,
1, 2, 3 …), ``prev_hash`` (the previous row's ``row_hash``) and ``row_hash``, an HMAC-SHA256 over
a canonical serialization of the row's own fields and ``prev_hash``. A deleted row leaves a gap
in ``seq``; an altered row no longer matches its HMAC; reordered rows put ``seq`` out of id
order. ``manage.py verify_audit`` walks the chains.

Why an HMAC and not a plain SHA-256: whoever can write the tables (a database superuser, an
edited backup) could recompute a plain hash chain after deleting a row, so it would only catch
careless edits. The HMAC key lives in the application's environment, never in the database,
so the database side alone cannot forge a consistent chain. The key is derived from
BLIND_INDEX_KEY (a distinct purpose label keeps the two uses apart): that secret is already
required in production, is outside the database, and is never rotated (rotating it would
invalidate every blind index), while SECRET_KEY may be rotated for sessions and
FIELD_ENCRYPTION_KEY is rotated by design.

This module is pure: it knows field values, not the audit models.
"""

import datetime
import decimal
import hashlib
import hmac
import ipaddress
import json
import uuid
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.db import models

CHAIN_VERSION = "xianfeng-audit-chain-v1"


def _key() -> bytes:
    return _derived_key(settings.BLIND_INDEX_KEY)


@lru_cache(maxsize=2)
def _derived_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), CHAIN_VERSION.encode(), hashlib.sha256).digest()


def _plain(value):
    """A JSON value as the database gives it back (tuples become lists, keys strings,
    an integral float such as 1e20 an int, as jsonb prints it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@lru_cache(maxsize=4096)
def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return str(value)


def _moment(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _other(value):
    if isinstance(value, (datetime.date, datetime.time)):
        return _moment(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _plain_value(value):
    return value


def normalizer(field: models.Field) -> Callable:
    """How to spell a value of ``field``, one way whichever database stored it and whether it
    was just written or read back. None stays None."""
    if isinstance(field, models.GenericIPAddressField):
        convert = _ip
    elif isinstance(field, (models.DateField, models.TimeField)):
        convert = _moment
    elif isinstance(field, models.JSONField):
        convert = _plain
    elif isinstance(field, (models.CharField, models.TextField, models.IntegerField, models.BooleanField)):
        convert = _plain_value
    elif field.is_relation:
        convert = _plain_value
    else:
        convert = _other
    return lambda value: None if value is None else convert(value)


def normalize(field: models.Field, value):
    return normalizer(field)(value)


def canonical(label: str, values: dict) -> bytes:
    return json.dumps(
        [CHAIN_VERSION, label, values], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def row_hash(label: str, values: dict, prev_hash: str) -> str:
    """HMAC over the row's normalized field values (including its ``seq``) and ``prev_hash``."""
    digest = hmac.new(_key(), canonical(label, {**values, "prev_hash": prev_hash}), hashlib.sha256)
    return digest.hexdigest()


def head_mac(label: str, seq: int, last_hash: str) -> str:
    """Seal on the chain head, so a head rewound after deleting the newest rows is detected."""
    message = f"{CHAIN_VERSION}|head|{label}|{seq}|{last_hash}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def archive_mac(values: dict) -> str:
    """Seal on an archive record (models.AuditArchive.sealed_values): a record edited in the
    database, to hide rows or to name another file, no longer matches."""
    message = json.dumps([CHAIN_VERSION, "archive", values], sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()

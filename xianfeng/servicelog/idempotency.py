"""Client-supplied idempotency keys (DESIGN.md §4.1): the same user and key name the object made
before, so a create is safe to repeat (a double tap, a resubmitted form, a retried API call).
Shared by the writes of records (services.py) and activities (services_activities.py)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

MAX_KEY = 64


def check_key(key: str) -> str:
    """The key, stripped; a ValidationError on ``idempotency_key`` when it is too long."""
    key = (key or "").strip()
    if len(key) > MAX_KEY:
        raise ValidationError({"idempotency_key": _("客户端编号最长 64 个字符")})
    return key


def replay(model, acting_user, key: str):
    """The object of ``model`` this user made before with this key, or None (always None without a key)."""
    if not key:
        return None
    return model.objects.filter(created_by=acting_user, idempotency_key=key).first()


def save_new(obj, *, acting_user, key: str):
    """Save a new ``obj`` carrying ``key``. Returns None when saved; the earlier object when a
    concurrent request saved the same user and key first (the unique constraint refused this one)."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        earlier = replay(type(obj), acting_user, key)
        if earlier is None:
            raise
        return earlier
    return None

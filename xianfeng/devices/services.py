"""Writes to the offline devices (issue 14): register, contact, revoke, confirm a wipe.

A device is registered by its own user from a signed-in session; the server makes the data key
and keeps it, and releases it only to that user's session (``device_register`` returns it each
time the same user and device ask). The device proves itself without a session by the secret it
made (only its sha256 is kept): that is how a lost phone whose session expired long ago still
learns, on its next contact, that it was revoked and must wipe its data.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import AccessLog, ChangeLog
from xianfeng.audit.services import accesslog_write, changelog_write, snapshot

from .models import Device

MAX_CLIENT_ID = 64
MIN_SECRET = 32
# Devices one user may have in use at once (active and in contact within OFFLINE_MAX_DAYS). A
# phone that signs out starts again under a new id, so a daily sign-out keeps about 8 in use; the
# cap stops a login from filling the table (and the administrator's list) with made-up devices.
MAX_DEVICES_IN_USE = 20


class DeviceGone(Exception):
    """The device was revoked, has lapsed, or its user may no longer sign in: wipe it."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_ids(client_id: str, secret: str) -> tuple[str, str]:
    client_id, secret = (client_id or "").strip(), (secret or "").strip()
    errors = {}
    if not client_id or len(client_id) > MAX_CLIENT_ID:
        errors["client_id"] = _("设备编号应为 1–64 个字符")
    if len(secret) < MIN_SECRET or len(secret) > 200:
        errors["secret"] = _("设备密钥应为 32–200 个字符")
    if errors:
        raise ValidationError(errors)
    return client_id, secret


def lapsed(device: Device, now: datetime.datetime | None = None) -> bool:
    """No contact for more than OFFLINE_MAX_DAYS: the phone has wiped itself by now, and the
    server will not take it back without a new registration."""
    now = now or timezone.now()
    last = device.last_contact_at or device.registered_at
    return now - last > datetime.timedelta(days=settings.OFFLINE_MAX_DAYS)


def gone_state(device: Device, now: datetime.datetime | None = None) -> str | None:
    """Why this device must wipe itself ("revoked", "lapsed", "user_inactive"), or None."""
    if device.state == Device.State.REVOKED:
        return "revoked"
    if not device.user.is_active:
        return "user_inactive"
    if lapsed(device, now):
        return "lapsed"
    return None


GONE_MESSAGES = {
    "revoked": "此设备已被管理员撤销，本机离线数据已清除",
    "user_inactive": "此账号已停用，本机离线数据已清除",
    "lapsed": "此设备超过规定天数未联网，本机离线数据已清除，请重新登录",
}


def gone_message(state: str) -> str:
    return _(GONE_MESSAGES[state])


@dataclass
class Registered:
    device: Device
    data_key: str  # base64 of 32 bytes
    created: bool


@transaction.atomic
def device_register(*, acting_user, client_id: str, secret: str, label: str = "", user_agent: str = "") -> Registered:
    """Register (or find again) this user's device and release its data key to the session.

    The same (user, device id) with the same secret finds the same device and key (a phone that
    signs in again after its session expired keeps reading what it stored); a different secret is
    refused (someone else's id). A revoked or lapsed device is refused with DeviceGone: the phone
    wipes and registers anew under a new id."""
    client_id, secret = _check_ids(client_id, secret)
    now = timezone.now()
    device = Device.objects.select_for_update(of=("self",)).filter(user=acting_user, client_id=client_id).first()
    if device is not None:
        if not hmac.compare_digest(device.secret_hash, secret_hash(secret)):
            raise ValidationError({"secret": _("设备密钥不符：请清除本机离线数据后重新登记")})
        state = gone_state(device, now)
        if state:
            raise DeviceGone(state, gone_message(state))
        device.last_contact_at = now
        device.save(update_fields=["last_contact_at"])
        return Registered(device, device.data_key, False)
    _check_room(acting_user, now)
    device = Device(
        user=acting_user,
        client_id=client_id,
        label=label.strip()[:100],
        user_agent=user_agent[:300],
        org_path=acting_user.org.path if getattr(acting_user, "org_id", None) else "",
        data_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        secret_hash=secret_hash(secret),
        registered_at=now,
        last_contact_at=now,
    )
    try:
        with transaction.atomic():
            device.save(force_insert=True)
    except IntegrityError:  # two tabs registering the same new device at once
        return device_register(
            acting_user=acting_user, client_id=client_id, secret=secret, label=label, user_agent=user_agent
        )
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=device, after=_public(device))
    return Registered(device, device.data_key, True)


def _check_room(user, now: datetime.datetime) -> None:
    since = now - datetime.timedelta(days=settings.OFFLINE_MAX_DAYS)
    in_use = Device.objects.filter(user=user, state=Device.State.ACTIVE, last_contact_at__gte=since).count()
    if in_use >= MAX_DEVICES_IN_USE:
        raise ValidationError(
            {"client_id": _("您已有 %(n)d 台设备在用，请先在“离线设备”中撤销不再使用的设备") % {"n": in_use}}
        )


def _public(device: Device) -> dict:
    return snapshot(device, exclude=("data_key", "secret_hash"))


def device_of(user, client_id: str) -> Device:
    """This user's device, as a request names it; DeviceGone when it must wipe, ValidationError
    when the user has no such device (register first)."""
    device = Device.objects.select_related("user").filter(user=user, client_id=(client_id or "").strip()).first()
    if device is None:
        raise ValidationError({"device": _("此设备尚未登记，请联网打开离线应用重新登记")})
    state = gone_state(device)
    if state:
        raise DeviceGone(state, gone_message(state))
    return device


def device_touch(*, device: Device, ip: str | None = None, pending: int | None = None, synced: bool = False) -> None:
    """Record a contact (an update of its own columns only: no ChangeLog row per ping)."""
    now = timezone.now()
    device.last_contact_at = now
    fields = ["last_contact_at"]
    if ip:
        device.last_ip = ip
        fields.append("last_ip")
    if pending is not None:
        device.pending_count = max(0, min(int(pending), 1_000_000))
        fields.append("pending_count")
    if synced:
        device.last_sync_at = now
        fields.append("last_sync_at")
    Device.objects.filter(pk=device.pk).update(**{f: getattr(device, f) for f in fields})


def device_status(*, client_id: str, secret: str, pending: int | None = None) -> tuple[str, Device | None]:
    """The answer to a device asking, without a session, whether it may keep its data:
    ("active" | "revoked" | "lapsed" | "user_inactive" | "unknown", the device). An unknown id or a
    wrong secret answers "unknown" (the phone keeps its data and registers when signed in)."""
    client_id, secret = (client_id or "").strip()[:MAX_CLIENT_ID], (secret or "")[:200]
    wanted = secret_hash(secret)
    for device in Device.objects.select_related("user").filter(client_id=client_id):
        if hmac.compare_digest(device.secret_hash, wanted):
            state = gone_state(device)
            if state is None:
                device_touch(device=device, pending=pending)
            return state or "active", device
    return "unknown", None


@transaction.atomic
def device_revoke(*, acting_user, device: Device, reason: str) -> Device:
    """Revoke a device: it gets no key, no data and no sync from now on, and wipes itself on its
    next contact. The access log records who revoked whose device and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因（如：手机丢失）")})
    device = Device.objects.select_for_update(of=("self",)).select_related("user").get(pk=device.pk)
    ensure_in_scope(acting_user, device, CHANGE)
    if device.state == Device.State.REVOKED:
        at = timezone.localtime(device.revoked_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError({"reason": _("此设备已于 %(at)s 撤销") % {"at": at}})
    before = _public(device)
    device.state = Device.State.REVOKED
    device.revoked_at = timezone.now()
    device.revoked_by = acting_user
    device.revoke_reason = reason[:200]
    device.full_clean()
    device.save(update_fields=["state", "revoked_at", "revoked_by", "revoke_reason"])
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=device, before=before, after=_public(device), note=reason
    )
    accesslog_write(
        actor=acting_user,
        kind=AccessLog.Kind.DEVICE_REVOKE,
        model=Device,
        object_id=device.pk,
        object_repr=str(device),
        reason=reason,
        org_path=device.org_path,
    )
    return device


def device_confirm_wipe(*, device: Device) -> None:
    """The device reports it has wiped its data (after a revocation or a lapse)."""
    if device.wiped_at is None:
        Device.objects.filter(pk=device.pk).update(wiped_at=timezone.now())

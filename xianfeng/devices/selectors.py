"""Reads of the offline devices for their pages and the API (DESIGN.md §4.2): every list starts
from ``scoped()``, so an administrator sees every device, 党办 those of its subtree's users and
everyone else their own (roles.OWN_ONLY)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can, scoped
from xianfeng.audit.models import AccessLog

from .models import Device, SyncedEntry

# A device that has not called for longer than this is flagged on the list (amber): its user may
# be recording offline for days, and the outbox grows.
STALE_DAYS = 3
STATES = ("active", "revoked", "lapsed")
SEARCH_MAX = 50


def lapse_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.OFFLINE_MAX_DAYS)


def device_list(*, user, query: str = "", state: str = "") -> QuerySet:
    """The user's devices in scope, last contact first (never-contacted last).

    ``query`` matches the user's username or name and the device's label or browser; ``state``
    is "active" (neither revoked nor lapsed), "revoked" or "lapsed" (active, but silent for more
    than OFFLINE_MAX_DAYS: the phone has wiped itself)."""
    devices = scoped(user, Device, VIEW).select_related("user", "revoked_by")
    query = (query or "").strip()[:SEARCH_MAX]
    if query:
        devices = devices.filter(
            Q(user__username__icontains=query)
            | Q(user__display_name__icontains=query)
            | Q(label__icontains=query)
            | Q(user_agent__icontains=query)
        )
    cutoff = lapse_cutoff()
    silent = Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, registered_at__lt=cutoff)
    if state == "revoked":
        devices = devices.filter(state=Device.State.REVOKED)
    elif state == "lapsed":
        devices = devices.filter(silent, state=Device.State.ACTIVE)
    elif state == "active":
        devices = devices.filter(state=Device.State.ACTIVE).exclude(silent)
    return devices.order_by(F("last_contact_at").desc(nulls_last=True), "-id")


@dataclass(frozen=True)
class Standing:
    """How a device stands, as the list and the detail show it."""

    code: str  # active | revoked | lapsed | user_inactive
    silent_days: int  # whole days since the last contact
    stale: bool  # active and silent for more than STALE_DAYS


def standing(device: Device, now: datetime.datetime | None = None) -> Standing:
    now = now or timezone.now()
    last = device.last_contact_at or device.registered_at
    days = max(0, (now - last).days)
    if device.state == Device.State.REVOKED:
        code = "revoked"
    elif not device.user.is_active:
        code = "user_inactive"
    elif last < lapse_cutoff(now):
        code = "lapsed"
    else:
        code = "active"
    return Standing(code=code, silent_days=days, stale=code == "active" and days > STALE_DAYS)


def device_entries(*, user, device: Device) -> QuerySet:
    """The outbox entries this device delivered, newest first."""
    return scoped(user, SyncedEntry, VIEW).filter(device=device).order_by("-received_at", "-id")


def refusal_filter(device: Device) -> Q:
    # The sync writes each refusal with fields = "device:<client id>" (the device's own id; the
    # object_id is the refused entry's id) and the device's user as the actor.
    return Q(kind=AccessLog.Kind.SYNC_REFUSED, fields=f"device:{device.client_id}", user_id=device.user_id)


def may_read_refusals(user) -> bool:
    return can(user, VIEW, AccessLog)


def device_refusals(*, user, device: Device) -> QuerySet:
    """The access log's refusals of this device's entries, for readers of the audit."""
    return scoped(user, AccessLog, VIEW).filter(refusal_filter(device)).order_by("-at", "-id")


def device_refusal_count(device: Device) -> int:
    """How many of this device's entries were refused: a fact about the device that whoever sees it
    may know, even without reading the audit (the rows themselves stay in the audit)."""
    return AccessLog.objects.filter(refusal_filter(device)).count()


# The pages an entry's records open on, by model label: (URL name, model path for scoped()).
RECORD_PAGES = {
    "servicelog.ServiceRecord": "servicelog:record_detail",
    "hotline.Call": "hotline:call_detail",
    "needs.Need": "needs:detail",
}


def made_items(entry: SyncedEntry) -> list[tuple[str, int]]:
    """(model label, id) of what an entry made: stored as [label, id] pairs (or {"model", "id"})."""
    items = []
    for item in entry.made or []:
        if isinstance(item, dict):
            item = (item.get("model"), item.get("id"))
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            try:
                items.append((item[0], int(item[1])))
            except (TypeError, ValueError):
                continue
    return items


def record_links(*, user, entries) -> dict[tuple[str, int], str]:
    """{(model label, id): url} for the records the entries made that the viewer may see (one
    query per kind of record, whatever the number of entries)."""
    from django.apps import apps

    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for label, pk in made_items(entry):
            if label in RECORD_PAGES:
                wanted.setdefault(label, set()).add(pk)
    links = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        for pk in scoped(user, model, VIEW).filter(pk__in=ids).values_list("pk", flat=True):
            links[(label, pk)] = reverse(RECORD_PAGES[label], args=[pk])
    return links

"""Activity evidence (photos, attachments and their thumbnails) deleted after
EVIDENCE_RETENTION_DAYS, with a record that it was (DESIGN.md §3; issue 15 §4; the policy table is
xianfeng/core/retention.py). Run nightly by the retention task (xianfeng/audit/tasks.py).

The row stays, with ``purged_at`` set and its stored file names cleared, so the activity page says
what was there and when it went; a ChangeLog row in the same transaction records the deletion.
The age is the upload's (``uploaded_at``): the file's own time in storage.

Order: the stored files first, then the record. If recording fails the next run finds the row again
and deleting a missing file is a no-op; the other order could leave a record of a deletion that did
not happen.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from .models import ActivityFile

BATCH = 500


def evidence_retention_days() -> int:
    return int(getattr(settings, "EVIDENCE_RETENTION_DAYS", 1095))


def expired(now: datetime.datetime | None = None):
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=evidence_retention_days())
    return ActivityFile.objects.filter(purged_at__isnull=True, uploaded_at__lt=cutoff)


def _purge_one(item: ActivityFile, *, now: datetime.datetime, days: int) -> bool:
    storage = item.file.storage
    for name in (item.file.name, item.thumbnail.name):
        if name:
            storage.delete(name)
    with transaction.atomic():
        item = ActivityFile.objects.select_for_update().select_related("activity__org").filter(pk=item.pk).first()
        if item is None or item.purged_at is not None:  # removed or purged meanwhile
            return False
        item.file, item.thumbnail, item.purged_at = "", "", now
        item.save(update_fields=["file", "thumbnail", "purged_at"])
        changelog_write(
            actor=None,
            action=ChangeLog.Action.DELETE,
            obj=item,
            after={"purged_at": now.isoformat()},
            note=_("文件已按保存期限（%(d)s 天）删除，记录保留") % {"d": days},
        )
    return True


def evidence_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored files of evidence older than the retention period; the number deleted.
    Idempotent: a purged row is not found again."""
    now = now or timezone.now()
    days = evidence_retention_days()
    purged = 0
    while True:
        batch = list(expired(now).only("pk", "file", "thumbnail").order_by("pk")[:BATCH])
        if not batch:
            return purged
        for item in batch:
            purged += _purge_one(item, now=now, days=days)
        if len(batch) < BATCH:
            return purged

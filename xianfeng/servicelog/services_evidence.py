"""Writes of an activity's evidence (photos and attachments, DESIGN.md §4.1): checked by their
content (``evidence.check_upload``), stored encrypted with a photo's thumbnail, recorded in the
ChangeLog. Evidence is not a counted fact: a file may be removed (the ChangeLog keeps that it
was there), but not once its activity is voided.
"""

import io
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core import filecrypt

from . import evidence
from .models import Activity, ActivityFile


def _file_snapshot(item: ActivityFile) -> dict:
    return snapshot(item, exclude=("file", "thumbnail"))


def activity_file_add(*, acting_user, activity: Activity, name: str, data: bytes, caption: str = "") -> ActivityFile:
    """Check an upload by its content (evidence.check_upload), store it (and a photo's thumbnail)
    encrypted, and record it; nothing is kept when any step fails."""
    checked = evidence.check_upload(name, data)
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": _("说明最长 200 个字")})
    stored: list = []
    try:
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity.pk)
            ensure_in_scope(acting_user, activity, CHANGE)
            if activity.is_voided:
                raise ValidationError({"file": _("该活动已作废，不能上传")})
            item = ActivityFile(
                activity=activity,
                kind=checked.kind,
                original_name=checked.name,
                content_type=checked.content_type,
                size=len(checked.data),
                width=checked.width,
                height=checked.height,
                caption=caption,
                uploaded_by=acting_user,
            )
            token = secrets.token_hex(16)
            filecrypt.store_encrypted(item.file, f"{token}.enc", io.BytesIO(checked.data))
            stored.append(item.file.name)
            if checked.thumbnail:
                filecrypt.store_encrypted(item.thumbnail, f"{token}-thumb.enc", io.BytesIO(checked.thumbnail))
                stored.append(item.thumbnail.name)
            item.full_clean(exclude=["activity", "uploaded_by", "file", "thumbnail"])
            item.save()
            ensure_in_scope(acting_user, item, CHANGE)
            changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=item, after=_file_snapshot(item))
    except BaseException:
        for name_stored in stored:
            ActivityFile.file.field.storage.delete(name_stored)
        raise
    return item


@transaction.atomic
def activity_file_delete(*, acting_user, item: ActivityFile) -> None:
    """Remove a photo or attachment (evidence, not a counted fact); the ChangeLog keeps its record."""
    item = ActivityFile.objects.select_for_update().select_related("activity__org").get(pk=item.pk)
    ensure_in_scope(acting_user, item, CHANGE)
    if item.activity.is_voided:
        raise ValidationError(_("该活动已作废，不能修改"))
    names = [n for n in (item.file.name, item.thumbnail.name) if n]
    storage = item.file.storage
    changelog_write(actor=acting_user, action=ChangeLog.Action.DELETE, obj=item, before=_file_snapshot(item))
    item.delete()
    transaction.on_commit(lambda: [storage.delete(n) for n in names])

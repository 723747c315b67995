"""Attachments of a meeting's minutes (a scan of the signed minutes, a photo of the blackboard):
checked by their content with the service log's evidence rules (``servicelog.evidence``: photos
JPG/PNG/WebP up to 10 MB, re-encoded without EXIF or GPS; PDF/Word/Excel up to 20 MB), stored
encrypted (``core.filecrypt``), recorded in the ChangeLog in the same transaction. Attachments
are not counted facts: one may be removed (the ChangeLog keeps that it was there), but not once
its meeting is voided.
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
from xianfeng.servicelog import evidence

from .models import Meeting, MeetingFile

MAX_FILES_PER_MEETING = 50


def file_snapshot(item: MeetingFile) -> dict:
    return snapshot(item, exclude=("file",))


def meeting_file_add(*, acting_user, meeting: Meeting, name: str, data: bytes, caption: str = "") -> MeetingFile:
    """Check an upload by its content, store it encrypted and record it; nothing is kept (no row,
    no stored file) when any step fails."""
    checked = evidence.check_upload(name, data)
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": _("说明最长 200 个字")})
    stored: list[str] = []
    try:
        with transaction.atomic():
            meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
            ensure_in_scope(acting_user, meeting, CHANGE)
            if meeting.is_voided:
                raise ValidationError({"file": _("该会议记录已作废，不能上传附件")})
            if MeetingFile.objects.filter(meeting=meeting).count() >= MAX_FILES_PER_MEETING:
                raise ValidationError(
                    {"file": _("每次会议最多 %(n)d 个附件，请先删除不需要的") % {"n": MAX_FILES_PER_MEETING}}
                )
            item = MeetingFile(
                meeting=meeting,
                original_name=checked.name,
                content_type=checked.content_type,
                size=len(checked.data),
                caption=caption,
                uploaded_by=acting_user,
            )
            filecrypt.store_encrypted(item.file, f"{secrets.token_hex(16)}.enc", io.BytesIO(checked.data))
            stored.append(item.file.name)
            item.full_clean(exclude=["meeting", "uploaded_by", "file"])
            item.save()
            ensure_in_scope(acting_user, item, CHANGE)
            changelog_write(
                actor=acting_user,
                action=ChangeLog.Action.CREATE,
                obj=item,
                after=file_snapshot(item),
                note=_("上传会议附件：%(n)s") % {"n": item.original_name},
            )
    except BaseException:
        for stored_name in stored:
            MeetingFile.file.field.storage.delete(stored_name)
        raise
    return item


@transaction.atomic
def meeting_file_delete(*, acting_user, item: MeetingFile) -> None:
    """Remove an attachment; the ChangeLog keeps its record (the stored file goes after commit)."""
    item = MeetingFile.objects.select_for_update(of=("self",)).select_related("meeting__org").get(pk=item.pk)
    ensure_in_scope(acting_user, item, CHANGE)
    if item.meeting.is_voided:
        raise ValidationError(_("该会议记录已作废，不能修改"))
    name, storage = item.file.name, item.file.storage
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.DELETE,
        obj=item,
        before=file_snapshot(item),
        note=_("删除会议附件：%(n)s") % {"n": item.original_name},
    )
    item.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))

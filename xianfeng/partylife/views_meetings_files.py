"""A meeting's attachments (scans and photos of the minutes): upload (partylife.change on the
meeting), the file itself served decrypted to whoever may see the meeting (404 otherwise), and
removal after a confirmation. The checks and storage are services_meetings_files.py; the
response headers (nosniff, sandboxing CSP, private cache) are the service log's evidence ones."""

import functools
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE
from xianfeng.core.downloads import file_response
from xianfeng.core.filecrypt import FileDecryptionError, decrypt_bytes
from xianfeng.servicelog.forms_activities import UploadForm
from xianfeng.servicelog.uploads import save_uploads

from . import services_meetings_files as services
from .models import Meeting, MeetingFile

logger = logging.getLogger(__name__)


class MeetingUploadView(ScopedObjectView):
    """Scans, photos and documents of the minutes (several at once); each checked by its content."""

    model = Meeting
    action = CHANGE

    def _render(self, request, meeting, form, status=200):
        context = {"meeting": meeting, "form": form, "tab": "meetings"}
        return render(request, "partylife/meeting_upload.html", context, status=status)

    def get(self, request, pk):
        meeting = self.get_object()
        if meeting.is_voided:
            messages.error(request, _("该会议记录已作废，不能上传附件"))
            return redirect("partylife:meeting_detail", pk=meeting.pk)
        return self._render(request, meeting, UploadForm())

    def post(self, request, pk):
        meeting = self.get_object()
        form = UploadForm(request.POST)
        save_uploads(
            request,
            form,
            functools.partial(services.meeting_file_add, acting_user=request.user, meeting=meeting),
            empty_message=_("请选择要上传的会议记录扫描件、照片或文档"),
        )
        if form.errors:
            return self._render(request, meeting, form, status=400)
        return redirect("partylife:meeting_detail", pk=meeting.pk)


class MeetingFileView(ScopedObjectView):
    """The attachment itself, decrypted: photos inline, documents as a download."""

    model = MeetingFile

    def get(self, request, pk):
        item = self.get_object()
        try:
            data = decrypt_bytes(item.file)
        except (OSError, ValueError, FileDecryptionError):
            logger.warning("meeting file %s: stored content missing or unreadable", item.pk)
            raise Http404("file unreadable") from None
        inline = item.content_type.startswith("image/")
        return file_response(data, item.original_name, item.content_type, inline=inline)


class MeetingFileDeleteView(ScopedObjectView):
    """Remove an attachment: a confirmation page (GET), then the removal (POST)."""

    model = MeetingFile
    action = CHANGE

    def get(self, request, pk):
        item = self.get_object()
        context = {"item": item, "meeting": item.meeting, "tab": "meetings"}
        return render(request, "partylife/meeting_file_delete.html", context)

    def post(self, request, pk):
        item = self.get_object()
        meeting_id = item.meeting_id
        try:
            services.meeting_file_delete(acting_user=request.user, item=item)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已删除附件“%(n)s”") % {"n": item.caption or item.original_name})
        return redirect("partylife:meeting_detail", pk=meeting_id)

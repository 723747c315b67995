"""An activity's evidence pages: uploading photos and attachments, serving them decrypted (to
those who may see the activity) with their thumbnails, and removing one. The activity pages
themselves are in views_activities.py."""

import functools
import logging
from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE
from xianfeng.core.downloads import file_response
from xianfeng.core.filecrypt import FileDecryptionError, decrypt_bytes

from . import evidence, services_evidence
from .forms_activities import UploadForm
from .models import Activity, ActivityFile
from .uploads import save_uploads

logger = logging.getLogger(__name__)


class ActivityUploadView(ScopedObjectView):
    """Photos and attachments (several at once); each is checked by its content."""

    model = Activity
    action = CHANGE

    def get(self, request, pk):
        activity = self.get_object()
        context = {"activity": activity, "form": UploadForm(), "heading": _("上传照片或附件")}
        return render(request, "servicelog/activity_upload.html", context)

    def post(self, request, pk):
        activity = self.get_object()
        form = UploadForm(request.POST)
        save_uploads(
            request,
            form,
            functools.partial(services_evidence.activity_file_add, acting_user=request.user, activity=activity),
            empty_message=_("请选择要上传的照片或附件"),
        )
        if form.errors:
            context = {"activity": activity, "form": form, "heading": _("上传照片或附件")}
            return render(request, "servicelog/activity_upload.html", context, status=400)
        return redirect("servicelog:activity_detail", pk=activity.pk)


def _decrypted(field_file, item: ActivityFile) -> bytes:
    try:
        return decrypt_bytes(field_file)
    except (OSError, FileDecryptionError):
        logger.warning("activity file %s: stored content missing or unreadable", item.pk)
        raise Http404("file unreadable") from None


def _purged(request, item: ActivityFile):
    """410 Gone: the file was deleted after its retention period (servicelog/retention.py)."""
    return render(
        request, "servicelog/activity_file_purged.html", {"item": item, "activity": item.activity}, status=410
    )


class ActivityFileView(ScopedObjectView):
    """The photo or attachment itself, decrypted: photos inline, anything else as a download."""

    model = ActivityFile

    def get(self, request, pk):
        item = self.get_object()
        if item.purged_at is not None:
            return _purged(request, item)
        is_photo = item.kind == ActivityFile.Kind.PHOTO and item.content_type.startswith("image/")
        return file_response(_decrypted(item.file, item), item.original_name, item.content_type, inline=is_photo)


class ActivityFileThumbView(ScopedObjectView):
    """A photo's thumbnail (JPEG), or a document icon for an attachment."""

    model = ActivityFile

    def get(self, request, pk):
        item = self.get_object()
        if item.purged_at is not None:
            return _purged(request, item)
        if not item.thumbnail:
            label = PurePosixPath(item.original_name).suffix.lstrip(".") or "file"
            return file_response(evidence.placeholder_svg(label), "file.svg", "image/svg+xml", inline=True)
        name = PurePosixPath(item.original_name).stem + "-thumb.jpg"
        return file_response(_decrypted(item.thumbnail, item), name, "image/jpeg", inline=True)


class ActivityFileDeleteView(ScopedObjectView):
    """Remove a photo or attachment (POST from the activity's page, which asks to confirm)."""

    model = ActivityFile
    action = CHANGE

    def post(self, request, pk):
        item = self.get_object()
        activity_id = item.activity_id
        try:
            services_evidence.activity_file_delete(acting_user=request.user, item=item)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已删除“%(n)s”") % {"n": item.caption or item.original_name})
        return redirect("servicelog:activity_detail", pk=activity_id)

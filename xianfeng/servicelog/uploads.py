"""Saving the files of one upload form (an activity's evidence, a meeting's minutes): each file
checked for size and saved on its own, every refusal written on the form, one message for what was
saved. The caller's ``add(name, data, caption)`` does the storing (encrypted, with its ChangeLog)."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import evidence

MAX_PER_POST = 20


def save_uploads(request, form, add: Callable[..., object], *, empty_message: str) -> int:
    """Validate ``form`` and save each file of the request's "file" field through ``add``; returns
    how many were saved. A form with errors afterwards is to be shown again (status 400)."""
    uploads = request.FILES.getlist("file")
    if not uploads:
        form.add_error(None, empty_message)
    saved = 0
    if form.is_valid() and uploads:
        if len(uploads) > MAX_PER_POST:
            form.add_error(None, _("一次最多上传 %(n)d 个文件") % {"n": MAX_PER_POST})
        limit = evidence.MAX_ATTACHMENT_BYTES
        for upload in uploads[:MAX_PER_POST]:
            name = evidence.clean_name(upload.name)
            if upload.size > limit:
                form.add_error(None, _("“%(n)s”超过 20 MB，未上传（照片限 10 MB，文档限 20 MB）") % {"n": name})
                continue
            try:
                add(name=upload.name, data=upload.read(limit + 1), caption=form.cleaned_data["caption"])
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                saved += 1
    if saved:
        messages.success(request, ngettext("已上传 %(n)d 个文件", "已上传 %(n)d 个文件", saved) % {"n": saved})
    return saved

"""Revealing and exporting personal data (DESIGN.md §3): permission-checked and logged.

Lists, search results and exports show masked values by default. Showing a value in full
needs the "<app>.reveal" permission over the object and writes an AccessLog row (who, whom,
when, which fields, why); exporting personal data needs "<app>.export" and is logged too.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response

from .scoping import EXPORT, REVEAL, can, ensure_in_scope


def _org_path(obj) -> str:
    getter = getattr(obj, "audit_org_path", None)
    return getter() if callable(getter) else ""


@transaction.atomic
def personal_reveal(*, acting_user, obj, fields: list[str], reason: str) -> dict[str, str]:
    """The named fields of ``obj`` in clear, after checking and logging."""
    if not reason.strip():
        raise PermissionDenied(_("查看完整信息须填写事由"))
    ensure_in_scope(acting_user, obj, REVEAL)
    accesslog_write(
        actor=acting_user,
        kind=AccessLog.Kind.REVEAL,
        model=type(obj),
        object_id=obj.pk,
        object_repr=str(obj),
        fields=",".join(fields),
        reason=reason,
        org_path=_org_path(obj),
    )
    return {field: getattr(obj, field) or "" for field in fields}


def personal_export_allowed(user, model, *, reveal: bool) -> bool:
    """Any export of a list holding personal data needs export permission; unmasked needs reveal too."""
    if not can(user, EXPORT, model):
        return False
    return not reveal or can(user, REVEAL, model)


def personal_export_log(
    *, acting_user, model, row_count: int, reveal: bool, fields: list[str], reason: str = "", description: str = ""
) -> None:
    accesslog_write(
        actor=acting_user,
        kind=AccessLog.Kind.EXPORT,
        model=model,
        object_repr=description or str(model._meta.verbose_name),
        fields=(",".join(fields) + (" (完整)" if reveal else " (脱敏)")),
        reason=reason,
        row_count=row_count,
        org_path=acting_user.org.path if getattr(acting_user, "org_id", None) else "",
    )


def personal_export(
    *,
    acting_user,
    model,
    rows,
    columns: list[ExportColumn],
    reveal: bool,
    fields: list[str],
    filename: str,
    sheet_title: str,
    reason: str = "",
    description: str = "",
) -> HttpResponse:
    """The one way a list holding personal data leaves as a file: permission checked, masked
    unless revealed (which needs a reason), and written to AccessLog."""
    if not personal_export_allowed(acting_user, model, reveal=reveal):
        raise PermissionDenied(_("您没有导出此名单（或导出完整身份信息）的权限"))
    if reveal and not reason.strip():
        raise PermissionDenied(_("导出完整身份信息须填写事由"))
    content, count = xlsx_bytes(rows, columns, reveal=reveal, sheet_title=sheet_title)
    personal_export_log(
        acting_user=acting_user,
        model=model,
        row_count=count,
        reveal=reveal,
        fields=fields,
        reason=reason,
        description=description,
    )
    return xlsx_response(content, filename)

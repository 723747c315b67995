"""The one path to personal data (DESIGN.md §3): reveal, export, exact searches and
existence checks are permission-checked, masked and logged here.

Lists, search results and exports show masked values by default (core.masking states the
rule). Showing a value in full needs the "<app>.reveal" permission over the object and writes
an AccessLog row (who, whom, when, which fields, why); exporting personal data needs
"<app>.export" over every row exported, unmasked values only for rows within the reveal scope,
and is logged too. An exact search by a full ID number or phone (which confirms a guess) and
a check that an ID number is already registered outside the user's scope are logged without
the value searched, and limited to settings.EXACT_SEARCH_LIMIT per user per hour.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response
from xianfeng.core.idnumber import IdNumberError, parse_id_number

from .scoping import EXPORT, REVEAL, VIEW, can, ensure_in_scope, scoped

# Labels stored in AccessLog.fields for an exact search (the value itself is never stored).
EXACT_FIELDS = {"id_number": "身份证号", "phone": "电话"}


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


def _masked_outside(columns: list[ExportColumn], revealed: Callable[[object], bool]) -> list[ExportColumn]:
    """The columns with each personal value masked on the rows where ``revealed(row)`` is false."""

    def masked(column: ExportColumn):
        def value(row):
            raw = column.value(row)
            if raw and not revealed(row):
                return column.mask(str(raw)) if column.mask else "***"
            return raw

        return value

    return [ExportColumn(c.header, masked(c)) if c.personal else c for c in columns]


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
    person_model=None,
    person_id: Callable[[object], int] | None = None,
) -> HttpResponse:
    """The one way a list holding personal data leaves as a file: permission checked, masked
    unless revealed (which needs a reason), and written to AccessLog.

    ``rows``: a queryset or a list of ``model`` rows, narrowed here to the user's export
    scope (a list is checked by primary key). Personal columns are unmasked only
    on the rows whose person — ``person_id(row)``, a ``person_model`` pk (default: the row
    itself) — is within the user's reveal scope; every other row stays masked.
    """
    person_model = person_model or model
    if not personal_export_allowed(acting_user, model, reveal=False) or (
        reveal and not can(acting_user, REVEAL, person_model)
    ):
        raise PermissionDenied(_("您没有导出此名单（或导出完整身份信息）的权限"))
    if reveal and not reason.strip():
        raise PermissionDenied(_("导出完整身份信息须填写事由"))
    if isinstance(rows, QuerySet):
        rows = scoped(acting_user, rows, EXPORT)
    else:  # rows already read: keep those within the export scope
        rows = list(rows)
        allowed = set(
            scoped(acting_user, model, EXPORT).filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True)
        )
        rows = [row for row in rows if row.pk in allowed]
    revealed_ids: set = set()
    if reveal:
        if isinstance(rows, QuerySet) and person_id is None:
            revealed_ids = set(scoped(acting_user, rows, REVEAL).values_list("pk", flat=True))
        else:
            rows = list(rows)
            ids = {(person_id or _pk)(row) for row in rows}
            revealed_ids = set(
                scoped(acting_user, person_model, REVEAL).filter(pk__in=ids).values_list("pk", flat=True)
            )
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=2000)
    columns = _masked_outside(columns, lambda row: (person_id or _pk)(row) in revealed_ids)
    content, count = xlsx_bytes(rows, columns, reveal=False, sheet_title=sheet_title)
    personal_export_log(
        acting_user=acting_user,
        model=model,
        row_count=count,
        reveal=bool(revealed_ids),
        fields=fields,
        reason=reason,
        description=description
        + (_("（完整 %(n)s 行，其余脱敏）") % {"n": len(revealed_ids)} if reveal and revealed_ids else ""),
    )
    return xlsx_response(content, filename)


def _pk(row) -> int:
    return row.pk


class ExactSearchLimited(Exception):
    """Too many exact searches (or existence checks) this hour: the search is refused."""

    def __init__(self):
        super().__init__(
            _("您在一小时内按完整身份证号或电话精确查找的次数已达上限（%(n)s 次），请稍后再试")
            % {"n": settings.EXACT_SEARCH_LIMIT}
        )


def _limit_key(user) -> str:
    return f"xf:exact-search:{user.pk}:{timezone.now():%Y%m%d%H}"


def exact_search_over_limit(user) -> bool:
    """Whether ``user`` has used up this hour's exact searches (without counting one)."""
    return (cache.get(_limit_key(user)) or 0) >= settings.EXACT_SEARCH_LIMIT


def _count_exact_search(user) -> int:
    key = _limit_key(user)
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return 1


def _log_lookup(acting_user, kind: str, model, field: str, note: str) -> None:
    accesslog_write(
        actor=acting_user,
        kind=kind,
        model=model,
        object_repr=f"{model._meta.verbose_name} {note}",
        fields=EXACT_FIELDS.get(field, field),
        org_path=acting_user.org.path if getattr(acting_user, "org_id", None) else "",
    )


def exact_lookup(*, acting_user, model, field: str, value: str) -> str:
    """The blind index to filter ``model`` on for an exact search by a full ``field`` value
    ("id_number" or "phone", already normalized by the caller).

    Every exact search is counted against settings.EXACT_SEARCH_LIMIT per hour and written to
    AccessLog (kind "search", the field searched, never the value). Over the limit it raises
    ExactSearchLimited: the caller shows the message and no results.
    """
    count = _count_exact_search(acting_user)
    limit = settings.EXACT_SEARCH_LIMIT
    if count > limit:
        if count == limit + 1:  # the first refused search is recorded; later ones are not
            _log_lookup(acting_user, AccessLog.Kind.SEARCH, model, field, _("精确查找（超出次数限制，已拒绝）"))
        raise ExactSearchLimited()
    _log_lookup(acting_user, AccessLog.Kind.SEARCH, model, field, _("精确查找"))
    return model._meta.get_field(f"{field}_index").lookup_value(value)


def not_here_message() -> str:
    """What a user is told when an ID number is registered outside their scope."""
    return _("该身份证号无法在此登记，请联系党办或上级管理员核实")


def personal_existence_check(
    *, acting_user, model, index: str, taken_message: str, exclude_pk=None, field: str = "id_number"
) -> str | None:
    """Whether an ID number (its blind ``index``) can be registered, as an error message or None.

    Registered within the user's view scope: ``taken_message`` (the record is theirs to find).
    Registered elsewhere: a neutral message that confirms no more than that it cannot be
    registered here, written to AccessLog (kind "existence") and counted against the
    exact-search limit; over that limit every check answers the limit message, registered or not.
    """
    if not index:
        return None
    if exact_search_over_limit(acting_user):
        return str(ExactSearchLimited())
    existing = model._base_manager.filter(**{f"{field}_index": index})
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    existing = existing.values_list("pk", flat=True).first()
    if existing is None:
        return None
    if scoped(acting_user, model, VIEW).filter(pk=existing).exists():
        return taken_message
    count = _count_exact_search(acting_user)
    if count <= settings.EXACT_SEARCH_LIMIT + 1:
        _log_lookup(acting_user, AccessLog.Kind.EXISTENCE, model, field, _("存在性核验（登记在权限范围外）"))
    return not_here_message()


def personal_id_number_check(*, acting_user, model, id_number: str | None, taken_message: str, exclude_pk=None):
    """Refuse (ValidationError on "id_number") an ID number already registered for ``model``:
    ``taken_message`` when that record is within the user's view scope, the neutral, logged and
    rate-limited answer of personal_existence_check when not. Services call it before their
    write's transaction, so the AccessLog row stays when the write is refused."""
    if not id_number:
        return
    try:
        value = parse_id_number(id_number).value
    except IdNumberError:
        return  # the write itself reports the invalid number
    message = personal_existence_check(
        acting_user=acting_user,
        model=model,
        index=model._meta.get_field("id_number_index").compute(value),
        exclude_pk=exclude_pk,
        taken_message=taken_message,
    )
    if message:
        raise ValidationError({"id_number": message})


def personal_existence_check_in_import(
    *, acting_user, model, index: str, registered: bool, taken_message: str, state: dict
) -> str | None:
    """personal_existence_check for one row of an import, where ``registered`` was looked up in
    an index set loaded once. Only rows that hit a registered number query and log; once the
    user is over the limit (at the start or during the file), every row with an ID number gets
    the limit message, so rows that pass tell nothing either."""
    refused = str(ExactSearchLimited())
    if "exact_search_refused" not in state:
        state["exact_search_refused"] = exact_search_over_limit(acting_user)
    if state["exact_search_refused"]:
        return refused
    if not registered:
        return None
    message = personal_existence_check(acting_user=acting_user, model=model, index=index, taken_message=taken_message)
    if message == refused:
        state["exact_search_refused"] = True
    return message


@transaction.atomic
def personal_error_workbook(
    *,
    acting_user,
    model,
    build: Callable[[bool], tuple[bytes, int]],
    source_name: str,
    filename: str,
    fields: list[str],
) -> HttpResponse:
    """An import's error workbook gives back the rows someone uploaded (ID numbers, phones):
    the personal columns are masked unless the downloader holds reveal over ``model``, and
    every download is written to AccessLog like an export. ``build(reveal)`` returns the
    workbook and its number of data rows."""
    reveal = can(acting_user, REVEAL, model)
    content, row_count = build(reveal)
    accesslog_write(
        actor=acting_user,
        kind=AccessLog.Kind.EXPORT,
        model=model,
        object_repr=_("导入错误工作簿 %(name)s") % {"name": source_name},
        fields=(",".join(fields) + (" (完整)" if reveal else " (脱敏)")) if fields else "",
        row_count=row_count,
        org_path=acting_user.org.path if getattr(acting_user, "org_id", None) else "",
    )
    return xlsx_response(content, filename)

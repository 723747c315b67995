"""Import jobs: upload, check (dry run), commit. Large files run as background tasks.

Uploads are stored encrypted (files.py) and, with the job's issue lists, deleted after
IMPORT_FILE_RETENTION_DAYS (``import_files_purge``): run by ``manage.py purge_import_files``
and, opportunistically, at the end of every job processed.
"""

import logging
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from . import engine, files
from .models import HeaderChoice, ImportJob
from .readers import FileProblem
from .spec import CREATE, MODE_CREATE, MODE_UPDATE, UNCHANGED, UPDATE, ImportContext, ImportSpec, get_spec, header_key
from .workbooks import write_error_workbooks

logger = logging.getLogger(__name__)

KEPT_ON_PAGE = 1000  # warnings stored on the job for the page
SHOWN_ON_PAGE = 200  # issues listed on the page; the error workbook has all


def spec_allowed(user, spec: ImportSpec) -> bool:
    return can(user, CHANGE, ImportJob) and can(user, CHANGE, spec.model)


def retention_days() -> int:
    return int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", 30))


def import_job_create(*, acting_user, spec_key: str, uploaded_file, options: dict | None = None) -> ImportJob:
    spec = get_spec(spec_key)
    if spec is None or not spec_allowed(acting_user, spec):
        raise PermissionDenied(_("您没有此类导入的权限"))
    with transaction.atomic():
        job = ImportJob(
            spec_key=spec_key,
            original_name=Path(uploaded_file.name).name[:255],
            created_by=acting_user,
            org_path=acting_user.org.path if acting_user.org_id else "",
            options=options or {},
            created_at=timezone.now(),
        )
        # Stored under a neutral name: the original file name (often a person's) stays in the database.
        files.store_encrypted(job.file, f"{timezone.now():%Y%m%d%H%M%S}.enc", uploaded_file)
        job.save()
    _dispatch(job, commit=False)
    return job


def import_job_commit(*, acting_user, job: ImportJob, mode: str = "") -> ImportJob:
    """Write a checked job. ``mode`` (MODE_CREATE: only new records, the rest skipped;
    MODE_UPDATE: new and changed records) matters for import kinds with a natural key."""
    if job.created_by_id != acting_user.pk:
        raise PermissionDenied(_("只有上传人可以确认导入"))
    if job.file_deleted_at is not None:
        raise PermissionDenied(_("上传的文件已按保存期限删除，请重新上传"))
    spec = get_spec(job.spec_key)
    options = dict(job.options or {})
    options["mode"] = MODE_UPDATE if mode == MODE_UPDATE and spec is not None and spec.updatable else MODE_CREATE
    updated = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.VALIDATED, error_count=0, message="", file_deleted_at__isnull=True
    ).update(status=ImportJob.Status.COMMITTING, progress=0, options=options)
    if not updated:
        raise PermissionDenied(_("该导入尚未通过检查，或已经导入"))
    job.refresh_from_db()
    _dispatch(job, commit=True)
    return job


def import_job_map_headers(*, acting_user, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Map the file's headers by hand ({header as written: column key, or "" to ignore it}) and
    check the file again. The choices are remembered for the user's next file of this kind."""
    if job.created_by_id != acting_user.pk:
        raise PermissionDenied(_("只有上传人可以修改列对应"))
    if job.file_deleted_at is not None:
        raise PermissionDenied(_("上传的文件已按保存期限删除，请重新上传"))
    spec = get_spec(job.spec_key)
    if spec is None:
        raise PermissionDenied(_("您没有此类导入的权限"))
    columns = {c.key: c for c in spec.columns}
    taken: dict[str, str] = {}
    for header, key in mapping.items():
        if key and key not in columns:
            raise ValidationError(_("“%(h)s”对应的列不存在") % {"h": header})
        if key in taken:
            raise ValidationError(
                _("“%(a)s”和“%(b)s”不能都对应“%(col)s”，请只保留一列")
                % {"a": taken[key], "b": header, "col": columns[key].header}
            )
        if key:
            taken[key] = header
    automatic = {}
    lookups = engine.header_lookups(spec)
    for header in mapping:
        column = engine.match_header(spec, header, lookups)
        automatic[header] = column.key if column else None
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_running or locked.status == ImportJob.Status.COMMITTED:
            raise PermissionDenied(_("该导入正在处理或已经导入，不能再修改列对应"))
        for header, key in mapping.items():
            if automatic[header] == key:
                continue  # nothing to remember: the names already say it
            HeaderChoice.objects.update_or_create(
                user=acting_user,
                spec_key=spec.key,
                header=header_key(header)[:200],
                defaults={"column_key": key},
            )
        options = dict(locked.options or {})
        options["mapping"] = dict(mapping)
        locked.options = options
        locked.status = ImportJob.Status.QUEUED
        locked.progress = 0
        locked.message = ""
        locked.save(update_fields=["options", "status", "progress", "message"])
        changelog_write(
            actor=acting_user,
            action=ChangeLog.Action.UPDATE,
            obj=locked,
            after={"mapping": options["mapping"]},
            note=_("手动指定列对应并重新检查"),
        )
    _dispatch(locked, commit=False)
    return locked


def may_map_headers(user, job: ImportJob) -> bool:
    """Whether ``user`` may map this job's headers by hand now (the uploader, before the commit)."""
    return (
        job.created_by_id == user.pk
        and not job.file_deleted_at
        and not job.is_running
        and job.status != ImportJob.Status.COMMITTED
        and bool((job.plan or {}).get("headers"))
    )


def mapping_initial(job: ImportJob) -> dict[str, str | None]:
    """{header: column key, "" (ignored) or None (undecided)} as the last check mapped them."""
    manual = (job.options or {}).get("mapping") or {}
    found = {header: key for key, header in (job.mapping or {}).items()}
    remembered = remembered_headers(job.created_by_id, job.spec_key)
    initial = {}
    for header in (job.plan or {}).get("headers", []):
        if header in manual:
            initial[header] = manual[header]
        elif header in found:
            initial[header] = found[header]
        else:
            initial[header] = "" if remembered.get(header_key(header)) == "" else None
    return initial


def remembered_headers(user, spec_key: str) -> dict[str, str]:
    """{header_key: column key or ""}: the headers ``user`` mapped by hand for this kind before."""
    choices = HeaderChoice.objects.filter(user_id=getattr(user, "pk", user), spec_key=spec_key)
    return dict(choices.values_list("header", "column_key"))


def _dispatch(job: ImportJob, *, commit: bool) -> None:
    from .tasks import process_import

    if job.file.size <= settings.IMPORT_INLINE_MAX_BYTES:
        process(job.pk, commit=commit)
    else:
        transaction.on_commit(lambda: process_import.enqueue(job.pk, commit))


def process(job_id: int, *, commit: bool) -> ImportJob:
    """Check (and when ``commit``, write) the job's file. Runs in a request or in a worker."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    spec = get_spec(job.spec_key)
    job.status = ImportJob.Status.COMMITTING if commit else ImportJob.Status.VALIDATING
    job.save(update_fields=["status"])

    def report(done: int, total: int) -> None:
        if not commit:  # during commit the transaction hides progress rows; the page shows a busy bar
            ImportJob.objects.filter(pk=job_id).update(progress=min(99, int(done * 100 / max(total, 1))))

    ctx = ImportContext(user=job.created_by, options=job.options)
    remembered = remembered_headers(job.created_by, job.spec_key)

    def committed(outcome: engine.Outcome) -> None:
        # Inside the import's transaction: the rows, the job's new status and its ChangeLog
        # row commit together or not at all.
        _store(job, outcome, commit, ctx)

    try:
        with files.plain_copy(job.file, job.original_name) as path:
            outcome = engine.run(
                spec,
                path,
                ctx,
                original_name=job.original_name,
                commit=commit,
                progress=report,
                on_committed=committed,
                remembered=remembered,
            )
    except Exception as exc:  # a crash must still end the job visibly, not leave it spinning
        job.status = ImportJob.Status.FAILED
        # The technical text goes to the log (the task runner records it); the user reads Chinese.
        logger.info("import job %s crashed: %s: %s", job_id, type(exc).__name__, exc)
        job.message = _("处理出错，未写入任何数据。请稍后重试；如仍出错，请联系系统管理员。")
        job.finished_at = timezone.now()
        job.save()
        raise
    if not outcome.committed:
        _error_workbook_refresh(job, outcome)
        _store(job, outcome, commit, ctx)
    _purge_quietly()
    return job


def _store(job: ImportJob, outcome: engine.Outcome, commit: bool, ctx: ImportContext) -> None:
    job.total_rows = outcome.total
    job.valid_rows = outcome.valid
    job.error_count = outcome.error_count
    job.warning_count = len(outcome.warnings)
    job.issues = [i.as_dict() for i in outcome.errors]
    job.warnings = [i.as_dict() for i in outcome.warnings[:KEPT_ON_PAGE]]
    job.mapping = outcome.mapping
    job.encoding = outcome.encoding
    job.message = outcome.file_problem or outcome.blocking
    job.plan = _plan(get_spec(job.spec_key), outcome, commit)
    job.progress = 100
    job.finished_at = timezone.now()
    if outcome.file_problem:
        job.status = ImportJob.Status.FAILED
        job.error_count = max(job.error_count, 1)
    elif commit and not outcome.error_count:
        job.status = ImportJob.Status.COMMITTED
        job.created_count = outcome.created
        job.updated_count = outcome.updated
    else:
        # A commit that met errors (the data changed since the check) is rolled back and
        # reported like a check.
        job.status = ImportJob.Status.VALIDATED
    with transaction.atomic():
        job.save()
        if job.status == ImportJob.Status.COMMITTED:
            changelog_write(
                actor=job.created_by,
                action=ChangeLog.Action.IMPORT,
                obj=job,
                after=ctx.changes or None,
                note=_("%(spec)s：新增 %(c)s，更新 %(u)s")
                % {
                    "spec": get_spec(job.spec_key).label,
                    "c": outcome.created,
                    "u": outcome.updated,
                },
            )


def _plan(spec: ImportSpec, outcome: engine.Outcome, commit: bool) -> dict:
    """What the check found (see ImportJob.plan), with what the page needs to map headers."""
    labels = {c.key: c.header for c in spec.columns}
    plan = {
        **{action: outcome.planned.get(action, 0) for action in (CREATE, UPDATE, UNCHANGED)},
        "changed": {labels.get(k, k): n for k, n in sorted(outcome.changed_columns.items(), key=lambda i: -i[1])},
        "headers": outcome.headers,
        "unmapped": outcome.unmapped,
        "mapping_problem": outcome.mapping_problem,
        "blocked": bool(outcome.blocking),
    }
    if commit:
        # Unchanged rows are not "skipped": only existing records left out in create-only mode are.
        unchanged = outcome.planned.get(UNCHANGED, 0)
        plan["skipped"] = max(outcome.valid - outcome.created - outcome.updated - unchanged, 0)
    return plan


def issues_for_page(job: ImportJob, spec: ImportSpec | None) -> list[dict]:
    """The first issues, with values of personal columns always masked: the page is seen by
    everyone who can view the job, and showing a value in full is a logged reveal."""
    shown = []
    for item in (job.issues or [])[:SHOWN_ON_PAGE]:
        item = dict(item)
        column = spec.personal_column_for(item.get("column", "")) if spec is not None else None
        if column is not None:
            item["value"] = column.masked(item.get("value"))
        shown.append(item)
    return shown


class ErrorWorkbookNotReady(Exception):
    """The job's error workbook has not been built (yet): it is built in the background."""


FULL_MEMBER, MASKED_MEMBER, COUNT_MEMBER = "full.xlsx", "masked.xlsx", "rows.txt"


def _error_workbook_refresh(job: ImportJob, outcome: engine.Outcome) -> None:
    """Right after a check (or a commit that met errors), before the job shows as finished:
    drop an error workbook left from an earlier check of this job and, when rows have errors,
    build the new one once, here in the worker (or in the request for small files). A failure
    leaves the job without one; the download then asks for it to be built again."""
    old = job.error_file.name
    job.error_file = ""
    try:
        if outcome.errors and not outcome.file_problem:
            job_error_workbook_build(job, issues=[i.as_dict() for i in outcome.errors], mapping=outcome.mapping)
    except Exception:
        logger.exception("import job %s: building the error workbook failed", job.pk)
        job.error_file = ""
    if old and old != job.error_file.name:
        job.error_file.storage.delete(old)


def job_error_workbook_build(job: ImportJob, *, issues: list[dict] | None = None, mapping: dict | None = None) -> None:
    """Build the error workbook from the upload in one pass and keep it on the job, encrypted
    like the upload (files.py): a zip holding the full version, the version with personal
    columns masked, and the number of rows. Downloads only pick one out (job_error_workbook);
    nobody re-reads the upload for them. Sets ``job.error_file``; the caller saves the job."""
    spec = get_spec(job.spec_key)
    issues = job.issues if issues is None else issues
    mapping = job.mapping if mapping is None else mapping
    with (
        files.plain_copy(job.file, job.original_name) as path,
        tempfile.TemporaryDirectory(prefix="xf-errors-", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp,
    ):
        folder = Path(tmp)
        targets = {True: folder / FULL_MEMBER}
        if spec.personal_columns():
            targets[False] = folder / MASKED_MEMBER
        count = write_error_workbooks(
            path, job.original_name, issues, spec=spec, targets=targets, mapping=mapping or {}
        )
        bundle = folder / "bundle.zip"
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:  # xlsx is compressed already
            for target in targets.values():
                archive.write(target, target.name)
            archive.writestr(COUNT_MEMBER, str(count))
        with bundle.open("rb") as source:
            files.store_encrypted(job.error_file, f"{timezone.now():%Y%m%d%H%M%S}-errors.enc", source)


def job_error_workbook_build_saved(job_id: int) -> None:
    """For jobs checked before error workbooks were stored (run by a task, never in a request)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.error_file.name or job.file_deleted_at or not job.file.name or not job.issues or job.is_running:
        return
    job_error_workbook_build(job)
    if not ImportJob.objects.filter(pk=job.pk, error_file="").update(error_file=job.error_file.name):
        job.error_file.storage.delete(job.error_file.name)  # another task was quicker


def job_error_workbook(job: ImportJob, spec: ImportSpec, *, reveal: bool) -> tuple[bytes, int]:
    """The stored error workbook (personal columns masked unless ``reveal``) and the number of
    data rows it holds. Raises ErrorWorkbookNotReady when none is stored (yet) and
    FileProblem when the upload is gone."""
    if not job.file.name:
        raise FileProblem(_("没有保存上传的文件"))
    if not job.error_file.name:
        raise ErrorWorkbookNotReady
    with files.plain_copy(job.error_file, "errors.zip") as path, zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        member = MASKED_MEMBER if not reveal and MASKED_MEMBER in names else FULL_MEMBER
        return archive.read(member), int(archive.read(COUNT_MEMBER))


@transaction.atomic
def _purge_job(job: ImportJob, *, now, days: int) -> None:
    job.file = ""
    job.error_file = ""
    job.file_deleted_at = now
    job.issues = []
    job.warnings = []
    job.save(update_fields=["file", "error_file", "file_deleted_at", "issues", "warnings"])
    changelog_write(
        actor=None,
        action=ChangeLog.Action.DELETE,
        obj=job,
        note=_("上传的文件及错误明细已按保存期限（%(d)s 天）删除") % {"d": days},
    )


def import_files_purge(*, now=None) -> list[ImportJob]:
    """Delete the uploaded files, and the issue lists kept from them, of jobs older than the
    retention period; each deletion is recorded on the job and in the ChangeLog. Idempotent."""
    now = now or timezone.now()
    days = retention_days()
    expired = ImportJob.objects.filter(file_deleted_at__isnull=True, created_at__lt=now - timedelta(days=days))
    purged = []
    for job in expired.select_related("created_by").defer("issues", "warnings").order_by("pk"):
        if job.file.name:
            # The file goes first: if recording fails, the next run finds the job again and
            # deleting a missing file is a no-op.
            job.file.storage.delete(job.file.name)
        if job.error_file.name:
            job.error_file.storage.delete(job.error_file.name)
        _purge_job(job, now=now, days=days)
        purged.append(job)
    return purged


def _purge_quietly() -> None:
    """Retention runs after each job too, so it happens even where nobody schedules the
    command; a failure here must not spoil the job that was just processed."""
    try:
        import_files_purge()
    except Exception:
        logger.exception("purging expired import files failed")

"""Import jobs: upload, check (dry run), commit. Large files run as background tasks.

Uploads are stored encrypted (files.py) and, with the job's issue lists, deleted after
IMPORT_FILE_RETENTION_DAYS (``import_files_purge``): run by ``manage.py purge_import_files``
and, opportunistically, at the end of every job processed.
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from . import engine, files
from .models import ImportJob
from .readers import FileProblem
from .spec import ImportContext, ImportSpec, get_spec
from .workbooks import error_workbook

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


def import_job_commit(*, acting_user, job: ImportJob) -> ImportJob:
    if job.created_by_id != acting_user.pk:
        raise PermissionDenied(_("只有上传人可以确认导入"))
    if job.file_deleted_at is not None:
        raise PermissionDenied(_("上传的文件已按保存期限删除，请重新上传"))
    updated = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.VALIDATED, error_count=0, file_deleted_at__isnull=True
    ).update(status=ImportJob.Status.COMMITTING, progress=0)
    if not updated:
        raise PermissionDenied(_("该导入尚未通过检查，或已经导入"))
    job.refresh_from_db()
    _dispatch(job, commit=True)
    return job


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
            )
    except Exception as exc:  # a crash must still end the job visibly, not leave it spinning
        job.status = ImportJob.Status.FAILED
        job.message = _("处理出错：%(e)s") % {"e": exc}
        job.finished_at = timezone.now()
        job.save()
        raise
    if not outcome.committed:
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
    job.message = outcome.file_problem
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


def job_error_workbook(job: ImportJob, spec: ImportSpec, *, reveal: bool) -> tuple[bytes, int]:
    """The uploaded rows with each row's errors (personal columns masked unless ``reveal``);
    returns the workbook and the number of data rows it holds. Raises FileProblem when the
    file itself cannot be read."""
    issues = job.issues or [{"row": 1, "column": "", "message": job.message, "value": ""}]
    if not job.file.name:
        raise FileProblem(_("没有保存上传的文件"))
    with files.plain_copy(job.file, job.original_name) as path:
        return error_workbook(path, job.original_name, issues, spec=spec, reveal=reveal)


@transaction.atomic
def _purge_job(job: ImportJob, *, now, days: int) -> None:
    job.file = ""
    job.file_deleted_at = now
    job.issues = []
    job.warnings = []
    job.save(update_fields=["file", "file_deleted_at", "issues", "warnings"])
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

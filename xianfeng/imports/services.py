"""Import jobs: upload, check (dry run), commit. Large files run as background tasks."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from . import engine
from .models import ImportJob
from .spec import ImportContext, ImportSpec, get_spec

KEPT_ON_PAGE = 1000  # issues stored on the job for the page; the error workbook has all


def spec_allowed(user, spec: ImportSpec) -> bool:
    return can(user, CHANGE, ImportJob) and can(user, CHANGE, spec.model)


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
        job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{job.original_name}", uploaded_file, save=False)
        job.save()
    _dispatch(job, commit=False)
    return job


def import_job_commit(*, acting_user, job: ImportJob) -> ImportJob:
    if job.created_by_id != acting_user.pk:
        raise PermissionDenied(_("只有上传人可以确认导入"))
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED, error_count=0).update(
        status=ImportJob.Status.COMMITTING, progress=0
    )
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
    try:
        outcome = engine.run(
            spec, Path(job.file.path), ctx, original_name=job.original_name, commit=commit, progress=report
        )
    except Exception as exc:  # a crash must still end the job visibly, not leave it spinning
        job.status = ImportJob.Status.FAILED
        job.message = _("处理出错：%(e)s") % {"e": exc}
        job.finished_at = timezone.now()
        job.save()
        raise
    _store(job, outcome, commit)
    return job


def _store(job: ImportJob, outcome: engine.Outcome, commit: bool) -> None:
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
    elif commit and outcome.committed:
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
                note=_("%(spec)s：新增 %(c)s，更新 %(u)s")
                % {
                    "spec": get_spec(job.spec_key).label,
                    "c": outcome.created,
                    "u": outcome.updated,
                },
            )

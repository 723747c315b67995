"""Long report work in the background (issue 11 §8): a large statistics table, the Word report,
the metrics workbook. The page starts a job and polls its progress; the worker builds the file.

Background work runs on the database queue (django-tasks-db, ``manage.py db_worker``) by default
and on RQ when REDIS_URL is set (django-tasks-rq, ``manage.py rqworker``): the job row in the
database carries the status and progress either way, so several worker machines can share it.

The job keeps the creator's filter parameters, not a frozen reach: the worker parses them again
as the creator, so a file is never computed for more than the creator may read at that moment.
Files are encrypted at rest like every upload (core.filecrypt) and deleted after
REPORT_JOB_RETENTION_DAYS (7) by ``purge_old_jobs``, which every job runs when it ends.
"""

import datetime
import io
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import EXPORT, can, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write
from xianfeng.core import filecrypt

from .filters import FilterError, ReportFilter, parse_filter
from .models import ReportJob, ReportTemplate

logger = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(hours=6)  # a job queued or running this long lost its worker


def retention_days() -> int:
    return int(getattr(settings, "REPORT_JOB_RETENTION_DAYS", 7))


def queue_name() -> str:
    """The task queue report jobs go to ("default" unless REPORTS_TASK_QUEUE says otherwise)."""
    return getattr(settings, "REPORTS_TASK_QUEUE", "default")


def may_start_jobs(user) -> bool:
    """Downloading Word or Excel needs 导出 on reports (admin, clerk, leader)."""
    return can(user, EXPORT, ReportJob)


# --- starting a job ---------------------------------------------------------------------


def job_params(user, kind: str, params) -> dict:
    """The job's stored parameters: the filter's (normalized) and the kind's own, checked now
    so that a mistake is shown on the page that asked, not as a failed job later. Raises
    FilterError for the filter and ValidationError ({param: message}) for the rest."""
    if kind not in ReportJob.Kind.values:
        raise ValidationError({"kind": _("没有这种报表任务：%(kind)s") % {"kind": str(kind)[:40]}})
    flt = parse_filter(user, params)
    stored: dict = flt.params()
    if kind == ReportJob.Kind.TABLE_XLSX:
        from .table import ROW_KINDS, TABLE_KEYS

        rows = (params.get("rows") or "org").strip()
        if rows not in ROW_KINDS:
            raise ValidationError({"rows": _("行只能按组织、队伍、县、乡镇或村划分")})
        keys = [k.strip() for k in (params.get("metrics") or "").split(",") if k.strip()]
        unknown = [k for k in keys if k not in TABLE_KEYS]
        if unknown:
            raise ValidationError({"metrics": _("没有这些指标：%(keys)s") % {"keys": "、".join(unknown)[:80]}})
        stored.update(rows=rows, metrics=",".join(keys))
    elif kind == ReportJob.Kind.REPORT_DOCX:
        template = _template(user, params.get("template"))
        if template is not None:
            stored["template"] = str(template.pk)
    return stored


def _template(user, value) -> ReportTemplate | None:
    text = str(value or "").strip()
    if not text:
        return None
    template = None
    if text.isdigit():
        template = scoped(user, ReportTemplate).filter(pk=int(text), active=True).first()
    if template is None:
        raise ValidationError({"template": _("没有这个报告模板，或模板已停用")})
    return template


def job_start(*, acting_user, kind: str, params) -> ReportJob:
    """Create a job for ``acting_user`` and put it on the task queue once the row is committed.

    ``params``: the filter's URL parameters (a QueryDict or dict) plus ``rows``/``metrics`` for a
    statistics table and ``template`` (a pk) for a Word report. Raises PermissionDenied without
    导出, FilterError or ValidationError for bad parameters."""
    if not may_start_jobs(acting_user):
        raise PermissionDenied(_("您没有导出统计报表的权限"))
    stored = job_params(acting_user, kind, params)
    with transaction.atomic():
        job = ReportJob(kind=kind, params=stored, created_by=acting_user)
        job.full_clean()
        job.save()
        changelog_write(
            actor=acting_user, action=ChangeLog.Action.CREATE, obj=job, after={"kind": kind, "params": stored}
        )
        # A worker on another machine must find the row: enqueue only after the commit.
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_report_job

    run_report_job.using(queue_name=queue_name()).enqueue(job_id)


# --- running a job (in the worker) --------------------------------------------------------


class _Progress:
    """Writes the job's progress to its row, only when the percentage changed (a table of 3 000
    villages reports often; the page polls once a second)."""

    def __init__(self, job_id: int):
        self.job_id, self.last = job_id, -1

    def __call__(self, percent: int) -> None:
        percent = max(1, min(99, int(percent)))  # 100 means the file is stored
        if percent != self.last:
            self.last = percent
            ReportJob.objects.filter(pk=self.job_id).update(progress=percent)


def job_run(job_id: int) -> ReportJob | None:
    """Build the job's file (called by the task). A failure is kept on the job with a message
    for people; the traceback goes to the log only."""
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, progress=1
    )
    if not claimed:  # already run by another worker, or deleted
        return None
    job = ReportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        data, filename = _build(job, _Progress(job_id))
        job.file.name = ""
        filecrypt.store_encrypted(job.file, f"{timezone.now():%Y%m%d%H%M%S}-{job.pk}.enc", io.BytesIO(data))
    except FilterError as exc:
        _fail(job, _("筛选条件已不可用：%(e)s") % {"e": "；".join(exc.errors.values())})
    except (PermissionDenied, ValidationError) as exc:
        _fail(job, _("无法生成：%(e)s") % {"e": _first_message(exc)})
    except _user_errors() as exc:  # an unknown table figure, a template naming an unknown metric
        _fail(job, _("无法生成：%(e)s") % {"e": str(exc)[:150]})
    except Exception:
        logger.exception("report job %s (%s) failed", job.pk, job.kind)
        _fail(job, _("生成失败，请稍后重试；若仍失败请联系管理员"))
    else:
        job.filename, job.status, job.progress = filename, ReportJob.Status.DONE, 100
        job.message, job.finished_at = "", timezone.now()
        job.save(update_fields=["file", "filename", "status", "progress", "message", "finished_at"])
    purge_old_jobs()
    return job


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors whose message is written for people (table.TableError, placeholders.PlaceholderError)."""
    from .placeholders import PlaceholderError
    from .table import TableError

    return (TableError, PlaceholderError)


def _first_message(exc) -> str:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return str(messages[0])[:150]


def _fail(job: ReportJob, message: str) -> None:
    job.status, job.message, job.finished_at = ReportJob.Status.FAILED, message[:200], timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])


def _build(job: ReportJob, progress) -> tuple[bytes, str]:
    user = job.created_by
    if user is None or not may_start_jobs(user):
        raise PermissionDenied(_("创建人已没有导出统计报表的权限"))
    flt = parse_filter(user, job.params)
    period = f"{flt.start:%Y%m%d}-{flt.end:%Y%m%d}"
    if job.kind == ReportJob.Kind.TABLE_XLSX:
        from .table import DEFAULT_KEYS, table_xlsx

        keys = [k for k in job.params.get("metrics", "").split(",") if k] or list(DEFAULT_KEYS)
        data = table_xlsx(user, flt, job.params.get("rows", "org"), keys, progress=progress)
        return data, _("统计表-%(p)s.xlsx") % {"p": period}
    if job.kind == ReportJob.Kind.REPORT_DOCX:
        template = report_template(user, job.params.get("template"))
        return report_docx(user, flt, template, progress=progress), _("工作报告-%(p)s.docx") % {"p": period}
    return metrics_workbook(user, flt, progress=progress), _("统计数据-%(p)s.xlsx") % {"p": period}


def metrics_workbook(user, flt: ReportFilter, *, progress=None) -> bytes:
    """The metrics workbook of ``flt`` for ``user`` (the command and the job share it)."""
    from .exports import metrics_xlsx, program_labels
    from .metrics import metrics_for

    result = metrics_for(user, flt)
    if progress:
        progress(20)
    return metrics_xlsx(result, flt, labels=program_labels(user, flt), progress=progress)


def report_template(user, pk=None) -> ReportTemplate | None:
    """The chosen template, else the default one (created on first use by the narrative helper)."""
    if pk:
        return _template(user, pk)
    from .narrative_defaults import ensure_default_templates

    ensure_default_templates()
    return scoped(user, ReportTemplate).filter(active=True, is_default=True).first()


def report_docx(user, flt: ReportFilter, template, *, progress=None) -> bytes:
    """The Word report (docx_report, the narrative module's)."""
    from .docx_report import narrative_docx

    return narrative_docx(user, flt, template, progress=progress)


# --- retention ----------------------------------------------------------------------------


def purge_old_jobs(*, now: datetime.datetime | None = None) -> int:
    """Delete jobs (and their files) created more than the retention period ago, and mark jobs
    that have waited or run far too long as failed (their worker died). Returns jobs deleted."""
    now = now or timezone.now()
    ReportJob.objects.filter(
        status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING), created_at__lt=now - STALE_AFTER
    ).update(status=ReportJob.Status.FAILED, message=_("任务超时未完成，请重新生成"), finished_at=now)
    old = list(ReportJob.objects.filter(created_at__lt=now - datetime.timedelta(days=retention_days())))
    for job in old:
        if job.file.name:
            try:
                job.file.storage.delete(job.file.name)
            except OSError:
                logger.warning("report job %s: file %s could not be deleted", job.pk, job.file.name)
        job.delete()
    return len(old)

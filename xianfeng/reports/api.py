"""The figures over the API (issue 11 §6): ``GET /api/reports/metrics`` answers exactly what the
dashboard and ``manage.py report`` print for the same filter and caller (metrics.metrics_for),
and background jobs can be started and watched (``POST /api/reports/jobs/export``,
``GET /api/reports/jobs/{job_id}``).

A caller without 统计报表 gets 403; a bad filter 400 with one message per parameter, in the
one error shape. Starting a job needs 导出, like the download buttons (hence "export" in its path).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from xianfeng.accounts.scoping import get_scoped_or_404
from xianfeng.api.types import ErrorOut, Id

from . import services_jobs
from .api_schemas import ReportFilterQuery, ReportJobIn, ReportJobOut, ReportMetricsOut
from .filters import FilterError, parse_filter
from .metrics import metrics_for, to_json
from .models import ReportJob
from .reach import may_read_reports

router = Router(tags=["reports"])


def _require_reports(user) -> None:
    if not may_read_reports(user):
        raise PermissionDenied(_("您没有查看统计报表的权限"))


def _bad_filter(errors: dict[str, str]) -> Status:
    return Status(400, {"detail": _("筛选条件无效"), "errors": {key: [message] for key, message in errors.items()}})


@router.get(
    "/metrics",
    response={200: ReportMetricsOut, 400: ErrorOut},
    summary="统计指标（与看板、manage.py report 相同）",
)
def get_metrics(request, filters: Query[ReportFilterQuery]):
    _require_reports(request.user)
    try:
        flt = parse_filter(request.user, filters.params())
    except FilterError as exc:
        return _bad_filter(exc.errors)
    return to_json(metrics_for(request.user, flt))


def job_out(job: ReportJob) -> dict:
    done = job.status == ReportJob.Status.DONE and bool(job.file.name)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "filename": job.filename,
        "params": {str(k): str(v) for k, v in job.params.items()},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "download_url": reverse("reports:job_download", args=[job.pk]) if done else None,
    }


@router.post(
    "/jobs/export",
    response={201: ReportJobOut, 400: ErrorOut},
    summary="开始后台生成报表文件（需导出权限）",
)
def start_job(request, payload: ReportJobIn):
    _require_reports(request.user)
    try:
        job = services_jobs.job_start(acting_user=request.user, kind=payload.kind, params=payload.params())
    except FilterError as exc:
        return _bad_filter(exc.errors)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Status(400, {"detail": _("参数无效"), "errors": errors})
    job.refresh_from_db()  # an immediate backend has run it already
    return Status(201, job_out(job))


@router.get("/jobs/{job_id}", response=ReportJobOut, summary="报表任务的状态与进度")
def get_job(request, job_id: Id):
    return job_out(get_scoped_or_404(request.user, ReportJob, pk=job_id))

"""Background report jobs: start one (POST from the dashboard, table or report pages, or the
form on "我的报表任务"), watch its progress (the status part is polled by HTMX every second while
it is queued or running), download the file, list my recent jobs.

A job belongs to whoever started it (``scoped(user, ReportJob)``: the creator, or a reader of
every report over 全部); another reader gets 404. The files are aggregates — no personal data —
so a download writes no AccessLog.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import EXPORT, scoped
from xianfeng.core import filecrypt

from . import services_jobs
from .filters import PARAMS, FilterError, default_period
from .models import ReportJob
from .reach import may_read_reports

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class _ReportsView(ScopedListView):
    model = ReportJob

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user) and super().permits(user, **url_kwargs)


class JobListView(_ReportsView):
    """My recent jobs, newest first, and a form to start a metrics workbook or a Word report."""

    def get(self, request):
        jobs = scoped(request.user, ReportJob).filter(created_by=request.user)
        start, end = default_period()
        carried = {key: request.GET[key] for key in PARAMS if request.GET.get(key) and key not in ("from", "to")}
        context = {
            "page": self.paginate(jobs),
            "may_start": services_jobs.may_start_jobs(request.user),
            "kinds": [(k, label) for k, label in ReportJob.Kind.choices if k != ReportJob.Kind.TABLE_XLSX],
            "start": request.GET.get("from") or start.isoformat(),
            "end": request.GET.get("to") or end.isoformat(),
            "carried": carried,
            "retention_days": services_jobs.retention_days(),
        }
        return render(request, "reports/jobs.html", context)


class JobStartView(_ReportsView):
    """POST kind + the filter's parameters (+ rows/metrics, template): start the job and go to
    its page. The address ends in "export": starting one needs 导出 (access table 表四)."""

    action = EXPORT

    def post(self, request):
        kind = request.POST.get("kind", "")
        try:
            job = services_jobs.job_start(acting_user=request.user, kind=kind, params=request.POST)
        except FilterError as exc:
            errors = exc.errors
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"kind": exc.messages}
            errors = {key: "；".join(values) for key, values in errors.items()}
        except PermissionDenied:
            raise
        else:
            return redirect("reports:job_detail", pk=job.pk)
        return render(request, "reports/job_error.html", {"errors": errors}, status=400)


class JobDetailView(ScopedObjectView):
    model = ReportJob

    def get(self, request, pk):
        job = self.get_object()
        template = "reports/job_status.html" if request.htmx else "reports/job_detail.html"
        return render(request, template, {"job": job, "retention_days": services_jobs.retention_days()})


class JobDownloadView(ScopedObjectView):
    """The file, decrypted block by block as it is sent (a large table stays out of memory)."""

    model = ReportJob
    action = EXPORT  # a finished file is an export: whoever lost 导出 since cannot fetch it

    def get(self, request, pk):
        job = self.get_object()
        if job.status != ReportJob.Status.DONE or not job.file.name:
            messages.info(request, _("文件尚未生成"))
            return redirect("reports:job_detail", pk=job.pk)
        try:
            source = job.file.open("rb")
        except OSError:
            messages.error(request, _("文件已不存在，请重新生成"))
            return redirect("reports:job_detail", pk=job.pk)
        suffix = job.filename[job.filename.rfind(".") :].lower()
        response = StreamingHttpResponse(
            _stream(source), content_type=CONTENT_TYPES.get(suffix, "application/octet-stream")
        )
        response["Content-Disposition"] = _attachment(job.filename)
        return response


def _stream(source):
    with source:
        yield from filecrypt.iter_decrypted(source)


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"

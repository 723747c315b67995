from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_error_workbook
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.core.exports import xlsx_response

from . import services
from .forms import UploadForm
from .models import ImportJob
from .readers import FileProblem
from .spec import REGISTRY, get_spec
from .workbooks import message_workbook, template_workbook

_xlsx = xlsx_response


def _spec_or_404(key: str):
    spec = get_spec(key)
    if spec is None:
        raise Http404
    return spec


class _SpecView(ScopedListView):
    """A view about one kind of import: the user needs the right to write its model too."""

    model = ImportJob
    action = CHANGE

    @classmethod
    def permits(cls, user, spec_key="", **url_kwargs) -> bool:
        spec = get_spec(spec_key)
        return spec is None or services.spec_allowed(user, spec)  # unknown keys answer 404 below


class JobListView(ScopedListView):
    model = ImportJob

    def get(self, request):
        jobs = scoped(request.user, ImportJob, VIEW).select_related("created_by").defer("issues", "warnings")
        specs = [s for s in REGISTRY.values() if services.spec_allowed(request.user, s)]
        return render(request, "imports/job_list.html", {"page": self.paginate(jobs), "specs": specs})


class UploadView(_SpecView):
    def get(self, request, spec_key):
        spec = _spec_or_404(spec_key)
        return render(request, "imports/upload.html", {"spec": spec, "form": UploadForm()})

    def post(self, request, spec_key):
        spec = _spec_or_404(spec_key)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, "imports/upload.html", {"spec": spec, "form": form}, status=400)
        job = services.import_job_create(
            acting_user=request.user, spec_key=spec.key, uploaded_file=form.cleaned_data["file"]
        )
        return redirect("imports:detail", pk=job.pk)


class TemplateView(_SpecView):
    def get(self, request, spec_key):
        spec = _spec_or_404(spec_key)
        return _xlsx(template_workbook(spec), f"{spec.label}-导入模板.xlsx")


class JobDetailView(ScopedObjectView):
    model = ImportJob

    def get(self, request, pk):
        job = self.get_object()
        spec = get_spec(job.spec_key)
        context = {
            "job": job,
            "spec": spec,
            "issues": services.issues_for_page(job, spec),
            "can_commit": job.can_commit and job.created_by_id == request.user.pk and not job.file_deleted_at,
            "retention_days": services.retention_days(),
        }
        template = "imports/_job_status.html" if request.htmx else "imports/job_detail.html"
        return render(request, template, context)


class JobCommitView(ScopedObjectView):
    model = ImportJob
    action = CHANGE

    def post(self, request, pk):
        job = self.get_object()
        try:
            job = services.import_job_commit(acting_user=request.user, job=job)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            if job.status == ImportJob.Status.COMMITTED:
                messages.success(
                    request,
                    _("导入完成：新增 %(c)s 条，更新 %(u)s 条") % {"c": job.created_count, "u": job.updated_count},
                )
            elif job.status == ImportJob.Status.VALIDATED:
                messages.error(request, _("写入时发现错误，已全部回滚，未写入任何数据"))
        return redirect("imports:detail", pk=job.pk)


class ErrorWorkbookView(ScopedObjectView):
    model = ImportJob

    def get(self, request, pk):
        job = self.get_object()
        if job.file_deleted_at is not None:
            context = {"job": job, "retention_days": services.retention_days()}
            return render(request, "imports/file_deleted.html", context, status=410)
        if not job.issues and not job.message:
            raise Http404
        spec = _spec_or_404(job.spec_key)
        stem = Path(job.original_name).stem
        try:
            return personal_error_workbook(
                acting_user=request.user,
                model=spec.model,
                build=lambda reveal: services.job_error_workbook(job, spec, reveal=reveal),
                source_name=job.original_name,
                filename=f"{stem}-错误.xlsx",
                fields=[c.header for c in spec.personal_columns()],
            )
        except FileProblem:
            # The file itself could not be read (that is the error): explain in a one-sheet workbook.
            return _xlsx(message_workbook(job.message), f"{stem}-错误.xlsx")

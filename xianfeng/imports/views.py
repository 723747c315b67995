from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_error_workbook
from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.core.exports import xlsx_response

from . import services
from .forms import CommitForm, MappingForm, UploadForm
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


def _mapping_form(job, spec, data=None):
    headers = (job.plan or {}).get("headers", [])
    return MappingForm(data, headers=headers, spec=spec, initial_mapping=services.mapping_initial(job))


def _detail_context(request, job, mapping_form=None) -> dict:
    spec = get_spec(job.spec_key)
    plan = job.plan or {}
    if mapping_form is None and spec is not None and services.may_map_headers(request.user, job):
        mapping_form = _mapping_form(job, spec)
    return {
        "job": job,
        "spec": spec,
        "plan": plan,
        "changed_fields": "、".join(f"{label} {n}" for label, n in (plan.get("changed") or {}).items()),
        "issues": services.issues_for_page(job, spec),
        "can_commit": job.can_commit and job.created_by_id == request.user.pk and not job.file_deleted_at,
        "mapping_form": mapping_form,
        "mapping_open": bool(mapping_form is not None and (plan.get("mapping_problem") or plan.get("blocked"))),
        "commit_form": CommitForm(initial={"mode": "create"}),
        "retention_days": services.retention_days(),
    }


class JobDetailView(ScopedObjectView):
    model = ImportJob

    def get(self, request, pk):
        job = self.get_object()
        template = "imports/_job_status.html" if request.htmx else "imports/job_detail.html"
        return render(request, template, _detail_context(request, job))


class JobMappingView(ScopedObjectView):
    """The check step's column mapping, posted by the uploader: the file is checked again."""

    model = ImportJob
    action = CHANGE

    def get(self, request, pk):
        return redirect("imports:detail", pk=self.get_object().pk)

    def post(self, request, pk):
        job = self.get_object()
        spec = _spec_or_404(job.spec_key)
        if not services.may_map_headers(request.user, job):
            messages.error(request, _("只有上传人可以在导入前修改列对应"))
            return redirect("imports:detail", pk=job.pk)
        form = _mapping_form(job, spec, request.POST)
        if form.is_valid():
            try:
                services.import_job_map_headers(acting_user=request.user, job=job, mapping=form.mapping())
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect("imports:detail", pk=job.pk)
            else:
                messages.success(request, _("已按您指定的列对应重新检查"))
                return redirect("imports:detail", pk=job.pk)
        context = _detail_context(request, job, mapping_form=form)
        context["mapping_open"] = True
        return render(request, "imports/job_detail.html", context, status=400)


class JobCommitView(ScopedObjectView):
    model = ImportJob
    action = CHANGE

    def post(self, request, pk):
        job = self.get_object()
        form = CommitForm(request.POST)
        mode = form.cleaned_data.get("mode", "") if form.is_valid() else ""
        try:
            job = services.import_job_commit(acting_user=request.user, job=job, mode=mode)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            if job.status == ImportJob.Status.COMMITTED:
                messages.success(
                    request,
                    _("导入完成：新增 %(c)s 条，更新 %(u)s 条，跳过 %(s)s 条")
                    % {"c": job.created_count, "u": job.updated_count, "s": (job.plan or {}).get("skipped", 0)},
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
        if not job.issues:
            # The file itself could not be read (that is the error): explain in a one-sheet workbook.
            return _xlsx(message_workbook(job.message), f"{stem}-错误.xlsx")
        try:
            # Built once after the check and stored (services.job_error_workbook_build): the
            # download only picks the full or the masked version out of it.
            return personal_error_workbook(
                acting_user=request.user,
                model=spec.model,
                build=lambda reveal: services.job_error_workbook(job, spec, reveal=reveal),
                source_name=job.original_name,
                filename=f"{stem}-错误.xlsx",
                fields=[c.header for c in spec.personal_columns()],
            )
        except FileProblem:
            return _xlsx(message_workbook(job.message), f"{stem}-错误.xlsx")
        except services.ErrorWorkbookNotReady:
            if not job.is_running:
                from .tasks import build_error_workbook

                build_error_workbook.enqueue(job.pk)
            messages.info(request, _("错误工作簿正在后台生成，请稍候片刻再下载"))
            return redirect("imports:detail", pk=job.pk)

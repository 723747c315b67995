"""The narrative report pages: the HTML preview (filter bar, template picker, text, appendix) and
the Word download of the same text.

Everyone who reads reports may preview; downloading Word and publishing need 统计报表·导出
(the download's address ends in "export", access table 表四). One view serves the page and its
HTMX partial (the preview after a template change). A template that names something unknown
shows its errors instead of a report.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can, scoped
from xianfeng.core.params import query_int

from .docx_report import narrative_docx
from .filters import FilterError, parse_filter
from .forms_filter import filter_from_request
from .models import ReportTemplate, Snapshot
from .narrative import render_narrative
from .narrative_defaults import ensure_default_templates
from .placeholders import PlaceholderError
from .reach import may_read_reports

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _NarrativeView(ScopedListView):
    model = Snapshot  # the reports area; what a reader may do is may_read_reports + 导出

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user) and super().permits(user, **url_kwargs)


def _templates(user) -> list[ReportTemplate]:
    templates = list(scoped(user, ReportTemplate).filter(active=True))
    if not templates and ensure_default_templates():  # a fresh installation: the two shipped ones
        templates = list(scoped(user, ReportTemplate).filter(active=True))
    return templates


def _chosen(templates: list[ReportTemplate], value) -> ReportTemplate | None:
    pk = query_int(value or "", minimum=1)
    for template in templates:
        if template.pk == pk:
            return template
    return next((t for t in templates if t.is_default), templates[0] if templates else None)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a family not installed in this build
        return ""


class NarrativeView(_NarrativeView):
    """GET ?<filter>&template=<id>: the report as text, with its data appendix."""

    def get(self, request):
        flt, filter_form = filter_from_request(request)
        templates = _templates(request.user)
        template = _chosen(templates, request.GET.get("template"))
        narrative, errors = None, []
        if flt is not None and template is not None:
            try:
                narrative = render_narrative(request.user, flt, template)
            except PlaceholderError as exc:
                errors = exc.errors
        may_export = can(request.user, EXPORT, Snapshot)
        context = {
            "filter_form": filter_form,
            "flt": flt,
            "templates": templates,
            "template": template,
            "narrative": narrative,
            "errors": errors,
            "may_export": may_export,
            "may_edit": can(request.user, CHANGE, ReportTemplate),
            "hidden": flt.params() if flt else {},
            "query": flt.query(template=template.pk if template else None) if flt else "",
            "publish_url": _url("reports:snapshot_publish") if may_export else "",
            "job_url": _url("reports:job_start") if may_export else "",
        }
        name = "reports/narrative_preview.html" if request.htmx else "reports/narrative.html"
        return render(request, name, context, status=200 if flt is not None else 400)


class NarrativeDocxView(_NarrativeView):
    """GET ?<filter>&template=<id>: the Word file (at once; the background job does the same)."""

    action = EXPORT

    def get(self, request):
        if not can(request.user, EXPORT, Snapshot):
            raise PermissionDenied
        try:
            flt = parse_filter(request.user, request.GET)
        except FilterError as exc:
            return _bad_request(exc.errors.values())
        template = _chosen(_templates(request.user), request.GET.get("template"))
        if template is None:
            return _bad_request([_("还没有可用的报告模板")])
        try:
            content = narrative_docx(request.user, flt, template)
        except PlaceholderError as exc:
            return _bad_request(exc.errors)
        response = HttpResponse(content, content_type=DOCX)
        filename = f"{template.name}_{flt.start.isoformat()}_{flt.end.isoformat()}.docx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


def _bad_request(messages) -> HttpResponse:
    text = _("无法生成报告：") + "；".join(str(m) for m in messages)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")

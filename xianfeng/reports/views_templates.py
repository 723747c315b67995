"""The report template editor (administrators only, 报告模板·修改): the list, a new template and
an existing one, with the placeholder cheat-sheet beside the editor and a "试渲染" button that
renders the unsaved text for this year so far without saving it.

Every address here carries the word "template" (access table 表四: 修改), so the whole family is
refused with 403 to anyone who may not edit templates — the templates themselves are read by
every report reader through the report page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, scoped
from xianfeng.core.forms import call_service

from . import services_templates
from .filters import parse_filter
from .forms_templates import ReportTemplateForm
from .models import ReportTemplate
from .narrative import catalog, render_narrative
from .narrative_defaults import ensure_default_templates
from .placeholders import PlaceholderError, cheatsheet
from .reach import may_read_reports


class TemplateListView(ScopedListView):
    model = ReportTemplate
    action = CHANGE

    def get(self, request):
        if not scoped(request.user, ReportTemplate).exists():
            ensure_default_templates()
        templates = scoped(request.user, ReportTemplate).select_related("updated_by")
        return render(request, "reports/template_list.html", {"templates": templates})


def _preview(request, form):
    """The unsaved template rendered for this year so far, as the editing administrator reads it."""
    if not form.is_valid():
        return None, []
    draft = ReportTemplate(title=form.cleaned_data["title"], body=form.cleaned_data["body"])
    try:
        return render_narrative(request.user, parse_filter(request.user, {}), draft), []
    except PlaceholderError as exc:
        return None, exc.errors


def _page(request, form, template=None, status=200):
    preview, preview_errors = (None, [])
    if request.method == "POST" and "preview" in request.POST:
        preview, preview_errors = _preview(request, form)
    context = {
        "form": form,
        "template": template,
        "cheatsheet": cheatsheet(),
        "types": sorted(catalog().types.items()),
        "preview": preview,
        "preview_errors": preview_errors,
    }
    return render(request, "reports/template_form.html", context, status=status)


class TemplateNewView(ScopedListView):
    model = ReportTemplate
    action = CHANGE

    def get(self, request):
        return _page(request, ReportTemplateForm())

    def post(self, request):
        form = ReportTemplateForm(request.POST)
        if "preview" in request.POST or not form.is_valid():
            return _page(request, form, status=200 if form.is_valid() else 400)
        fields = {name: form.cleaned_data[name] for name in services_templates.FIELDS}
        template = call_service(form, services_templates.template_create, acting_user=request.user, **fields)
        if template is None:
            return _page(request, form, status=400)
        messages.success(request, _("报告模板“%(name)s”已保存") % {"name": template.name})
        return redirect("reports:templates")


class TemplateEditView(ScopedObjectView):
    model = ReportTemplate
    action = CHANGE

    def dispatch(self, request, *args, **kwargs):
        # Decided before looking the template up (every reader may see templates): someone
        # without any report (a volunteer, an auditor) is not told it exists (404); a reader
        # who may not edit gets 403.
        user = request.user
        if user.is_authenticated and not can(user, CHANGE, ReportTemplate):
            if not may_read_reports(user):
                raise Http404
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        template = self.get_object()
        return _page(request, ReportTemplateForm(instance=template), template)

    def post(self, request, pk):
        template = self.get_object()
        form = ReportTemplateForm(request.POST, instance=template)
        if "preview" in request.POST or not form.is_valid():
            return _page(request, form, template, status=200 if form.is_valid() else 400)
        fields = {name: form.cleaned_data[name] for name in services_templates.FIELDS}
        saved = call_service(
            form, services_templates.template_update, acting_user=request.user, template=template, **fields
        )
        if saved is None:
            return _page(request, form, template, status=400)
        messages.success(request, _("报告模板“%(name)s”已保存") % {"name": saved.name})
        return redirect("reports:templates")

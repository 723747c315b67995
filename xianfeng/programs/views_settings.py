"""Settings pages: every program's deployment settings (intervals, the open indicator rules)
and the custom interval programs. Everyone signed in reads them (they are the published
definitions); only an administrator over 全部 changes them — others get 403 on a write, an
administrator of a narrower scope a form error (settings belong to no organization or place)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, scoped
from xianfeng.core.forms import call_service
from xianfeng.residents.models import ResidentTagKind
from xianfeng.servicelog.models import ServiceType, Subject

from . import selectors_settings, services_custom, services_settings
from .custom import program_code
from .forms_settings import (
    CustomProgramForm,
    ProgramSettingsForm,
    VisitFieldFormSet,
    visit_fields_from,
    visit_fields_initial,
)
from .models import CustomProgram, ProgramSetting
from .registry import get_program

DENIED = (None, gettext_lazy("只有“全部”范围的系统管理员可以修改项目设置和自定义项目"))


class ReadAllWriteAdminMixin:
    """GET for every reader; a write needs the change permission (403 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not can(request.user, CHANGE, self.model)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SettingsView(ReadAllWriteAdminMixin, ScopedListView):
    model = ProgramSetting

    def _render(self, request, bound=None, status=200):
        may_change = selectors_settings.may_administer(request.user)
        programs = []
        for program, rows in selectors_settings.program_settings_rows(request.user):
            form = None
            if bound is not None and bound.program_obj.code == program.code:
                form = bound  # with its errors, even the refusal of a narrower administrator
            elif may_change and program.settings:
                form = ProgramSettingsForm(program=program, values={r.spec.key: r.value for r in rows})
            programs.append({"program": program, "rows": rows, "form": form, "custom": hasattr(program, "row_id")})
        context = {
            "programs": programs,
            "may_change": may_change,
            "history": selectors_settings.settings_history(request.user),
        }
        return render(request, "programs/settings.html", context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        code = request.POST.get("program", "")
        current = {}
        for program, rows in selectors_settings.program_settings_rows(request.user):
            if program.code == code and program.settings:
                current = {r.spec.key: r.value for r in rows}
                break
        else:
            messages.error(request, _("请选择要修改设置的项目"))
            return self._render(request, status=400)
        program = get_program(code)
        form = ProgramSettingsForm(request.POST, program=program, values=current)
        if not form.is_valid():
            return self._render(request, bound=form, status=400)
        if not selectors_settings.may_administer(request.user):
            form.add_error(*DENIED)
            return self._render(request, bound=form, status=400)
        changed = form.changed_values(current)
        recompute = False
        for key, value in changed.items():
            call_service(
                form,
                services_settings.program_setting_change,
                on_denied=DENIED,
                acting_user=request.user,
                program=code,
                key=key,
                value=value,
            )
            if form.errors:
                return self._render(request, bound=form, status=400)
            recompute = recompute or program.setting_spec(key).affects_due
        if not changed:
            messages.info(request, _("“%(p)s”的设置没有改动") % {"p": program.name})
        elif recompute:
            count = services_custom.open_enrollment_count(code)
            messages.success(request, _("已保存，正在重新计算 %(n)d 个在管对象的下次随访日期") % {"n": count})
        else:
            messages.success(request, _("已保存“%(p)s”的设置") % {"p": program.name})
        return redirect(reverse("programs:settings") + f"#program-{code}")


def _service_types(user):
    """Types a custom program's visits may be recorded as: active, taking a resident."""
    return scoped(user, ServiceType).filter(active=True, subject__in=[Subject.RESIDENT, Subject.ANY])


class CustomProgramListView(ScopedListView):
    model = CustomProgram

    def get(self, request):
        rows = list(selectors_settings.custom_programs(request.user))
        labels = dict(ResidentTagKind.choices)
        for row in rows:
            row.tag_labels = [str(labels.get(tag, tag)) for tag in row.eligible_tags or []]
        context = {
            "rows": rows,
            "may_change": selectors_settings.may_administer(request.user),
        }
        return render(request, "programs/custom_list.html", context)


class CustomProgramCreateView(ScopedListView):
    model = CustomProgram
    action = CHANGE

    def _render(self, request, form, formset, status=200):
        context = {"form": form, "formset": formset, "heading": _("新增自定义随访项目")}
        return render(request, "programs/custom_form.html", context, status=status)

    def get(self, request):
        form = CustomProgramForm(service_types=_service_types(request.user))
        return self._render(request, form, VisitFieldFormSet(prefix="fields"))

    def post(self, request):
        form = CustomProgramForm(request.POST, service_types=_service_types(request.user))
        formset = VisitFieldFormSet(request.POST, prefix="fields")
        if form.is_valid() and formset.is_valid():
            row = call_service(
                form,
                services_custom.custom_program_create,
                on_denied=DENIED,
                acting_user=request.user,
                visit_fields=visit_fields_from(formset),
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(
                    request,
                    _("已新增“%(n)s”，可在纳入页面选择项目 %(c)s") % {"n": row.name, "c": program_code(row.code)},
                )
                return redirect("programs:custom_list")
        return self._render(request, form, formset, status=400)


class CustomProgramEditView(ScopedObjectView):
    model = CustomProgram
    action = CHANGE

    def _render(self, request, row, form, formset, status=200):
        context = {
            "form": form,
            "formset": formset,
            "row": row,
            "open_count": services_custom.open_enrollment_count(program_code(row.code)),
            "heading": _("编辑自定义随访项目"),
        }
        return render(request, "programs/custom_form.html", context, status=status)

    def _forms(self, request, row, data=None):
        form = CustomProgramForm(
            data,
            initial=CustomProgramForm.initial_for(row),
            service_types=_service_types(request.user)
            | scoped(request.user, ServiceType).filter(pk=row.service_type_id),
            code_locked=True,
        )
        formset = VisitFieldFormSet(data, prefix="fields", initial=visit_fields_initial(row.visit_fields))
        return form, formset

    def get(self, request, pk):
        row = self.get_object()
        return self._render(request, row, *self._forms(request, row))

    def post(self, request, pk):
        row = self.get_object()
        form, formset = self._forms(request, row, request.POST)
        if form.is_valid() and formset.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "code"}
            old_interval = row.interval_days
            call_service(
                form,
                services_custom.custom_program_update,
                on_denied=DENIED,
                acting_user=request.user,
                custom_program=row,
                visit_fields=visit_fields_from(formset),
                **changes,
            )
            if not form.errors:
                if changes["interval_days"] != old_interval:
                    count = services_custom.open_enrollment_count(program_code(row.code))
                    messages.success(request, _("已保存，正在重新计算 %(n)d 个在管对象的下次随访日期") % {"n": count})
                else:
                    messages.success(request, _("已保存“%(n)s”") % {"n": changes["name"]})
                return redirect("programs:custom_list")
        return self._render(request, row, form, formset, status=400)

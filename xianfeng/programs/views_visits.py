"""Recording a visit of an enrollment (a follow-up, an examination, a contact), phone first:
the form of the kind asked by ``?kind=``, saved once however often it is tapped, then back to
where the user came from (``next``: the worklist, the list) with the new next due date."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE

from . import services
from .forms_visits import MAIN_KEYS, VisitForm, safe_next
from .models import Enrollment
from .views_enrollments import EnrollmentObjectMixin, program_of, subject_label


class VisitCreateView(EnrollmentObjectMixin, ScopedObjectView):
    model = Enrollment
    action = CHANGE

    def _kind(self, program, code: str):
        kinds = program.visit_kinds if program else ()
        if len(kinds) == 1 and not code:
            return kinds[0]
        return next((k for k in kinds if k.code == code), None)

    def _render(self, request, enrollment, program, kind, form=None, status=200):
        next_url = safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
        context = {
            "enrollment": enrollment,
            "program": program,
            "subject": subject_label(enrollment),
            "kind": kind,
            "kinds": program.visit_kinds if program else (),
            "form": form,
            "next_url": next_url,
            "back_url": next_url or reverse("programs:enrollment_detail", args=[enrollment.pk]),
            "next_query": urlencode({"next": next_url}) if next_url else "",
            "today": timezone.localdate(),
        }
        return render(request, "programs/visit_form.html", context, status=status)

    def get(self, request, pk):
        enrollment = self.get_object()
        program = program_of(enrollment)
        kind = self._kind(program, request.GET.get("kind", ""))
        if enrollment.is_voided:
            messages.error(request, _("该项目登记已作废，不能登记随访"))
            return redirect("programs:enrollment_detail", pk=enrollment.pk)
        if kind is None:  # choose the kind first
            return self._render(request, enrollment, program, None)
        form = VisitForm(user=request.user, enrollment=enrollment, program=program, kind=kind)
        form.initial["next"] = safe_next(request, request.GET.get("next", ""))
        return self._render(request, enrollment, program, kind, form)

    def post(self, request, pk):
        enrollment = self.get_object()
        program = program_of(enrollment)
        kind = self._kind(program, request.GET.get("kind") or request.POST.get("kind", ""))
        if kind is None:
            messages.error(request, _("请选择登记的类型"))
            return self._render(request, enrollment, program, None, status=400)
        form = VisitForm(request.POST, user=request.user, enrollment=enrollment, program=program, kind=kind)
        if form.is_valid():
            try:
                services.enrollment_record_visit(
                    acting_user=request.user, enrollment=enrollment, **form.service_kwargs()
                )
            except ValidationError as exc:
                form.apply_program_errors(exc, MAIN_KEYS)
            except PermissionDenied:
                form.add_error(None, _("登记后该记录将超出您的权限范围"))
            else:
                enrollment.refresh_from_db()
                due = enrollment.next_due_on
                text = _("已登记%(k)s：%(s)s。") % {"k": kind.label, "s": subject_label(enrollment)}
                if due is not None:
                    text += _("下次随访：%(d)s") % {"d": due.isoformat()}
                messages.success(request, text)
                target = form.cleaned_data.get("next")
                return redirect(target) if target else redirect("programs:enrollment_detail", pk=enrollment.pk)
        return self._render(request, enrollment, program, kind, form, status=400)

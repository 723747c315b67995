"""Pages of care programs: the programs with their counts, the enrollment list, an enrollment's
page, enrolling, editing, closing and voiding. Thin: forms shape input, services write,
selectors read through scoped() (a health enrollment does not exist for a user without 健康)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, get_scoped_or_404, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service

from . import registry, selectors, services
from .fields import display
from .forms_enrollments import EndForm, EnrollForm, EnrollmentEditForm, EnrollmentFilterForm, PeriodAddForm, VoidForm
from .models import OPEN_STATUSES, Enrollment, Status

ON_DENIED = ("responsible_member", _("登记后该对象将超出您的权限范围，请检查责任人和队伍"))
ENROLL_KEYS = {"org": "responsible_member"}


def program_of(enrollment: Enrollment):
    """The enrollment's program, or None when it is no longer registered (a retired custom one)."""
    try:
        return registry.get_program(enrollment.program)
    except ValidationError:
        return None


def subject_label(enrollment: Enrollment) -> str:
    if enrollment.resident_id:
        return enrollment.resident.name
    if enrollment.household_id:
        return str(enrollment.household)
    return enrollment.region.name if enrollment.region_id else "—"


class ProgramIndexView(ScopedListView):
    """The programs the user may see, each with 在管 / 今日到期 / 逾期 / 失访 and links."""

    model = Enrollment

    def get(self, request):
        counts = selectors.program_counts(request.user)
        empty = {"open": 0, "today": 0, "overdue": 0, "lost": 0}
        programs = [(p, counts.get(p.code, empty)) for p in selectors.visible_programs(request.user)]
        context = {"programs": programs, "can_change": selectors.may_change(request.user)}
        return render(request, "programs/index.html", context)


class EnrollmentListView(ScopedListView):
    """Scoped, filtered, searched (简/繁, initials), paginated; masked data only."""

    model = Enrollment
    paginate_by = 50

    def get(self, request):
        user = request.user
        form = EnrollmentFilterForm(request.GET or None, user=user)
        filters = form.filters()
        program = selectors.program_or_none(user, filters.get("program", ""))
        rows, problem = selectors.enrollment_list(
            user,
            program=filters.get("program", ""),
            status=filters.get("status", ""),
            township=filters.get("township", ""),
            query=filters.get("q", ""),
            member=filters.get("member"),
            team=filters.get("team"),
        )
        if problem:
            messages.warning(request, problem)
        page = self.paginate(rows)
        names = selectors.place_names(user, [e.village_code or e.township_code for e in page])
        today = timezone.localdate()
        programs = {p.code: p for p in registry.all_programs()}
        items = [
            {
                "e": e,
                "program": programs.get(e.program),
                "subject": subject_label(e),
                "place": names.get(e.village_code or e.township_code, ""),
                "state": programs[e.program].state_label(e.state) if e.program in programs and e.state else "",
                "overdue": e.next_due_on is not None and e.next_due_on < today and e.status in OPEN_STATUSES,
            }
            for e in page
        ]
        context = {
            "form": form,
            "page": page,
            "items": items,
            "program": program,
            "can_change": selectors.may_change(user),
        }
        template = "programs/enrollment_rows.html" if request.htmx else "programs/enrollment_list.html"
        return render(request, template, context)


class EnrollmentObjectMixin:
    model = Enrollment

    def get_object(self):
        qs = selectors.enrollment_for_page(self.request.user, self.kwargs["pk"])
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


def visit_rows(user, enrollment, program) -> list[dict]:
    kinds = {k.code: k for k in (program.visit_kinds if program else ())}
    rows = []
    for visit in selectors.enrollment_visits(user, enrollment):
        kind = kinds.get(visit.kind)
        record = visit.record
        rows.append(
            {
                "visit": visit,
                "record": record,
                "kind": kind.label if kind else visit.kind,
                "data": display(list(kind.fields), record.result or {}) if kind else [],
                "providers": "、".join(p.member.name for p in record.providers.all()),
                "struck": record.is_voided or not visit.counted,
            }
        )
    return rows


class EnrollmentDetailView(EnrollmentObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        enrollment = self.get_object()
        program = program_of(enrollment)
        user = request.user
        may_change = not enrollment.is_voided and scoped(user, Enrollment, CHANGE).filter(pk=enrollment.pk).exists()
        today = timezone.localdate()
        context = {
            "enrollment": enrollment,
            "program": program,
            "subject": subject_label(enrollment),
            "place": " · ".join(
                n
                for n in selectors.place_names(
                    user, [enrollment.county_code, enrollment.township_code, enrollment.village_code]
                ).values()
            ),
            "data": display(list(program.enrollment_fields), enrollment.data or {}) if program else [],
            "state": program.state_label(enrollment.state) if program and enrollment.state else "",
            "overdue": enrollment.is_open and enrollment.next_due_on is not None and enrollment.next_due_on < today,
            "visits": visit_rows(user, enrollment, program),
            "periods": list(selectors.enrollment_periods(user, enrollment)),
            "period_form": PeriodAddForm(initial={"start_on": today}),
            "today": today,
            "can_change": may_change,
            "can_visit": may_change and enrollment.status not in (Status.DECEASED,),
            "changes": audit_selectors.object_history(targets={Enrollment: [enrollment.pk]}).order_by("-at")[:30],
        }
        return render(request, "programs/enrollment_detail.html", context)


class EnrollView(ScopedListView):
    """/programs/enroll/?program=&resident=: choose the program, then the subject and fields."""

    model = Enrollment
    action = CHANGE

    def _program(self, request):
        code = request.GET.get("program") or request.POST.get("program") or ""
        return selectors.program_or_none(request.user, code[:40])

    def _render(self, request, program, form=None, status=200):
        context = {"program": program, "form": form, "programs": selectors.visible_programs(request.user)}
        context["resident_param"] = request.GET.get("resident", "")
        if form is not None and form.consent_problem and form.is_bound:
            resident = form.cleaned_data.get("resident") if hasattr(form, "cleaned_data") else None
            context["consent_resident"] = resident
        return render(request, "programs/enroll.html", context, status=status)

    def get(self, request):
        program = self._program(request)
        if program is None:
            return self._render(request, None)
        initial = {}
        resident = request.GET.get("resident", "")
        if resident.isdigit() and len(resident) < 12:
            initial["resident"] = int(resident)
        household = request.GET.get("household", "")
        if household.isdigit() and len(household) < 12:
            initial["household"] = int(household)
        return self._render(request, program, EnrollForm(user=request.user, program=program, initial=initial))

    def post(self, request):
        program = self._program(request)
        if program is None:
            messages.error(request, _("请选择项目"))
            return self._render(request, None, status=400)
        form = EnrollForm(request.POST, user=request.user, program=program)
        if form.is_valid():
            try:
                enrollment = services.enrollment_create(acting_user=request.user, **form.service_kwargs())
            except ValidationError as exc:
                form.apply_program_errors(exc, ENROLL_KEYS)
            except PermissionDenied:
                form.add_error(*ON_DENIED)
            else:
                messages.success(
                    request, _("已纳入“%(p)s”：%(s)s") % {"p": program.name, "s": subject_label(enrollment)}
                )
                return redirect("programs:enrollment_detail", pk=enrollment.pk)
        return self._render(request, program, form, status=400)


class EnrollmentEditView(EnrollmentObjectMixin, ScopedObjectView):
    action = CHANGE

    def _form(self, enrollment, data=None):
        program = program_of(enrollment)
        if program is None:
            raise Http404("program not registered")
        return EnrollmentEditForm(data, user=self.request.user, enrollment=enrollment, program=program)

    def _render(self, request, enrollment, form, status=200):
        context = {"enrollment": enrollment, "subject": subject_label(enrollment), "form": form}
        return render(request, "programs/enrollment_edit.html", context, status=status)

    def get(self, request, pk):
        enrollment = self.get_object()
        if enrollment.is_voided:
            messages.error(request, _("该项目登记已作废，不能修改"))
            return redirect("programs:enrollment_detail", pk=enrollment.pk)
        return self._render(request, enrollment, self._form(enrollment))

    def post(self, request, pk):
        enrollment = self.get_object()
        form = self._form(enrollment, request.POST)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有修改"))
                return redirect("programs:enrollment_detail", pk=enrollment.pk)
            try:
                services.enrollment_update(acting_user=request.user, enrollment=enrollment, **changes)
            except ValidationError as exc:
                form.apply_program_errors(exc, ENROLL_KEYS)
            except PermissionDenied:  # the change would move it out of the user's reach
                form.add_error(*ON_DENIED)
            else:
                messages.success(request, _("已保存修改，修改前的内容记入变更记录"))
                return redirect("programs:enrollment_detail", pk=enrollment.pk)
        return self._render(request, enrollment, form, status=400)


class _EnrollmentConfirmView(EnrollmentObjectMixin, ScopedObjectView):
    """A confirmation page with a small form that calls one service on the enrollment."""

    action = CHANGE
    template_name = ""
    form_class = None
    service = None  # keyword-only: acting_user, enrollment and the form's cleaned fields
    done_message = ""

    def _render(self, request, enrollment, form, status=200):
        context = {"enrollment": enrollment, "subject": subject_label(enrollment), "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), self.form_class())

    def post(self, request, pk):
        enrollment = self.get_object()
        form = self.form_class(request.POST)
        if form.is_valid():
            call_service(form, self.service, acting_user=request.user, enrollment=enrollment, **form.cleaned_data)
            if not form.errors:
                messages.success(request, self.done_message)
                return redirect("programs:enrollment_detail", pk=enrollment.pk)
        return self._render(request, enrollment, form, status=400)


class EnrollmentEndView(_EnrollmentConfirmView):
    """结案: moved away, deceased or exited, with the date and reason."""

    template_name = "programs/enrollment_end.html"
    form_class = EndForm
    service = staticmethod(services.enrollment_end)
    done_message = gettext_lazy("已结案，不再列入随访清单")


class EnrollmentVoidView(_EnrollmentConfirmView):
    """作废 a mistaken enrollment (reason required): it leaves every count and worklist."""

    template_name = "programs/enrollment_void.html"
    form_class = VoidForm
    service = staticmethod(services.enrollment_void)
    done_message = gettext_lazy("已作废，该对象不再计入任何统计和随访清单")


def detail_url(enrollment) -> str:
    return reverse("programs:enrollment_detail", args=[enrollment.pk])

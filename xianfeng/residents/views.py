"""Resident pages: list with search and filters, profile with timeline, edit, tags, consents,
revealing personal data (logged) and export (masked by default, logged)."""

from django.apps import apps
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.personal import ExactSearchLimited, personal_export, personal_reveal
from xianfeng.accounts.scoped_views import ObjectActionView, ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, REVEAL, VIEW, can, scoped
from xianfeng.core.exports import ExportColumn
from xianfeng.core.forms import call_service
from xianfeng.core.masking import mask_id_number, mask_phone

from . import selectors, services
from .forms import ConsentForm, ExportForm, ResidentForm, RevealForm, TagEndForm, TagForm
from .models import HouseholdTagKind, Resident, ResidentMerge, ResidentTagKind
from .rows import resident_rows
from .timeline import resident_timeline

PERSONAL_FIELDS = ["id_number", "phone"]
TAG_CHOICES = [*ResidentTagKind.choices, *HouseholdTagKind.choices]


def list_filters(request) -> dict:
    tags = [t for t in request.GET.getlist("tag") if t in dict(TAG_CHOICES)]
    return {
        "query": request.GET.get("q", "").strip(),
        "region": "".join(c for c in request.GET.get("region", "") if c.isdigit())[:12],
        "tags": tags,
        "missing_id": request.GET.get("noid") == "1",
    }


def filtered_residents(request, filters: dict, action: str = VIEW):
    """The residents matching the list filters, or (None, message) when an exact search by
    ID number or phone is refused (too many this hour)."""
    try:
        residents = selectors.resident_list(
            user=request.user,
            query=filters["query"],
            region=filters["region"],
            tags=filters["tags"],
            missing_id=filters["missing_id"],
            action=action,
        )
    except ExactSearchLimited as exc:
        return None, str(exc)
    return residents, ""


class ResidentListView(ScopedListView):
    model = Resident

    def get(self, request):
        filters = list_filters(request)
        residents, refused = filtered_residents(request, filters)
        if refused:  # shown above the (empty) rows
            residents = scoped(request.user, Resident).none()
        # The rows show the village, not the household: joining it built and decrypted a
        # household per row for nothing.
        page = self.paginate(residents.select_related(None).select_related("village"))
        context = {
            "page": page,
            "rows": resident_rows(page),
            **filters,
            "search_refused": refused,
            "tag_choices": selectors.tag_filter_choices(user=request.user),
            "townships": selectors.township_choices(user=request.user),
            "can_change": can(request.user, CHANGE, Resident),
            "can_export": can(request.user, EXPORT, Resident),
            "can_reveal": can(request.user, REVEAL, Resident),
            "export_form": ExportForm(),
        }
        template = "residents/_resident_rows.html" if request.htmx else "residents/resident_list.html"
        return render(request, template, context)


class ResidentExportView(ScopedListView):
    model = Resident
    action = EXPORT

    def get(self, request):
        form = ExportForm(request.GET)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect(reverse("residents:list") + "?" + request.GET.urlencode())
        reveal = form.cleaned_data["unmasked"]
        residents, refused = filtered_residents(request, list_filters(request), EXPORT)
        if refused:
            messages.error(request, refused)
            return redirect("residents:list")
        # personal_export keeps the rows within the export scope and unmasks only those
        # within the reveal scope.
        return personal_export(
            acting_user=request.user,
            model=Resident,
            rows=residents,
            columns=EXPORT_COLUMNS,
            reveal=reveal,
            fields=PERSONAL_FIELDS,
            filename="居民名单.xlsx",
            sheet_title="居民",
            reason=form.cleaned_data.get("reason", ""),
            description=_("居民名单 %(f)s") % {"f": request.GET.urlencode()[:150]},
        )


EXPORT_COLUMNS = [
    ExportColumn("姓名", lambda r: r.name),
    ExportColumn("性别", lambda r: r.get_gender_display()),
    ExportColumn("出生日期", lambda r: r.birth_date),
    ExportColumn("身份证号", lambda r: r.id_number, personal=True, mask=mask_id_number),
    ExportColumn("联系电话", lambda r: r.phone, personal=True, mask=mask_phone),
    # One column, name and code, so the export imports again as it is (imports.parse_village).
    ExportColumn("所属村", lambda r: f"{r.village.name}（{r.village_id}）"),
    ExportColumn("地址", lambda r: r.address),
    ExportColumn("户编号", lambda r: r.household.number if r.household_id else ""),
    ExportColumn("与户主关系", lambda r: r.get_relation_display()),
    ExportColumn("人群分类", lambda r: "、".join(r.active_tags())),
]


class ResidentCreateView(ScopedListView):
    model = Resident
    action = CHANGE

    def get(self, request):
        return render(request, "residents/resident_form.html", {"form": ResidentForm(user=request.user)})

    def post(self, request):
        form = ResidentForm(request.POST, user=request.user)
        if form.is_valid():
            resident = call_service(
                form,
                services.resident_create,
                on_denied=("village", _("该村不在您可登记居民的地区范围内")),
                acting_user=request.user,
                **form.changes(editing=False),
            )
            if not form.errors:
                messages.success(request, _("已登记居民“%(n)s”") % {"n": resident.name})
                return redirect("residents:detail", pk=resident.pk)
        return render(request, "residents/resident_form.html", {"form": form}, status=400)


def _may_enroll(user) -> bool:
    """Whether to offer 纳入项目 (care programs plug in later and may be absent in a deployment)."""
    try:
        enrollment = apps.get_model("programs", "Enrollment")
    except LookupError:
        return False
    return can(user, CHANGE, enrollment)


class ResidentDetailView(ScopedObjectView):
    model = Resident

    def get(self, request, pk):
        resident = self.get_object()
        user = request.user
        can_change = scoped(user, Resident, CHANGE).filter(pk=pk).exists()
        tags = selectors.resident_tags(user=user, resident=resident)  # marks health_visible
        context = {
            "resident": resident,
            "merged_into": selectors.merged_into_visible(user=user, resident=resident),
            "timeline": resident_timeline(user=user, resident=resident),
            "tags": tags,
            "consents": resident.consents.select_related("recorded_by"),
            "household": resident.household,
            "members": (
                selectors.household_members(user=user, household=resident.household).exclude(pk=resident.pk)
                if resident.household_id
                else []
            ),
            "duplicates": selectors.possible_duplicates(user=user, resident=resident) if can_change else [],
            "merges": scoped(user, ResidentMerge, VIEW).filter(keeper=resident, undone_at__isnull=True),
            "can_change": can_change and not resident.merged_into_id,
            "can_reveal": scoped(user, Resident, REVEAL).filter(pk=pk).exists(),
            "can_enroll": not resident.merged_into_id and _may_enroll(user),
            "reveal_form": RevealForm(),
            "tag_form": TagForm(health=resident.health_visible),
            "consent_form": ConsentForm(),
            "tag_end_form": TagEndForm(),
        }
        return render(request, "residents/resident_detail.html", context)


class ResidentEditView(ScopedObjectView):
    model = Resident
    action = CHANGE

    def _initial(self, resident):
        return {
            "name": resident.name,
            "gender": resident.gender,
            "birth_date": resident.birth_date,
            "village": resident.village_id,
            "address": resident.address,
            "household": resident.household_id,
            "relation": resident.relation,
            "deceased_on": resident.deceased_on,
            "note": resident.note,
        }

    def get(self, request, pk):
        resident = self.get_object()
        form = ResidentForm(initial=self._initial(resident), user=request.user, editing=True)
        return render(request, "residents/resident_form.html", {"form": form, "resident": resident})

    def post(self, request, pk):
        resident = self.get_object()
        form = ResidentForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            call_service(
                form,
                services.resident_update,
                on_denied=("village", _("修改后该居民将超出您的管理范围")),
                acting_user=request.user,
                resident=resident,
                **form.changes(editing=True),
            )
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("residents:detail", pk=resident.pk)
        return render(request, "residents/resident_form.html", {"form": form, "resident": resident}, status=400)


class ResidentRevealView(ScopedObjectView):
    """Show the ID number and phone in full after asking why; every reveal goes to AccessLog."""

    model = Resident
    action = REVEAL

    def get(self, request, pk):
        resident = self.get_object()
        return render(
            request, "residents/reveal.html", {"obj": resident, "form": RevealForm(), "action_url": request.path}
        )

    def post(self, request, pk):
        resident = self.get_object()
        form = RevealForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "residents/reveal.html",
                {"obj": resident, "form": form, "action_url": request.path},
                status=400,
            )
        values = personal_reveal(
            acting_user=request.user, obj=resident, fields=PERSONAL_FIELDS, reason=form.cleaned_data["reason"]
        )
        context = {"obj": resident, "values": values, "action_url": request.path}
        template = "residents/_revealed.html" if request.htmx else "residents/reveal.html"
        return render(request, template, context)


class _ResidentAction(ObjectActionView):
    model = Resident
    detail_url_name = "residents:detail"


class ResidentTagAddView(_ResidentAction):
    form_class = TagForm
    success_message = gettext_lazy("已添加人群分类")

    def perform(self, resident, form):
        services.resident_tag_add(acting_user=self.request.user, resident=resident, **form.cleaned_data)


class ResidentTagEndView(_ResidentAction):
    form_class = TagEndForm
    success_message = gettext_lazy("已结束该分类")

    def perform(self, resident, form):
        tag = (
            selectors.resident_tags(user=self.request.user, resident=resident)
            .filter(pk=form.cleaned_data["tag_id"])
            .first()
        )
        if tag is None:
            raise Http404("Not found")
        services.resident_tag_end(acting_user=self.request.user, tag=tag, on_date=form.cleaned_data["on_date"])


class ConsentAddView(_ResidentAction):
    form_class = ConsentForm
    success_message = gettext_lazy("已记录知情同意")

    def perform(self, resident, form):
        services.consent_record(acting_user=self.request.user, resident=resident, **form.cleaned_data)

"""Household pages: list, profile with members and household tags, create, edit, reveal phone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.personal import ExactSearchLimited, personal_reveal
from xianfeng.accounts.scoped_views import ObjectActionView, ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, REVEAL, can, scoped
from xianfeng.core.forms import call_service

from . import selectors, services
from .forms import HouseholdForm, HouseholdTagForm, RevealForm, TagEndForm
from .models import Household, HouseholdTagKind, Resident
from .rows import household_rows
from .timeline import household_timeline
from .views import list_filters


class HouseholdListView(ScopedListView):
    model = Household

    def get(self, request):
        filters = list_filters(request)
        refused = ""
        try:
            households = selectors.household_list(
                user=request.user, query=filters["query"], region=filters["region"], tags=filters["tags"]
            )
        except ExactSearchLimited as exc:  # an exact phone search over the hourly limit
            refused = str(exc)
            households = scoped(request.user, Household).none()
        page = self.paginate(households)
        context = {
            "page": page,
            "rows": household_rows(page),
            **filters,
            "search_refused": refused,
            "tag_choices": HouseholdTagKind.choices,
            "townships": selectors.township_choices(user=request.user),
            "can_change": can(request.user, CHANGE, Household),
        }
        template = "residents/_household_rows.html" if request.htmx else "residents/household_list.html"
        return render(request, template, context)


class HouseholdCreateView(ScopedListView):
    model = Household
    action = CHANGE

    def get(self, request):
        return render(request, "residents/household_form.html", {"form": HouseholdForm(user=request.user)})

    def post(self, request):
        form = HouseholdForm(request.POST, user=request.user)
        if form.is_valid():
            household = call_service(
                form,
                services.household_create,
                on_denied=("village", _("该村不在您的管理范围内")),
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已建户"))
                return redirect("residents:household_detail", pk=household.pk)
        return render(request, "residents/household_form.html", {"form": form}, status=400)


class HouseholdFoundView(ScopedObjectView):
    """建户: a new household with this resident as its head."""

    model = Resident
    action = CHANGE

    def get(self, request, pk):
        return redirect("residents:detail", pk=self.get_object().pk)

    def post(self, request, pk):
        resident = self.get_object()
        try:
            household = services.household_create(
                acting_user=request.user,
                village=resident.village,
                head=resident,
                number=request.POST.get("number", "").strip()[:40],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("residents:detail", pk=resident.pk)
        messages.success(request, _("已建户，%(n)s 为户主") % {"n": resident.name})
        return redirect("residents:household_detail", pk=household.pk)


class HouseholdDetailView(ScopedObjectView):
    model = Household

    def get(self, request, pk):
        household = self.get_object()
        context = {
            "household": household,
            "members": selectors.household_members(user=request.user, household=household),
            "timeline": household_timeline(user=request.user, household=household),
            "tags": household.tags.select_related("created_by"),
            "can_change": scoped(request.user, Household, CHANGE).filter(pk=pk).exists(),
            "can_reveal": scoped(request.user, Household, REVEAL).filter(pk=pk).exists(),
            "tag_form": HouseholdTagForm(),
            "tag_end_form": TagEndForm(),
            "reveal_form": RevealForm(),
        }
        return render(request, "residents/household_detail.html", context)


class HouseholdEditView(ScopedObjectView):
    model = Household
    action = CHANGE

    def get(self, request, pk):
        household = self.get_object()
        initial = {"number": household.number, "village": household.village_id, "address": household.address}
        form = HouseholdForm(initial=initial, user=request.user)
        return render(request, "residents/household_form.html", {"form": form, "household": household})

    def post(self, request, pk):
        household = self.get_object()
        form = HouseholdForm(request.POST, user=request.user)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            if not changes.get("phone"):
                changes.pop("phone")
            call_service(
                form,
                services.household_update,
                on_denied=("village", _("修改后该户将超出您的管理范围")),
                acting_user=request.user,
                household=household,
                **changes,
            )
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("residents:household_detail", pk=household.pk)
        return render(request, "residents/household_form.html", {"form": form, "household": household}, status=400)


class _HouseholdAction(ObjectActionView):
    model = Household
    detail_url_name = "residents:household_detail"


class HouseholdTagAddView(_HouseholdAction):
    form_class = HouseholdTagForm
    success_message = gettext_lazy("已添加户类别")

    def perform(self, household, form):
        services.household_tag_add(acting_user=self.request.user, household=household, **form.cleaned_data)


class HouseholdTagEndView(_HouseholdAction):
    form_class = TagEndForm
    success_message = gettext_lazy("已结束该户类别")

    def perform(self, household, form):
        tag = household.tags.filter(pk=form.cleaned_data["tag_id"]).first()  # the household is in scope
        if tag is None:
            raise Http404("Not found")
        services.household_tag_end(acting_user=self.request.user, tag=tag, on_date=form.cleaned_data["on_date"])


class HouseholdRevealView(ScopedObjectView):
    model = Household
    action = REVEAL

    def get(self, request, pk):
        household = self.get_object()
        return render(
            request, "residents/reveal.html", {"obj": household, "form": RevealForm(), "action_url": request.path}
        )

    def post(self, request, pk):
        household = self.get_object()
        form = RevealForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "residents/reveal.html",
                {"obj": household, "form": form, "action_url": request.path},
                status=400,
            )
        values = personal_reveal(
            acting_user=request.user, obj=household, fields=["phone"], reason=form.cleaned_data["reason"]
        )
        context = {"obj": household, "values": values, "action_url": request.path}
        template = "residents/_revealed.html" if request.htmx else "residents/reveal.html"
        return render(request, template, context)

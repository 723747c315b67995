"""先锋岗 (posts) and 责任区 (zones): lists, creation, and handing over to a new holder."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped
from xianfeng.core.forms import call_service
from xianfeng.members.selectors import member_choices
from xianfeng.orgs.models import Organization

from . import selectors, services
from .forms import AssignForm, PostForm, ZoneForm
from .models import Post, PostAssignment, Zone, ZoneAssignment

PLACES = {
    "post": {
        "model": Post,
        "assignment": PostAssignment,
        "list": selectors.post_list,
        "create": services.post_create,
        "assign": services.post_assign,
        "form": PostForm,
        "title": gettext_lazy("先锋岗"),
    },
    "zone": {
        "model": Zone,
        "assignment": ZoneAssignment,
        "list": selectors.zone_list,
        "create": services.zone_create,
        "assign": services.zone_assign,
        "form": ZoneForm,
        "title": gettext_lazy("责任区"),
    },
}


class _Place:
    kind = "post"

    @property
    def place(self) -> dict:
        return PLACES[self.kind]

    def base_context(self, **extra) -> dict:
        return {"kind": self.kind, "title": self.place["title"], **extra}


class PlaceListView(_Place, ScopedListView):
    def get(self, request):
        query = request.GET.get("q", "").strip()
        page = self.paginate(self.place["list"](user=request.user, query=query))
        assignments = scoped(request.user, self.place["assignment"], VIEW)
        holders = selectors.current_holders(assignments.filter(**{f"{self.kind}__in": list(page.object_list)}))
        context = self.base_context(
            page=page,
            rows=[(p, holders.get(p.pk)) for p in page],
            query=query,
            can_change=can(request.user, CHANGE, self.model),
        )
        return render(request, "teams/place_list.html", context)


class PlaceCreateView(_Place, ScopedListView):
    action = CHANGE

    def _form(self, data=None):
        kwargs = {"org_choices": selectors.owner_org_choices(user=self.request.user)}
        if self.kind == "zone":
            kwargs["department_choices"] = scoped(self.request.user, Organization, VIEW).filter(active_to__isnull=True)
        return self.place["form"](data, **kwargs)

    def get(self, request):
        return render(request, "teams/place_form.html", self.base_context(form=self._form()))

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            obj = call_service(
                form,
                self.place["create"],
                on_denied=("owner_org", _("您只能在自己可管理的组织下设立")),
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已设立“%(name)s”") % {"name": obj.name})
                return redirect(f"teams:{self.kind}_detail", pk=obj.pk)
        return render(request, "teams/place_form.html", self.base_context(form=form), status=400)


class PlaceDetailView(_Place, ScopedObjectView):
    def get(self, request, pk):
        obj = self.get_object()
        assignments = (
            scoped(request.user, self.place["assignment"], VIEW)
            .filter(**{self.kind: obj})
            .select_related("member__branch")
        )
        can_change = scoped(request.user, self.model, CHANGE).filter(pk=obj.pk).exists()
        context = self.base_context(
            obj=obj,
            assignments=assignments,
            can_change=can_change,
            form=AssignForm(member_choices=member_choices(user=request.user)) if can_change else None,
        )
        return render(request, "teams/place_detail.html", context)


class PlaceAssignView(_Place, ScopedObjectView):
    action = CHANGE

    def post(self, request, pk):
        obj = self.get_object()
        form = AssignForm(request.POST, member_choices=member_choices(user=request.user))
        if form.is_valid():
            call_service(form, self.place["assign"], acting_user=request.user, **{self.kind: obj}, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("已交接，此前的负责人记录保留"))
                return redirect(f"teams:{self.kind}_detail", pk=obj.pk)
        assignments = scoped(request.user, self.place["assignment"], VIEW).filter(**{self.kind: obj})
        context = self.base_context(obj=obj, assignments=assignments, can_change=True, form=form)
        return render(request, "teams/place_detail.html", context, status=400)


class PostListView(PlaceListView):
    model = Post


class PostCreateView(PlaceCreateView):
    model = Post


class PostDetailView(PlaceDetailView):
    model = Post


class PostAssignView(PlaceAssignView):
    model = Post


class ZoneListView(PlaceListView):
    model = Zone
    kind = "zone"


class ZoneCreateView(PlaceCreateView):
    model = Zone
    kind = "zone"


class ZoneDetailView(PlaceDetailView):
    model = Zone
    kind = "zone"


class ZoneAssignView(PlaceAssignView):
    model = Zone
    kind = "zone"

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.breadcrumbs import prime_viewable
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int

from . import selectors, services
from .forms import DissolveForm, MoveForm, OrganizationForm
from .models import Organization
from .panels import org_panels


class OrgListView(ScopedListView):
    model = Organization
    paginate_by = 200

    def get(self, request):
        query = request.GET.get("q", "").strip()
        kind = request.GET.get("kind", "")
        include_dissolved = request.GET.get("dissolved") == "1"
        orgs = selectors.org_list(user=request.user, query=query, kind=kind, include_dissolved=include_dissolved)
        context = {
            "page": self.paginate(orgs),
            "query": query,
            "kind": kind,
            "include_dissolved": include_dissolved,
            "kinds": Organization.Kind.choices,
            "can_change": can(request.user, CHANGE, Organization),
        }
        template = "orgs/_tree_rows.html" if request.htmx else "orgs/org_list.html"
        return render(request, template, context)


def _form_kwargs(user, org=None):
    return {
        "parent_choices": selectors.org_parent_choices(user=user, exclude=org),
        "partner_choices": scoped(user, Organization, VIEW).filter(active_to__isnull=True),
    }


class OrgCreateView(ScopedListView):
    model = Organization
    action = CHANGE

    def get(self, request):
        initial = {}
        parent_id = query_int(request.GET.get("parent"))
        if parent_id:
            initial["parent"] = selectors.org_parent_choices(user=request.user).filter(pk=parent_id).first()
        form = OrganizationForm(initial=initial, **_form_kwargs(request.user))
        return render(request, "orgs/org_form.html", {"form": form, "creating": True})

    def post(self, request):
        form = OrganizationForm(request.POST, **_form_kwargs(request.user))
        if form.is_valid():
            org = call_service(
                form,
                services.org_create,
                on_denied=("parent", _("您只能在自己可管理的组织下新建组织")),
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已创建组织“%(name)s”") % {"name": org.name})
                return redirect("orgs:detail", pk=org.pk)
        return render(request, "orgs/org_form.html", {"form": form, "creating": True}, status=400)


class OrgDetailView(ScopedObjectView):
    model = Organization

    def get(self, request, pk):
        org = self.get_object()
        ancestors = list(org.ancestors())
        prime_viewable(request.user, ancestors)  # out-of-scope ancestors show as plain text
        children = scoped(request.user, org.children.all(), VIEW).order_by("path")
        history = audit_selectors.object_history(targets={Organization: [org.pk]})[:20]
        return render(
            request,
            "orgs/org_detail.html",
            {
                "org": org,
                "ancestors": ancestors,
                "children": children,
                "regions": org.regions.all(),
                "partners": org.partners.all(),
                "history": history,
                "can_change": scoped(request.user, Organization, CHANGE).filter(pk=org.pk).exists(),
                "panels": org_panels(request.user, org),
            },
        )


class OrgEditView(ScopedObjectView):
    model = Organization
    action = CHANGE

    def get(self, request, pk):
        org = self.get_object()
        form = OrganizationForm(
            initial={
                "name": org.name,
                "short_name": org.short_name,
                "kind": org.kind,
                "active_from": org.active_from,
                "description": org.description,
                "regions": ",".join(org.regions.values_list("code", flat=True)),
                "partners": org.partners.all(),
            },
            with_parent=False,
            **_form_kwargs(request.user, org),
        )
        return render(request, "orgs/org_form.html", {"form": form, "org": org})

    def post(self, request, pk):
        org = self.get_object()
        form = OrganizationForm(request.POST, with_parent=False, **_form_kwargs(request.user, org))
        if form.is_valid():
            call_service(form, services.org_update, acting_user=request.user, org=org, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("orgs:detail", pk=org.pk)
        return render(request, "orgs/org_form.html", {"form": form, "org": org}, status=400)


class OrgMoveView(ScopedObjectView):
    model = Organization
    action = CHANGE

    def _form(self, org, data=None):
        return MoveForm(
            data,
            initial={"new_parent": org.parent},
            parent_choices=selectors.org_parent_choices(user=self.request.user, exclude=org, kind=org.kind),
            kind=org.kind,
        )

    def get(self, request, pk):
        org = self.get_object()
        return render(request, "orgs/org_move.html", {"form": self._form(org), "org": org})

    def post(self, request, pk):
        org = self.get_object()
        form = self._form(org, request.POST)
        if form.is_valid():
            call_service(
                form,
                services.org_move,
                on_denied=("new_parent", _("移动后该组织将超出您的管理范围")),
                acting_user=request.user,
                org=org,
                new_parent=form.cleaned_data["new_parent"],
            )
            if not form.errors:
                messages.success(request, _("已移动"))
                return redirect("orgs:detail", pk=org.pk)
        return render(request, "orgs/org_move.html", {"form": form, "org": org}, status=400)


class OrgDissolveView(ScopedObjectView):
    model = Organization
    action = CHANGE

    def get(self, request, pk):
        org = self.get_object()
        return render(request, "orgs/org_dissolve.html", {"form": DissolveForm(), "org": org})

    def post(self, request, pk):
        org = self.get_object()
        form = DissolveForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services.org_dissolve,
                acting_user=request.user,
                org=org,
                on_date=form.cleaned_data["on_date"],
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已撤销组织“%(name)s”，历史记录保留") % {"name": org.name})
                return redirect("orgs:detail", pk=org.pk)
        return render(request, "orgs/org_dissolve.html", {"form": form, "org": org}, status=400)

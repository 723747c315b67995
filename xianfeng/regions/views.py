from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.core.forms import call_service
from xianfeng.imports.services import spec_allowed
from xianfeng.imports.spec import get_spec

from . import selectors, services
from .forms import RegionForm
from .models import Region


class RegionListView(ScopedListView):
    model = Region

    def get(self, request):
        query = request.GET.get("q", "").strip()
        level = request.GET.get("level", "")
        regions = selectors.region_search(user=request.user, query=query, level=level)
        if not query and not level:
            regions = regions.filter(level=Region.Level.PROVINCE)
        context = {
            "page": self.paginate(regions),
            "query": query,
            "level": level,
            "levels": Region.Level.choices,
            "can_import": spec_allowed(request.user, get_spec("regions")),
        }
        template = "regions/_rows.html" if request.htmx else "regions/region_list.html"
        return render(request, template, context)


class RegionDetailView(ScopedObjectView):
    model = Region

    def get(self, request, pk):
        region = self.get_object()
        children = selectors.region_children(user=request.user, region=region)
        return render(
            request,
            "regions/region_detail.html",
            {
                "region": region,
                "ancestors": region.ancestors(),
                "children": children,
                "organizations": scoped(request.user, region.organizations.all()),
                "can_change": scoped(request.user, Region, CHANGE).filter(pk=region.pk).exists(),
            },
        )


class RegionEditView(ScopedObjectView):
    model = Region
    action = CHANGE

    def get(self, request, pk):
        region = self.get_object()
        form = RegionForm(initial={"name": region.name, "population": region.population})
        return render(request, "regions/region_form.html", {"region": region, "form": form})

    def post(self, request, pk):
        region = self.get_object()
        form = RegionForm(request.POST)
        if form.is_valid():
            call_service(form, services.region_update, acting_user=request.user, region=region, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("regions:detail", pk=region.pk)
        return render(request, "regions/region_form.html", {"region": region, "form": form}, status=400)

"""Drill-down of a family's figure (families.py): /reports/drill/<family>/<key>/?<filter>.

Like the service-log drill-down (views_drill.py): the rows are exactly what the figure counts
within the reader's reach, but LISTED only through ``scoped()``. A leader counts hotline calls
(health data) without reading them: they appear as "另有 N 条健康信息记录，仅计数不显示".
A family may accept parameters of its own that narrow the rows (a call's topic, a need's
category); the page then shows the narrowed count beside the figure it is part of.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import scoped
from xianfeng.core.pagination import CachedCountPaginator

from .families import get_family
from .forms_filter import filter_from_request
from .models import Snapshot
from .reach import may_read_reports, reach_of
from .views_dashboard import link

PER_PAGE = 50


class FamilyDrillView(ScopedListView):
    model = Snapshot  # the reports area: reports.view

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user)

    def get(self, request, family, key):
        fam = get_family(family)
        if fam is None or key not in fam.drillable:
            raise Http404("No such figure")
        flt, filter_form = filter_from_request(request)
        context = {"family": fam, "key": key, "metric": fam.definitions[key], "filter_form": filter_form, "flt": flt}
        status = 400 if flt is None else 200
        if flt is not None:
            try:
                context.update(self._figure(request, fam, flt, key))
            except ValueError as exc:
                context["error"] = _("参数 %(name)s 的值无效") % {"name": exc.args[0] if exc.args else ""}
                status = 400
        template = "reports/family_drill_body.html" if request.htmx else "reports/family_drill.html"
        return render(request, template, context, status=status)

    def _figure(self, request, fam, flt, key) -> dict:
        reach = reach_of(request.user)
        try:
            found = fam.drill(flt, reach, key, request.GET)
        except KeyError:
            raise Http404("No rows behind this figure") from None
        counted = found.rows.count()
        visible = scoped(request.user, found.rows)
        listed = visible.count()
        page = CachedCountPaginator(visible.select_related(*found.select_related), PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        for row in rows:
            row.drill_url = link(found.detail, row.pk) if found.detail else ""
        value = fam.compute(flt, reach)[key]
        query = flt.query()
        return {
            "found": found,
            "rows": rows,
            "page": page,
            "value": value,
            "counted": counted,
            "listed": listed,
            "hidden": counted - listed,
            "hidden_text": found.hidden_text % {"n": counted - listed} if counted > listed else "",
            "agrees": counted == value,
            "prev_url": self._url(page.previous_page_number()) if page.has_previous() else "",
            "next_url": self._url(page.next_page_number()) if page.has_next() else "",
            "dashboard_url": link("reports:dashboard", query=query),
            "page_url": link(fam.page, query=query) if fam.page else "",
        }

    def _url(self, number: int) -> str:
        query = self.request.GET.copy()
        query["page"] = number
        return f"{self.request.path}?{query.urlencode()}"


def drill_url(family: str, key: str, query: str) -> str:
    """The drill-down of a family's figure with the filter's query ("" while not routed)."""
    try:
        url = reverse("reports:family_drill", args=[family, key])
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url

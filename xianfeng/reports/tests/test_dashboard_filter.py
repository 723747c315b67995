"""The filter bar shared by the reports pages (forms_filter.py, reports/_filter.html)."""

import datetime
import html

from django.template.loader import render_to_string
from django.test import RequestFactory

from xianfeng.reports.forms_filter import filter_from_request, period_presets

from .factories import COUNTY, TOWN_A, TOWN_B

TODAY = datetime.date(2025, 2, 10)


def bar(user, path="/reports/", **params):
    request = RequestFactory().get(path, params)
    request.user = user
    flt, form = filter_from_request(request, today=TODAY)
    return flt, form, render_to_string("reports/_filter.html", {"form": form})


def test_no_parameters_mean_this_year_in_whole_months_shown_in_the_fields(reports_world):
    flt, form, page = bar(reports_world.leader)
    assert (flt.start, flt.end) == (datetime.date(2025, 1, 1), datetime.date(2025, 2, 28))
    assert 'name="from" value="2025-01-01"' in page and 'name="to" value="2025-02-28"' in page
    active = [p["key"] for p in form.presets if p["active"]]
    assert active == ["this_year"]
    assert "统计口径：2025-01-01 至 2025-02-28" in page


def test_presets_are_links_with_explicit_days_keeping_the_page_parameters(reports_world):
    w = reports_world
    _flt, form, page = bar(w.leader, "/reports/table/", rows="township", metrics="persons", org=str(w.branch_a.pk))
    assert form.extra_fields == [("rows", "township"), ("metrics", "persons")]
    assert '<input type="hidden" name="rows" value="township">' in page
    urls = {p["key"]: html.unescape(p["url"]) for p in form.presets}
    assert urls["last_quarter"] == (
        f"/reports/table/?from=2024-10-01&to=2024-12-31&org={w.branch_a.pk}&rows=township&metrics=persons"
    )
    assert html.unescape(form.clear_url) == "/reports/table/?rows=township&metrics=persons"


def test_period_presets_close_the_last_periods_and_run_this_ones_to_the_end_of_this_month():
    presets = {key: (start, end) for key, _label, start, end in period_presets(datetime.date(2025, 1, 15))}
    d = datetime.date
    assert presets["this_quarter"] == (d(2025, 1, 1), d(2025, 1, 31))
    assert presets["this_year"] == (d(2025, 1, 1), d(2025, 1, 31))
    assert presets["last_quarter"] == (d(2024, 10, 1), d(2024, 12, 31))
    assert presets["last_month"] == (d(2024, 12, 1), d(2024, 12, 31))
    assert presets["last_year"] == (d(2024, 1, 1), d(2024, 12, 31))


def test_errors_are_shown_beside_their_fields(reports_world):
    flt, form, page = bar(reports_world.leader, type="no_such_type", to="2025-13-01")
    assert flt is None and form.filter is None
    assert form.errors["type"] == ["没有代码为 no_such_type 的服务类型"]
    assert "日期格式应为" in form.errors["to"][0]
    assert "is-invalid" in page
    assert '<details class="mt-2" open>' in page  # the folded filters open to show their error
    assert 'name="type"' in page and "统计口径" not in page


def test_choices_are_those_in_the_readers_scope(reports_world):
    w = reports_world
    _flt, form, page = bar(w.secretary)
    assert "内科党支部" in page and "内科第一党小组" in page
    assert "外科党支部" not in page and "市医院党委" not in page
    assert [code for code, _name in form.region_suggestions] == [TOWN_A]  # branch A serves 孤山镇
    _flt, form, _page = bar(w.doctor)
    assert [code for code, _name in form.region_suggestions] == [TOWN_A]
    suggestions = bar(w.leader)[1].region_suggestions
    assert suggestions == [(COUNTY, "东港市"), (TOWN_A, "孤山镇"), (TOWN_B, "前阳镇")]


def test_a_valid_filter_is_shown_as_understood(reports_world):
    w = reports_world
    flt, form, page = bar(w.leader, org=str(w.branch_a.pk), category="medical", **{"from": "2025-01-01"})
    assert flt.org == w.branch_a and flt.category == "medical"
    assert f'<option value="{w.branch_a.pk}" selected>' in page
    assert '<option value="medical" selected>' in page
    assert form.more_open  # a folded filter in use stays visible

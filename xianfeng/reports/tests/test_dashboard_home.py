"""The 工作台 panel of the reports app: this year's headline figures for readers of reports,
linking to their drill-downs, cached so the home page stays cheap."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from xianfeng.reports.filters import ReportFilter, default_period
from xianfeng.reports.metrics import metrics_for_reach
from xianfeng.reports.reach import reach_of
from xianfeng.servicelog.models import Activity, ServiceRecord

from .factories import record


@pytest.fixture(autouse=True)
def fresh_cache():
    """The panel's figures are cached by user and reach; ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


def home(client, user):
    client.force_login(user)
    return client.get(reverse("core:home"))


def shown(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="reports-(\w+)">([^<]*)<', page))


def test_a_leader_sees_this_years_figures_linking_to_the_rows(client, reports_world):
    w = reports_world
    today = timezone.localdate()
    record(org=w.branch_a, type_code="medicine_delivery", on=today, resident=w.resident_a)
    record(org=w.branch_b, type_code="medicine_delivery", on=today, resident=w.resident_b)
    response = home(client, w.leader)
    page = response.content.decode()
    assert "reports-dashboard" in [p["key"] for p in response.context["panels"]]
    start, end = default_period(today)
    expected = metrics_for_reach(ReportFilter(start=start, end=end), reach_of(w.leader))
    assert shown(page)["person_times"] == str(expected["person_times"])
    assert shown(page)["persons"] == "2"
    query = ReportFilter(start=start, end=end).query()
    assert f'href="{reverse("reports:drill", args=["persons"])}?{query.replace("&", "&amp;")}"' in page
    assert f'href="{reverse("reports:dashboard")}?{query.replace("&", "&amp;")}"' in page


def test_a_secretary_counts_the_branch_and_a_volunteer_has_no_panel(client, reports_world):
    w = reports_world
    today = timezone.localdate()
    record(org=w.branch_a, type_code="medicine_delivery", on=today, resident=w.resident_a)
    record(org=w.branch_b, type_code="medicine_delivery", on=today, resident=w.resident_b)
    assert shown(home(client, w.secretary).content.decode())["persons"] == "1"
    response = home(client, w.member)
    assert "reports-dashboard" not in [p["key"] for p in response.context["panels"]]


def test_the_figures_are_counted_once_a_minute_not_on_every_visit(client, reports_world, monkeypatch):
    from xianfeng.reports import metrics

    w = reports_world
    record(org=w.branch_a, type_code="medicine_delivery", on=timezone.localdate(), resident=w.resident_a)
    calls = []
    counted = metrics.metrics_for_reach
    monkeypatch.setattr(metrics, "metrics_for_reach", lambda *a, **kw: calls.append(a) or counted(*a, **kw))
    first = shown(home(client, w.clerk).content.decode())
    record(org=w.branch_a, type_code="medicine_delivery", on=timezone.localdate(), resident=w.resident_a)
    second = shown(home(client, w.clerk).content.decode())
    assert len(calls) == 1
    assert first["person_times"] == second["person_times"] == "1"  # up to a minute behind
    home(client, w.secretary)  # another reader, another reach: counted for them
    assert len(calls) == 2


def test_a_year_without_records_says_so(client, reports_world):
    ServiceRecord.objects.update(voided_at=timezone.now())
    Activity.objects.update(voided_at=timezone.now())
    page = home(client, reports_world.leader).content.decode()
    assert "今年还没有服务记录" in page and shown(page) == {}

"""热线看板 /hotline/dashboard/ and the hotline drill-down: aggregates for readers of reports, call
rows only for readers holding hotline.view, no caller data anywhere on the dashboard."""

import re

import pytest
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant

from .figures_world import CALLBACK, build_hotline_world

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def w(db):
    return build_hotline_world()


def get(client, user, url, params=None, **headers):
    client.force_login(user)
    return client.get(url, params or {}, **headers)


def shown(page: str, attr: str) -> dict[str, str]:
    return dict(re.findall(rf'{attr}="([^"]+)"[^>]*>([^<]+)<', page))


def test_a_leader_sees_the_hotline_figures_without_caller_data(client, w):
    response = get(client, w.leader, reverse("hotline:dashboard"), YEAR)
    assert response.status_code == 200
    page = response.content.decode()
    figures = shown(page, "data-hotline-figure")
    assert figures["calls"] == "5" and figures["escalations"] == "4" and figures["escalations_in_time"] == "1"
    assert figures["in_time_rate"] == "33.3" and figures["median_minutes_to_handle"] == "55"
    assert CALLBACK not in page and CALLBACK[-4:] not in page
    assert 'id="hotline-dashboard-data"' in page and "echarts.min.js" in page
    # The 24 hours and 7 weekdays are tables too (the charts' fallback).
    assert page.count("data-hour=") == 24 and page.count("data-weekday=") == 7
    # Counts link to the drill-down of the hotline family with the same filter.
    assert reverse("reports:family_drill", args=["hotline", "calls"]) in page
    assert 'data-topic="grief"' in page and 'data-risk="high"' in page


def test_the_filter_bar_swaps_the_body(client, w):
    response = get(client, w.secretary, reverse("hotline:dashboard"), YEAR, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert shown(page, "data-hotline-figure")["calls"] == "4"  # branch A only


def test_an_empty_period_says_so(client, w):
    response = get(client, w.leader, reverse("hotline:dashboard"), {"from": "2020-01-01", "to": "2020-12-31"})
    assert response.status_code == 200
    assert "所选期间没有热线来电" in response.content.decode()


def test_a_bad_filter_is_refused_with_its_message(client, w):
    response = get(client, w.leader, reverse("hotline:dashboard"), {"from": "2025-13-01"})
    assert response.status_code == 400
    assert 'data-filter-error="from"' in response.content.decode()


@pytest.mark.parametrize("who", ["member", "auditor"])
def test_readers_without_reports_are_refused(client, w, who):
    assert get(client, getattr(w, who), reverse("hotline:dashboard"), YEAR).status_code == 403


def test_duty_staff_without_reports_are_refused(client, w):
    duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, w.branch_a)
    assert get(client, duty, reverse("hotline:dashboard"), YEAR).status_code == 403


def test_a_leader_counts_calls_but_does_not_list_them(client, w):
    url = reverse("reports:family_drill", args=["hotline", "calls"])
    response = get(client, w.leader, url, YEAR)
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-figure-value>5<" in page
    assert 'data-hidden="5"' in page and "另有 5 条健康信息记录，仅计数不显示" in page
    assert "data-call=" not in page


def test_a_supervisor_with_hotline_view_lists_the_calls_of_the_figure(client, w):
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, w.branch_a)
    url = reverse("reports:family_drill", args=["hotline", "calls"])
    page = get(client, doctor, url, YEAR).content.decode()
    listed = set(re.findall(r'data-call="(\d+)"', page))
    assert listed == {str(c.pk) for c in (w.c1, w.c2, w.c3, w.c7)}
    assert "data-hidden" not in page
    # Narrowed by the dashboard's topic link: the grief calls of branch A.
    page = get(client, doctor, url, {**YEAR, "topic": "grief"}).content.decode()
    assert set(re.findall(r'data-call="(\d+)"', page)) == {str(w.c3.pk)}


def test_escalation_drill_downs_count_like_the_figures(client, w):
    doctor = user_with_grant(Role.DOCTOR, Scope.ALL)
    for key, expected in (("escalations_in_time", {w.e1}), ("escalations_overdue", {w.e3})):
        url = reverse("reports:family_drill", args=["hotline", key])
        page = get(client, doctor, url, YEAR).content.decode()
        assert set(re.findall(r'data-escalation="(\d+)"', page)) == {str(e.pk) for e in expected}, key


@pytest.mark.parametrize(
    "path, params, status",
    [
        (("hotline", "in_time_rate"), YEAR, 404),  # a rate has no rows of its own
        (("hotline", "nothing"), YEAR, 404),
        (("nofamily", "calls"), YEAR, 404),
        (("hotline", "calls"), {**YEAR, "topic": "x" * 30}, 400),
        (("hotline", "calls"), {**YEAR, "page": "99999999999999999999"}, 200),
    ],
)
def test_bad_drill_requests(client, w, path, params, status):
    assert get(client, w.leader, reverse("reports:family_drill", args=path), params).status_code == status


def test_the_drill_down_is_for_readers_of_reports(client, w):
    url = reverse("reports:family_drill", args=["hotline", "calls"])
    assert get(client, w.member, url, YEAR).status_code == 403

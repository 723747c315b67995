"""统计看板 /reports/: figures equal to metrics_for, every figure a link to its drill-down with the
same filter, scope, refusal, the empty period and a wrong filter (metric_world, factories.py)."""

import html
import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.reports.views_dashboard import HEADLINE

from .factories import TOWN_A

YEAR_QUERY = {"from": "2025-01-01", "to": "2025-12-31"}


def figures(page: str) -> dict[str, tuple[str, str]]:
    """{key: (href, shown value)} of the headline figures."""
    found = re.findall(r'href="([^"]*)" data-figure="(\w+)">([^<]*)<', page)
    return {key: (html.unescape(href), value) for href, key, value in found}


def drill(key: str, query: str) -> str:
    return f"{reverse('reports:drill', args=[key])}?{query}"


def get(client, user, params=None, **headers):
    client.force_login(user)
    return client.get(reverse("reports:dashboard"), params or {}, **headers)


def test_a_leader_sees_the_figures_of_metrics_for_each_linking_to_its_rows(client, metric_world):
    w = metric_world
    response = get(client, w.leader, YEAR_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    expected = metrics_for(w.leader, parse_filter(w.leader, YEAR_QUERY))
    flt = parse_filter(w.leader, YEAR_QUERY)
    shown = figures(page)
    assert set(shown) == set(HEADLINE)
    for key in HEADLINE:
        href, value = shown[key]
        assert value == str(expected[key]), key
        assert href == drill(key, flt.query()), key
    assert shown["person_times"][1] == "85" and shown["hours"][1] == "13.5"  # hand counts (factories.py)
    # Quantities link per unit; the 口径 of every headline figure is on the page.
    assert html.escape(drill("quantity", flt.query() + "&" + urlencode({"unit": "份"}))) in page
    for key in HEADLINE:
        assert f'id="def-{key}"' in page


def test_the_links_carry_the_filter_and_each_breakdown_its_own_narrowing(client, metric_world):
    w = metric_world
    params = {**YEAR_QUERY, "team": str(w.team_a.pk)}
    page = get(client, w.leader, params).content.decode()
    flt = parse_filter(w.leader, params)
    assert figures(page)["persons"][0] == drill("persons", flt.query())
    assert f"team={w.team_a.pk}" in figures(page)["persons"][0]
    assert figures(page)["person_times"][1] == "51"  # R1 + A1's 50
    unescaped = html.unescape(page)
    assert drill("person_times", flt.query(type="medicine_delivery")) in unescaped
    assert drill("person_times", flt.query(category="education")) in unescaped
    assert drill("person_times", flt.query(region=TOWN_A)) in unescaped
    assert drill("person_times", flt.query(team=w.team_a.pk)) in unescaped
    assert drill("person_times", flt.query(**{"from": "2025-04-01", "to": "2025-04-30"})) in unescaped
    # The other report pages open with the same filter.
    for name in ("reports:table", "reports:narrative", "reports:snapshots"):
        assert f'href="{html.escape(reverse(name) + "?" + flt.query())}"' in page


def test_an_organization_filter_counts_its_subtree(client, metric_world):
    w = metric_world
    params = {**YEAR_QUERY, "org": str(w.branch_a.pk)}
    response = get(client, w.leader, params)
    assert response.status_code == 200
    shown = figures(response.content.decode())
    assert shown["person_times"] == (drill("person_times", parse_filter(w.leader, params).query()), "54")
    assert f"org={w.branch_a.pk}" in shown["person_times"][0]


def test_trend_months_add_up_to_the_person_times(client, metric_world):
    response = get(client, metric_world.leader, YEAR_QUERY)
    trend = response.context["trend"]
    assert [r["key"] for r in trend] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert sum(r["person_times"] for r in trend) == response.context["metrics"]["person_times"] == 85
    chart = response.context["chart_data"]
    assert [p["value"] for p in chart["trend"]] == [r["person_times"] for r in trend]
    assert 'id="dashboard-data"' in response.content.decode()


def test_a_secretary_sees_only_the_branch(client, metric_world):
    w = metric_world
    response = get(client, w.secretary, YEAR_QUERY)
    page = response.content.decode()
    assert figures(page)["person_times"][1] == "54"  # R1, R2, R3, R7 + A1's 50: branch A's subtree
    assert response.context["metrics"] == {
        k: v for k, v in metrics_for(w.secretary, parse_filter(w.secretary, YEAR_QUERY)).items() if k != "programs"
    }
    assert "外科党支部" not in page  # another branch is neither counted nor offered in the filter
    # R2 was served by branch B's team inside branch A: counted, but the team is not named.
    assert "外科突击队" not in page and "其他组织的队伍" in page
    assert drill("person_times", parse_filter(w.secretary, YEAR_QUERY).query(team=w.team_b.pk)) not in html.unescape(
        page
    )


@pytest.mark.parametrize("who", ["member", "auditor"])
def test_readers_without_reports_are_refused(client, metric_world, who):
    assert get(client, getattr(metric_world, who), YEAR_QUERY).status_code == 403


def test_an_empty_period_says_so_instead_of_zeros(client, metric_world):
    response = get(client, metric_world.leader, {"from": "2020-01-01", "to": "2020-12-31"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "所选期间没有服务记录" in page
    assert figures(page) == {} and "chart-trend" not in page


def test_a_wrong_filter_shows_what_to_fix(client, metric_world):
    w = metric_world
    response = get(client, w.secretary, {"from": "2025-12-31", "to": "2025-01-01", "org": str(w.branch_b.pk)})
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'data-filter-error="from">开始日期晚于结束日期', page)
    assert re.search(r'data-filter-error="org">组织 \d+ 不存在或不在您的权限范围内', page)
    assert figures(page) == {}


def test_the_filter_bar_asks_for_the_body_alone(client, metric_world):
    response = get(client, metric_world.leader, YEAR_QUERY, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<div id="dashboard"')
    assert 'hx-target="#dashboard"' in page and "85" in page


def test_program_indicators_show_their_rates_and_link_to_the_indicators_page(client, metric_world):
    response = get(client, metric_world.leader, YEAR_QUERY)
    sections = {p["code"]: p for p in response.context["programs"]}
    elderly = sections["elderly_check"]
    assert elderly["url"].startswith(reverse("programs:indicators") + "?program=elderly_check&period=custom")
    assert "start=2025-01-01&end=2025-12-31" in elderly["url"]
    assert any(f.denominator is not None for f in elderly["figures"])
    assert 'data-program="elderly_check"' in response.content.decode()

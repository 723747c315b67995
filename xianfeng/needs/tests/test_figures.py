"""needs_figures and the needs figures page /needs/figures/: figures equal hand counts over a
small ledger, the reach (or the reader's scope on the page) decides which needs count, and each
number links to the needs list showing those needs."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.needs.figures import needs_figures
from xianfeng.needs.models import Need
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.reach import reach_of
from xianfeng.reports.tests.factories import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_A2, VILLAGE_B, build_reports_base

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
TODAY = datetime.date(2025, 6, 30)
D = datetime.date


def need(org, raised, *, category="medical", status="open", closed=None, due=None, place="", voided=False, **kw):
    n = Need(
        title=kw.pop("title", "诉求"),
        category=category,
        raised_on=raised,
        org=org,
        status=status,
        closed_on=closed,
        due_on=due,
        **kw,
    )
    n.set_place(place)
    if voided:
        n.voided_at, n.void_reason = timezone.now(), "重复登记"
    n.save()
    return n


@pytest.fixture
def w(db):
    """N1–N9 (the hand counts in the tests below):

    N1 A VILLAGE_A  medical    2025-03-01 resolved 03-05 (4 days)
    N2 A VILLAGE_A  assistive  2025-03-10 resolved 03-20 (10 days)
    N3 A VILLAGE_A2 medical    2025-04-01 unresolved 04-10
    N4 A VILLAGE_A  transport  2025-05-01 open, due 05-10 (overdue on TODAY)
    N5 A VILLAGE_A  medicine   2025-05-02 in progress, due 12-31
    N6 B VILLAGE_B  medical    2025-02-01 resolved 02-03 (2 days)
    N7 A voided; N8 A raised 2024-12-20 resolved 2025-01-05; N9 A no place, open, no due date
    """
    w = build_reports_base()
    a, b = w.branch_a, w.branch_b
    w.n1 = need(a, D(2025, 3, 1), status="resolved", closed=D(2025, 3, 5), place=VILLAGE_A)
    w.n2 = need(a, D(2025, 3, 10), category="assistive", status="resolved", closed=D(2025, 3, 20), place=VILLAGE_A)
    w.n3 = need(a, D(2025, 4, 1), status="unresolved", closed=D(2025, 4, 10), place=VILLAGE_A2)
    w.n4 = need(a, D(2025, 5, 1), category="transport", due=D(2025, 5, 10), place=VILLAGE_A)
    w.n5 = need(a, D(2025, 5, 2), category="medicine", status="in_progress", due=D(2025, 12, 31), place=VILLAGE_A)
    w.n6 = need(b, D(2025, 2, 1), status="resolved", closed=D(2025, 2, 3), place=VILLAGE_B)
    w.n7 = need(a, D(2025, 3, 3), status="resolved", closed=D(2025, 3, 4), place=VILLAGE_A, voided=True)
    w.n8 = need(a, D(2024, 12, 20), status="resolved", closed=D(2025, 1, 5), place=VILLAGE_A)
    w.n9 = need(a, D(2025, 6, 1), category="other")
    return w


def figures_for(user, **params):
    return needs_figures(parse_filter(user, {**YEAR, **params}), reach_of(user), today=TODAY)


def test_a_leader_counts_the_needs_raised_in_the_period(w):
    f = figures_for(w.leader)
    assert f["raised"] == 7  # N1–N6, N9: not the voided N7 nor last year's N8
    assert f["resolved"] == 3 and f["unresolved_closed"] == 1 and f["open"] == 3 and f["overdue"] == 1
    assert f["resolved_in_period"] == 4  # N1, N2, N6 and N8 (raised last year, resolved in January)
    assert f["resolution_rate"] == 42.9  # 3 ÷ 7
    assert f["median_days_to_resolve"] == 4  # of 4, 10 and 2 days


def test_by_category_and_by_township(w):
    f = figures_for(w.leader)
    assert list(f["by_category"]) == ["medical", "medicine", "assistive", "transport", "other"]
    medical = f["by_category"]["medical"]
    assert (medical["raised"], medical["resolved"], medical["unresolved_closed"], medical["open"]) == (3, 2, 1, 0)
    assert f["by_category"]["transport"]["overdue"] == 1
    towns = [(row["code"], row["name"], row["raised"], row["resolved"]) for row in f["by_township"]]
    assert towns == [(TOWN_A, "孤山镇", 5, 2), (TOWN_B, "前阳镇", 1, 1), ("", "", 1, 0)]
    assert sum(row["raised"] for row in f["by_township"]) == f["raised"]


def test_a_secretary_counts_the_branch_only(w):
    f = figures_for(w.secretary)
    assert f["raised"] == 6 and f["resolved"] == 2 and f["resolved_in_period"] == 3
    assert f["median_days_to_resolve"] == 7  # of 4 and 10 days


def test_filters_narrow_the_needs(w):
    assert figures_for(w.leader, region=TOWN_B)["raised"] == 1
    assert figures_for(w.leader, region=VILLAGE_A)["raised"] == 4  # N1, N2, N4, N5 (N3 is in VILLAGE_A2)
    assert figures_for(w.leader, org=str(w.branch_b.pk))["raised"] == 1
    assert figures_for(w.leader, **{"from": "2025-03-01", "to": "2025-03-31"})["raised"] == 2


def test_no_reach_no_needs(w):
    f = needs_figures(parse_filter(w.leader, YEAR), reach_of(w.member), today=TODAY)
    assert f["raised"] == 0 and f["resolution_rate"] is None and f["median_days_to_resolve"] is None


# --- the page -------------------------------------------------------------------------------


def page_figures(page: str) -> dict[str, tuple[str, str]]:
    found = re.findall(r'<a class="[^"]*" href="([^"]+)" data-needs-figure="([^"]+)">([^<]+)<', page)
    spans = re.findall(r'<span data-needs-figure="([^"]+)">([^<]+)<', page)
    result = {key: (href.replace("&amp;", "&"), value) for href, key, value in found}
    result.update({key: ("", value) for key, value in spans})
    return result


def test_the_page_counts_what_the_reader_may_open_and_links_to_the_list(client, w):
    client.force_login(w.member)  # 志愿者 of branch A only: needs.view, no 统计报表
    response = client.get(reverse("needs:figures"), YEAR)
    assert response.status_code == 200
    shown = page_figures(response.content.decode())
    assert shown["raised"][1] == "6" and shown["resolved"][1] == "2"
    href, _value = shown["resolved"]
    url = urlsplit(href)
    assert url.path == reverse("needs:list")
    assert parse_qs(url.query) == {"date_from": ["2025-01-01"], "date_to": ["2025-12-31"], "status": ["resolved"]}
    assert parse_qs(urlsplit(shown["open"][0]).query)["status"] == ["active"]
    assert parse_qs(urlsplit(shown["overdue"][0]).query)["overdue"] == ["1"]
    page = response.content.decode()
    assert f"township={TOWN_A}" in page and "category=medical" in page  # the tables' rows link too


@pytest.mark.parametrize("key", ["raised", "resolved", "open", "overdue"])
def test_the_needs_list_shows_as_many_needs_as_the_figure(client, w, key):
    client.force_login(w.secretary)
    shown = page_figures(client.get(reverse("needs:figures"), YEAR).content.decode())
    href, value = shown[key]
    listed = client.get(href)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == int(value)


def test_readers_without_needs_view_are_refused(client, w):
    client.force_login(w.auditor)
    assert client.get(reverse("needs:figures"), YEAR).status_code == 403


def test_an_htmx_request_gets_the_body(client, w):
    client.force_login(w.leader)
    response = client.get(reverse("needs:figures"), YEAR, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert 'id="needs-figures"' in response.content.decode()


def test_no_list_link_that_would_show_other_needs(client, w):
    client.force_login(w.leader)
    # A province-level region: the list's place filter takes county, township or village codes.
    page = client.get(reverse("needs:figures"), {**YEAR, "region": "21"}).content.decode()
    assert page_figures(page)["raised"] == ("", "6")  # N9 has no place: no region holds it

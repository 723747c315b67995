"""Figure families in the reports (issue 12 §4): metrics_for, the API and ``manage.py report``
carry the hotline and needs figures; the dashboard shows their panels, each number linking to
its drill-down; a record's drill-down row links to the fact behind it."""

import datetime
import json
import re
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from xianfeng.hotline.tests.figures_world import build_hotline_world
from xianfeng.needs.models import Need
from xianfeng.reports.families import families, get_family
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for, to_json
from xianfeng.reports.tests.factories import VILLAGE_A, VILLAGE_B, record
from xianfeng.servicelog import hooks

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def need(org, raised, place, status="open", closed=None):
    n = Need(title="更换轮椅", category="assistive", raised_on=raised, org=org, status=status, closed_on=closed)
    n.set_place(place)
    n.save()
    return n


@pytest.fixture
def w(db):
    w = build_hotline_world()
    w.need_a = need(w.branch_a, datetime.date(2025, 4, 1), VILLAGE_A, "resolved", datetime.date(2025, 4, 3))
    w.need_b = need(w.branch_b, datetime.date(2025, 4, 2), VILLAGE_B)
    return w


def test_the_hotline_and_needs_families_are_registered():
    assert {f.key for f in families()} >= {"hotline", "needs"}
    for family in families():
        assert set(family.headline) <= set(family.definitions)
        assert set(family.drillable) <= set(family.definitions)
        for m in family.definitions.values():
            assert str(m.label) and str(m.definition)  # a 口径 for every figure


def test_metrics_for_the_api_and_the_command_carry_the_families(client, w):
    flt = parse_filter(w.leader, YEAR)
    result = metrics_for(w.leader, flt)
    assert result["hotline"]["calls"] == 5 and result["needs"]["raised"] == 2 and result["needs"]["resolved"] == 1
    client.force_login(w.leader)
    body = client.get("/api/reports/metrics", YEAR).json()
    assert body == to_json(result)
    assert body["hotline"]["by_hour"][22] == 1 and body["needs"]["by_township"][0]["raised"] == 1
    out = StringIO()
    call_command("report", "--from", YEAR["from"], "--to", YEAR["to"], stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["hotline"]["escalations"] == 4 and printed["needs"]["raised"] == 2


def test_a_secretary_s_figures_keep_to_the_branch(w):
    result = metrics_for(w.secretary, parse_filter(w.secretary, YEAR))
    assert result["hotline"]["calls"] == 4 and result["needs"]["raised"] == 1


def panel(page: str) -> dict[str, tuple[str, str]]:
    links = re.findall(r'href="([^"]+)" data-family-figure="([^"]+)">([^<]+)<', page)
    spans = re.findall(r'<span data-family-figure="([^"]+)">([^<]+)<', page)
    shown = {key: (href.replace("&amp;", "&"), value) for href, key, value in links}
    shown.update({key: ("", value) for key, value in spans})
    return shown


def test_the_dashboard_shows_both_panels_linking_to_their_rows_and_pages(client, w):
    client.force_login(w.leader)
    page = client.get(reverse("reports:dashboard"), YEAR).content.decode()
    shown = panel(page)
    flt = parse_filter(w.leader, YEAR)
    assert shown["hotline.calls"] == (
        reverse("reports:family_drill", args=["hotline", "calls"]) + "?" + flt.query(),
        "5",
    )
    assert shown["hotline.in_time_rate"] == ("", "33.3")
    assert shown["needs.raised"][1] == "2" and shown["needs.resolution_rate"] == ("", "50.0")
    assert 'data-family-page="hotline"' in page and reverse("hotline:dashboard") in page
    assert 'data-family-page="needs"' in page and reverse("needs:figures") in page
    assert 'id="def-hotline-in_time_rate"' in page  # the 口径 of each family figure


def test_panels_stay_away_when_there_is_nothing_to_show(client, w):
    client.force_login(w.leader)
    page = client.get(reverse("reports:dashboard"), {"from": "2020-01-01", "to": "2020-12-31"}).content.decode()
    assert "data-family=" not in page


def test_the_needs_drill_down_lists_the_needs_a_reader_may_open(client, w):
    url = reverse("reports:family_drill", args=["needs", "raised"])
    client.force_login(w.leader)
    page = client.get(url, YEAR).content.decode()
    assert set(re.findall(r'data-need="(\d+)"', page)) == {str(w.need_a.pk), str(w.need_b.pk)}
    assert "data-figure-value>2<" in page
    client.force_login(w.secretary)
    page = client.get(url, YEAR).content.decode()
    assert set(re.findall(r'data-need="(\d+)"', page)) == {str(w.need_a.pk)}
    page = client.get(url, {**YEAR, "need_category": "housing"}).content.decode()
    assert "data-need=" not in page
    assert client.get(url, {**YEAR, "need_category": "nope"}).status_code == 400


def test_a_record_row_links_to_the_fact_behind_it(client, w):
    rec = record(org=w.branch_a, type_code="hotline_call", on=datetime.date(2025, 3, 10), created_by=w.clerk)

    def reader(records, user=None):
        return {r.pk: ("热线来电 #7", "/hotline/calls/7/") for r in records if r.pk == rec.pk}

    hooks.register_source_reader(reader)
    try:
        client.force_login(w.admin)
        page = client.get(reverse("reports:drill", args=["person_times"]), YEAR).content.decode()
    finally:
        hooks._source_readers.remove(reader)
    assert f'data-source="{rec.pk}"' in page and "热线来电 #7" in page and 'href="/hotline/calls/7/"' in page


def test_unknown_families_are_none():
    assert get_family("nothing") is None


def test_the_metrics_workbook_has_the_families_sheet(w):
    from openpyxl import load_workbook

    from xianfeng.reports.services_jobs import metrics_workbook

    book = load_workbook(BytesIO(metrics_workbook(w.leader, parse_filter(w.leader, YEAR))))
    rows = {row[-1]: row[2] for row in book["热线与民情"].iter_rows(min_row=2, values_only=True)}
    assert rows["hotline.calls"] == 5 and rows["hotline.in_time_rate"] == 33.3 and rows["needs.raised"] == 2

"""组织生活与党建 in the reports: the dashboard's panel (a clerk sees it, a doctor does not), its
drill-downs list exactly the counted rows a reader may open, and the figures travel with
metrics_for (the API and ``manage.py report``)."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports.families import get_family
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for

from .factories_figures import Q1, figures_world


@pytest.fixture
def w(db):
    return figures_world()


def panel(page: str) -> dict[str, tuple[str, str]]:
    links = re.findall(r'href="([^"]+)" data-family-figure="partylife\.([^"]+)">([^<]+)<', page)
    spans = re.findall(r'<span data-family-figure="partylife\.([^"]+)">([^<]+)<', page)
    shown = {key: (href.replace("&amp;", "&"), value) for href, key, value in links}
    shown.update({key: ("", value) for key, value in spans})
    return shown


def test_the_family_is_registered_with_a_definition_for_every_figure():
    family = get_family("partylife")
    assert family is not None and str(family.label) == "组织生活与党建"
    assert set(family.headline) <= set(family.definitions) and set(family.drillable) <= set(family.definitions)
    assert "地区" in str(family.definitions["meetings_held"].definition)  # regions do not apply: said so


def test_a_clerk_sees_the_panel_each_count_linking_to_its_rows(client, w):
    client.force_login(w.clerk)
    page = client.get(reverse("reports:dashboard"), Q1).content.decode()
    assert 'data-family="partylife"' in page and "组织生活与党建" in page
    shown = panel(page)
    query = parse_filter(w.clerk, Q1).query()
    assert shown["meetings_held"] == (
        reverse("reports:family_drill", args=["partylife", "meetings_held"]) + "?" + query,
        "4",
    )
    assert shown["attendance_rate"] == ("", "80.0") and shown["compliance_rate"] == ("", "22.2")
    assert shown["dues_arrears_members"][1] == "1" and shown["dues_collection_rate"] == ("", "30.4")
    assert shown["funds_spent"] == ("", "5400.00") and shown["outputs"][1] == "4"
    assert 'id="def-partylife-compliance_rate"' in page  # the 口径 beside the figures


def test_a_doctor_holding_reports_sees_no_party_life(client, w):
    """A 精防医生 over the whole committee reads the service-log figures, not the party's life."""
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, w.committee, username="f_doctor")
    assert metrics_for(doctor, parse_filter(doctor, Q1))["partylife"]["meetings_held"] == 0
    client.force_login(doctor)
    page = client.get(reverse("reports:dashboard"), Q1).content.decode()
    assert 'data-family="partylife"' not in page
    client.force_login(w.doctor)  # a region grant
    assert 'data-family="partylife"' not in client.get(reverse("reports:dashboard"), Q1).content.decode()


def drill(client, key, **params):
    response = client.get(reverse("reports:family_drill", args=["partylife", key]), {**Q1, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_drill_down_lists_the_counted_rows(client, w):
    client.force_login(w.clerk)
    page = drill(client, "meetings_held")
    assert set(re.findall(r'data-row="meeting-(\d+)"', page)) == {str(m.pk) for m in (w.m1, w.m2, w.m3, w.m6)}
    assert "data-figure-value>4<" in page
    page = drill(client, "funds_over_budget")
    assert re.findall(r'data-row="expense-(\d+)"', page) == [str(w.e2.pk)] and "超出预算" in page
    page = drill(client, "dues_arrears_members")
    assert re.findall(r'data-row="member-(\d+)"', page) == [str(w.a2.pk)] and "甲二" in page
    page = drill(client, "outputs")
    assert len(re.findall(r'data-row="output-', page)) == 4 and "第103期" in page


def test_a_secretary_s_drill_down_keeps_to_the_branch(client, w):
    client.force_login(w.secretary)
    page = drill(client, "meetings_held")
    assert set(re.findall(r'data-row="meeting-(\d+)"', page)) == {str(m.pk) for m in (w.m1, w.m2, w.m3)}
    page = drill(client, "dues_payments")
    assert len(re.findall(r'data-row="dues-payment-', page)) == 3 and "乙一" not in page


def test_the_rates_have_no_rows(client, w):
    client.force_login(w.clerk)
    response = client.get(reverse("reports:family_drill", args=["partylife", "attendance_rate"]), Q1)
    assert response.status_code == 404


def test_the_report_command_prints_the_figures(w):
    out = StringIO()
    call_command("report", "--from", Q1["from"], "--to", Q1["to"], stdout=out)
    printed = json.loads(out.getvalue())["partylife"]
    assert printed["meetings_held"] == 4 and printed["dues_due"] == 115.0 and printed["funds_balance"] == 58600.0
    assert printed["outputs_by_kind"] == {"magazine": 3, "push": 1}

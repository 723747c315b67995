"""应急处置 in the reports: the dashboard's panel, drill-downs that list only what the reader may
open (and count the rest), and no panel for a reader whose role does not open emergencies."""

import re

import pytest
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports.families import get_family

from .factories_figures import Q1, emergency_world


@pytest.fixture
def w(db):
    return emergency_world()


def test_the_family_is_registered():
    family = get_family("emergencies")
    assert family is not None and set(family.headline) <= set(family.definitions)
    assert set(family.drillable) <= set(family.definitions)


def test_a_clerk_sees_the_panel(client, w):
    client.force_login(w.clerk)
    page = client.get(reverse("reports:dashboard"), Q1).content.decode()
    assert 'data-family="emergencies"' in page
    values = dict(re.findall(r'data-family-figure="emergencies\.([^"]+)">([^<]+)<', page))
    assert values["emergencies"] == "1" and values["pledges"] == "3" and values["commando_members"] == "3"
    assert values["families_paired"] == "2" and values["latest_confirmed"] == "5"


def test_no_panel_for_a_doctor_or_an_empty_period(client, w):
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, w.committee, username="e_doctor")
    client.force_login(doctor)
    assert 'data-family="emergencies"' not in client.get(reverse("reports:dashboard"), Q1).content.decode()
    client.force_login(w.clerk)
    page = client.get(reverse("reports:dashboard"), {"from": "2023-01-01", "to": "2023-12-31"}).content.decode()
    assert 'data-family="emergencies"' not in page


def drill(client, key):
    response = client.get(reverse("reports:family_drill", args=["emergencies", key]), Q1)
    assert response.status_code == 200
    return response.content.decode()


def test_the_drill_downs_list_the_counted_rows(client, w):
    client.force_login(w.clerk)
    page = drill(client, "pledges")
    assert set(re.findall(r'data-row="pledge-(\d+)"', page)) == {str(p.pk) for p in (w.p1, w.p2, w.p3)}
    page = drill(client, "commando_teams")
    assert set(re.findall(r'data-row="emergency-team-(\d+)"', page)) == {str(w.link1.pk), str(w.link2.pk)}
    page = drill(client, "families_paired")
    assert set(re.findall(r'data-row="pairing-(\d+)"', page)) == {str(w.f1.pk), str(w.f2.pk)}


def test_a_secretary_counts_the_team_members_but_lists_only_their_own(client, w):
    client.force_login(w.secretary)
    page = drill(client, "commando_members")
    assert "data-figure-value>3<" in page  # a1 a2 of the branch, b1 of the other branch
    assert set(re.findall(r'data-row="member-(\d+)"', page)) == {str(w.a1.pk), str(w.a2.pk)}
    assert 'data-hidden="1"' in page and "乙一" not in page

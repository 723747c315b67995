"""The organization page's panels (xianfeng/orgs/panels.py): 「荣誉与成果」 and 「学习」 show on the
org page for those who may read them, and add a bounded number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.orgs.panels import org_panels, register_org_panel, registered_org_panels
from xianfeng.partylife import services_honours, services_study

from .factories_study import study_world


@pytest.fixture
def w(world):
    return study_world(world)


def _fill(w, honours=1, outputs=1):
    for n in range(honours):
        services_honours.honour_create(
            acting_user=w.owner,
            org=w.branch_a,
            title=f"先进{n}",
            level="city",
            issuer="市委",
            awarded_on=date(2024, 1, 1),
        )
    for n in range(outputs):
        services_honours.output_create(
            acting_user=w.owner,
            org=w.branch_a,
            kind="magazine",
            title=f"院刊{n}",
            issue_no=str(100 + n),
            published_on=date(2024, 1, 1),
        )


def test_registry_orders_and_hides(w):
    keys = [p.key for p in registered_org_panels()]
    assert keys.index("honours") < keys.index("study")
    register_org_panel("test_hidden", order=1, template="x.html", context=lambda user, org: None)
    assert "test_hidden" not in [p["key"] for p in org_panels(w.owner, w.branch_a)]


def test_org_page_shows_honours_outputs_and_study_rate(w, login):
    _fill(w)
    services_study.study_complete(acting_user=w.vol, item=w.branch_item)
    page = login(w.owner).get(reverse("orgs:detail", args=[w.branch_a.pk])).content.decode()
    assert 'data-org-panel="honours"' in page and "先进0" in page and 'data-output-count="magazine"' in page
    # two items pushed to branch_a this year (the committee's and its own) × 3 party members
    assert 'data-org-panel="study"' in page and "17%（1 / 6）" in page


def test_member_sees_honours_but_not_the_branch_study_rate(w, login):
    _fill(w)
    page = login(w.vol).get(reverse("orgs:detail", args=[w.branch_a.pk])).content.decode()
    assert 'data-org-panel="honours"' in page and 'data-org-panel="study"' not in page


def test_nothing_to_show_no_panel(w, login):
    page = login(w.owner).get(reverse("orgs:detail", args=[w.branch_b.pk])).content.decode()
    assert "data-org-panel" not in page


def test_panels_add_a_bounded_number_of_queries(w, login):
    client = login(w.owner)
    url = reverse("orgs:detail", args=[w.branch_a.pk])
    _fill(w, 1, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        services_honours.honour_create(
            acting_user=w.owner,
            member=w.member,
            title=f"优秀{n}",
            level="institution",
            issuer="院",
            awarded_on=date(2024, 2, 1),
        )
        services_honours.output_create(
            acting_user=w.owner, org=w.branch_a, kind="push", title=f"推送{n}", published_on=date(2024, 2, 1)
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)

"""The worklist page and the 工作台 panel as their users see them: the volunteer's own list first,
one tap to the visit form, tabs by HTMX, the county's per-township table, scope, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core import home
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.programs import home_worklist, registry
from xianfeng.programs.models import Status
from xianfeng.residents.tests.factories import TOWN_A, TOWN_B

from .test_worklist import DAY, TODAY, HealthCheckIn, build_scene, enrol

URL = reverse("programs:worklist")


@pytest.fixture
def scene(people, checkin_program):
    registry.register(HealthCheckIn)
    yield build_scene(people)
    registry.unregister(HealthCheckIn.code)


@pytest.fixture
def panel():
    home_worklist.register()
    yield
    home._PANELS.pop("programs-worklist", None)


def visit_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)" data-visit', html)


def test_a_volunteer_opens_on_their_own_overdue_list_with_one_tap_to_the_visit_form(scene, login):
    people, rows = scene
    response = login(people.volunteer).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-scope="mine"' in html and 'data-bucket="overdue"' in html
    # Tabs count the volunteer's own work (the health row is not theirs to see).
    for bucket, n in {"today": 1, "week": 2, "overdue": 1, "lost": 1}.items():
        assert f'data-count="{bucket}">{n}<' in html
    assert rows.minus1.resident.name in html and rows.other.resident.name not in html
    assert rows.health.resident.name not in html
    (link,) = visit_links(html)
    path, _sep, query = link.partition("?")
    assert path == reverse("programs:visit_new", args=[rows.minus1.pk])
    assert "kind=contact" in query and "next=%2Fprograms%2Fworklist%2F" in query
    assert 'data-overdue="1"' in html and "逾期 1 天" in html


def test_all_shows_the_organizations_work_and_lost_has_its_own_tab(scene, login):
    people, rows = scene
    client = login(people.volunteer)
    html = client.get(URL, {"scope": "all", "bucket": "overdue"}).content.decode()
    assert rows.other.resident.name in html and rows.minus1.resident.name in html
    assert rows.health.resident.name not in html
    assert 'data-groups="' not in html  # the per-township table is for secretaries and the county
    html = client.get(URL, {"scope": "mine", "bucket": "lost"}).content.decode()
    assert rows.lost.resident.name in html and rows.minus1.resident.name not in html


def test_a_tab_switch_returns_only_the_list(scene, login):
    people, rows = scene
    response = login(people.volunteer).get(URL, {"bucket": "week"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'data-bucket="week"' in html
    assert rows.today.resident.name in html and rows.plus6.resident.name in html
    assert rows.plus7.resident.name not in html


def test_the_doctor_sees_health_rows_and_another_townships_doctor_none(scene, login, client):
    people, rows = scene
    html = login(people.doctor).get(URL, {"scope": "all", "bucket": "overdue"}).content.decode()
    assert rows.health.resident.name in html
    other = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_B, username="doc_b")
    client.force_login(other)
    html = client.get(URL, {"bucket": "overdue"}).content.decode()
    assert 'data-scope="mine"' not in html  # no member: straight to what their grant reaches
    for row in (rows.health, rows.minus1, rows.other):
        assert row.resident.name not in html
    assert rows.health_b.resident.name in html


def test_the_clerk_sees_counts_per_township_each_linking_to_its_list(scene, login):
    people, rows = scene
    client = login(people.world.owner)
    html = client.get(URL).content.decode()
    assert 'data-groups="township"' in html and "孤山镇" in html
    link = re.search(rf'data-group="{TOWN_A}".*?href="([^"]+)" data-count="overdue">(\d+)<', html, re.S)
    assert link.group(2) == "2"  # other and minus1; the clerk holds no health permission
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert rows.other.resident.name in listed and rows.minus1.resident.name in listed
    assert 'data-count="overdue">2<' in listed
    html = client.get(URL, {"group": "team"}).content.decode()
    assert 'data-groups="team"' in html


def test_filters_narrow_the_list_and_a_bad_one_is_ignored_with_a_warning(scene, login):
    people, rows = scene
    client = login(people.world.owner)
    html = client.get(URL, {"bucket": "overdue", "member": people.doctor_member.pk}).content.decode()
    assert rows.other.resident.name in html and rows.minus1.resident.name not in html
    assert people.doctor_member.name in html  # the chip that removes the filter
    response = client.get(URL, {"bucket": "overdue", "township": "abc"})
    assert response.status_code == 200 and "已忽略" in response.content.decode()
    html = client.get(URL, {"bucket": "overdue", "township": TOWN_B}).content.decode()
    assert 'data-count="overdue">0<' in html


def test_a_member_outside_the_scope_cannot_be_used_as_a_filter(scene, login, world):
    people, _rows = scene
    from xianfeng.members.tests.factories import MemberFactory

    stranger = MemberFactory(name="外科甲", branch=world.branch_b)
    html = login(people.world.owner).get(URL, {"member": stranger.pk}).content.decode()
    assert "已忽略" in html and "外科甲" not in html


def test_the_page_costs_the_same_queries_for_three_rows_or_thirty(scene, login):
    people, _rows = scene
    client = login(people.world.owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"bucket": "overdue"}).status_code == 200
        return len(captured)

    queries()  # warms the grants cache
    before = queries()
    for days in range(10, 40):
        enrol(people, due=TODAY - days * DAY, status=Status.ACTIVE)
    assert queries() == before


def test_the_home_panel_shows_my_counts_and_first_rows(scene, login, panel):
    people, rows = scene
    html = login(people.volunteer).get(reverse("core:home")).content.decode()
    assert 'data-panel="programs-worklist"' in html
    assert 'data-count="overdue">1<' in html and 'data-count="lost">1<' in html
    links = visit_links(html)
    assert links[0].startswith(reverse("programs:visit_new", args=[rows.minus1.pk]) + "?kind=contact")
    assert len(links) == 3  # minus1, today, plus6 (not next week's, not the lost one)
    # A clerk with no member record has no own list: no panel.
    html = login(people.world.owner).get(reverse("core:home")).content.decode()
    assert 'data-panel="programs-worklist"' not in html


def test_a_household_row_shows_the_head_and_village_in_a_fixed_number_of_queries(scene, login):
    people, _rows = scene
    from xianfeng.programs.models import Enrollment
    from xianfeng.residents.tests.factories import VILLAGE_A, HouseholdFactory

    client = login(people.world.owner)
    client.get(URL, {"bucket": "today"})  # warms the grants cache
    with CaptureQueriesContext(connection) as one:
        client.get(URL, {"bucket": "today"})
    for n in range(3):
        head = people.resident if n == 0 else None
        household = HouseholdFactory(village_id=VILLAGE_A, head=head, number=f"H{n}")
        e = Enrollment(program="test_checkin", household=household, org=people.world.branch_a, enrolled_on=TODAY)
        e.next_due_on, e.status = TODAY, Status.ACTIVE
        e.set_place(VILLAGE_A)
        e.save()
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL, {"bucket": "today"}).content.decode()
    assert f"{people.resident.name}户" in html and "H1" in html
    assert len(many) <= len(one) + 1  # the households, prefetched together

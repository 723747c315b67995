"""Pages of 请战书 and teams as users would use them: a member on a phone sees the committee's call
and writes their pledge, never a colleague's; the clerk reads the list with counts, forms a
commando team with checkboxes; the emergency's page shows the people sections."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from xianfeng.emergencies.home_pledges import pledge_panel
from xianfeng.emergencies.models import EmergencyTeam, Pledge
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories_people import DAY, TODAY, people_world, pledge


@pytest.fixture
def w(world):
    return people_world(world)


def url(name, emergency=None):
    base = reverse(f"emergencies:{name}")
    return f"{base}?emergency={emergency.pk}" if emergency else base


def test_member_sees_the_committees_call_and_pledges(w, client):
    request = RequestFactory().get("/")
    request.user = w.wang_user
    panel = pledge_panel(request)
    assert [r["emergency"] for r in panel["rows"]] == [w.emergency] and panel["rows"][0]["mine"] is None
    html = render_to_string("emergencies/pledge_home_panel.html", {"panel": panel})
    assert "请战倡议" in html and "我要请战" in html
    client.force_login(w.wang_user)
    page = client.get(url("pledge_new", w.emergency))
    assert page.status_code == 200
    body = page.content.decode()
    assert "疫情就是命令" in body and "一线救治" in body and 'name="member"' not in body
    response = client.post(
        url("pledge_new", w.emergency), {"text": "我请战！", "willing": "ward", "idempotency_key": "x1"}
    )
    assert response.status_code == 302 and response.url == reverse("emergencies:pledge_mine")
    p = Pledge.objects.get()
    assert p.member == w.wang and p.willing == "ward"
    mine = client.get(reverse("emergencies:pledge_mine")).content.decode()
    assert w.emergency.name in mine and "已提交" in mine
    again = client.get(url("pledge_new", w.emergency)).content.decode()
    assert "您已递交请战书" in again
    assert pledge_panel(request)["rows"][0]["mine"] == p
    # a clerk without a member record gets no panel
    request.user = w.clerk
    assert pledge_panel(request) is None


def test_member_refused_clearly_when_already_on_a_commando_team(w, client):
    team = TeamFactory(name="急诊突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - DAY)
    client.force_login(w.wang_user)
    response = client.post(url("pledge_new", w.emergency), {"text": "我请战！", "willing": "any"})
    assert response.status_code == 400
    assert "急诊突击队" in response.content.decode()
    assert not Pledge.objects.exists()


def test_member_cannot_see_colleagues_pledges(w, client):
    theirs = pledge(w, w.li, text="李护士的请战书")
    mine = pledge(w, w.wang, text="王医生的请战书")
    client.force_login(w.wang_user)
    assert client.get(reverse("emergencies:pledge_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("emergencies:pledge_detail", args=[mine.pk])).status_code == 200
    listing = client.get(url("pledge_list", w.emergency)).content.decode()
    assert "王医生" in listing and "李护士" not in listing
    assert client.post(reverse("emergencies:pledge_withdraw", args=[theirs.pk])).status_code == 404


def test_clerk_list_counts_filters_and_forms_a_team(w, client):
    a, b = pledge(w, w.wang, willing="ward"), pledge(w, w.li, willing="screening")
    pledge(w, w.zhao, willing="ward")
    client.force_login(w.clerk)
    listing = client.get(url("pledge_list", w.emergency)).content.decode()
    assert 'data-count="submitted">3<' in listing and "外科党支部" in listing
    filtered = client.get(url("pledge_list", w.emergency) + "&willing=ward").content.decode()
    assert "王医生" in filtered and "李护士" not in filtered
    form = client.get(url("team_commando_new", w.emergency))
    assert form.status_code == 200 and f'value="{a.pk}"' in form.content.decode()
    response = client.post(
        url("team_commando_new", w.emergency), {"name": "第一突击队", "pledges": [a.pk, b.pk], "leader": a.pk}
    )
    assert response.status_code == 302
    link = EmergencyTeam.objects.get()
    assert link.team.memberships.count() == 2
    detail = client.get(response.url).content.decode()
    assert "第一突击队" in detail and "王医生" in detail and "队长" in detail
    counts = client.get(url("pledge_list", w.emergency)).content.decode()
    assert 'data-count="selected">2<' in counts


def test_team_form_errors_beside_rows_nothing_saved(w, client):
    a = pledge(w, w.wang)
    b = pledge(w, w.li)
    other = TeamFactory(name="病区突击队", kind=Team.Kind.COMMANDO, owner_org=w.branch_a)
    MembershipFactory(team=other, member=w.li, start_on=TODAY - DAY)
    client.force_login(w.clerk)
    response = client.post(url("team_commando_new", w.emergency), {"name": "第二突击队", "pledges": [a.pk, b.pk]})
    assert response.status_code == 400
    assert "病区突击队" in response.content.decode()
    assert not EmergencyTeam.objects.exists()


def test_secretary_enters_paper_pledge_and_cannot_form_committee_team(w, client):
    client.force_login(w.secretary)
    page = client.get(url("pledge_new", w.emergency)).content.decode()
    assert 'name="member"' in page and "赵医生" not in page
    response = client.post(url("pledge_new", w.emergency), {"text": "纸质请战书", "willing": "any", "member": w.li.pk})
    assert response.status_code == 302
    assert Pledge.objects.get().member == w.li
    assert client.get(url("team_commando_new", w.emergency)).status_code == 403


def test_emergency_page_people_section(w, client):
    pledge(w, w.wang)
    client.force_login(w.clerk)
    try:
        detail = reverse("emergencies:detail", args=[w.emergency.pk])
    except Exception:  # the command part's page
        pytest.skip("emergency page not there")
    body = client.get(detail).content.decode()
    assert "已收到请战书 1 份" in body and "组建突击队" in body
    client.force_login(w.li_user)
    body = client.get(detail).content.decode()
    assert "我要请战" in body


def test_out_of_reach_emergency_is_404(w, client):
    client.force_login(w.zhao_user)
    from .factories_people import EmergencyFactory

    elsewhere = EmergencyFactory(org=w.branch_a)
    assert client.get(url("pledge_new", elsewhere)).status_code == 404
    assert client.get(reverse("emergencies:pledge_new") + "?emergency=abc").status_code == 404
    assert client.get(reverse("emergencies:pledge_list") + "?emergency=99999999999999999999").status_code == 404

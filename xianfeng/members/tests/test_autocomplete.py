"""The member picker's search (members:autocomplete) and the forms that use it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.core.fields import phone_tail
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.forms import MembershipForm
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import TeamFactory

URL = reverse("members:autocomplete")


@pytest.fixture
def people(world):
    return {
        "wang": MemberFactory(name="王建國", branch=world.branch_a, volunteer_no="ZY2026000123", phone="13812345678"),
        "li": MemberFactory(name="李明", branch=world.group_a, phone="13900004321"),
        "out": MemberFactory(name="王外科", branch=world.branch_b, phone="13700005678"),
    }


def found(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


@pytest.mark.parametrize("query", ["王建国", "王建", "wjg", "WJ", "ZY2026000123", "zy20260001", "5678"])
def test_finds_by_name_initials_volunteer_number_and_phone_tail(world, people, login, query):
    texts = found(login(world.owner), query)
    assert texts == ["王建國（内科党支部） ZY2026000123"]


def test_outsiders_people_never_appear(world, people, login):
    assert found(login(world.owner), "王") == ["王建國（内科党支部） ZY2026000123"]
    assert found(login(world.outsider), "王") == ["王外科（外科党支部）"]
    assert found(login(world.outsider), "5678") == ["王外科（外科党支部）"]
    assert found(login(world.outsider), "lm") == []


def test_labels_hold_no_id_number_or_full_phone(world, people, login):
    body = login(world.owner).get(URL, {"q": "5678"}).content.decode()
    assert "13812345678" not in body and "1234" not in body


def test_at_most_twenty_and_bounded_queries(world, login):
    for n in range(30):
        MemberFactory(name=f"张{n:02d}", branch=world.branch_a)
    client = login(world.owner)
    found(client, "张")  # warm up the session and grants
    with CaptureQueriesContext(connection) as queries:
        texts = found(client, "张")
    assert len(texts) == 20
    assert len(queries) <= 8
    assert found(client, "") == []


def test_phone_tail_is_kept_up_to_date(world, people):
    wang = people["wang"]
    assert wang.phone_last4 == "5678"
    wang.phone = "+86 139-0000-2468"
    wang.save()
    wang.refresh_from_db()
    assert wang.phone_last4 == "2468"
    assert phone_tail("１３８１２３４５６７８") == "5678" and phone_tail("12") == ""


def test_users_who_may_not_see_members_are_refused(world, login):
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.core.tests.factories import user_with_grant

    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, username="auditor")
    assert login(auditor).get(URL, {"q": "王"}).status_code == 403


def test_team_form_renders_only_the_chosen_member_and_refuses_out_of_scope(world, people, login):
    from xianfeng.members.selectors import member_choices

    form = MembershipForm(member_choices=member_choices(user=world.owner))
    html = str(form["member"])
    assert 'data-autocomplete-url="/members/autocomplete/"' in html
    assert "王建國" not in html and "李明" not in html  # no list of everyone
    chosen = MembershipForm({"member": people["li"].pk}, member_choices=member_choices(user=world.owner))
    assert "李明" in str(chosen["member"]) and "王建國" not in str(chosen["member"])
    outside = MembershipForm(
        {"member": people["out"].pk, "role": "member", "start_on": "2024-07-01"},
        member_choices=member_choices(user=world.owner),
    )
    assert not outside.is_valid() and "member" in outside.errors

    team = TeamFactory(name="抗洪突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    client = login(world.owner)
    url = reverse("teams:membership_add", args=[team.pk])
    response = client.post(url, {"member": people["out"].pk, "role": "member", "start_on": "2024-07-01"})
    assert response.status_code == 400 and "member" in response.context["form"].errors
    assert not team.memberships.exists()
    response = client.post(url, {"member": people["li"].pk, "role": "member", "start_on": "2024-07-01"})
    assert response.status_code == 302 and team.memberships.get().member == people["li"]

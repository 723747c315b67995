"""Every page of members and teams renders for the owner; object pages are 404 for the outsider."""

import datetime

import pytest
from django.urls import reverse

from xianfeng.members.pipeline import Step
from xianfeng.members.services import party_step_record
from xianfeng.members.tests.factories import MemberFactory, make_id_number
from xianfeng.teams import services

from .factories import PostFactory, TeamFactory, ZoneFactory


@pytest.fixture
def objects(world):
    member = MemberFactory(name="张三", branch=world.group_a, id_number=make_id_number(), phone="13812345678")
    party_step_record(acting_user=world.owner, member=member, step=Step.APPLY, on_date=datetime.date(2024, 1, 1))
    team = TeamFactory(owner_org=world.branch_a)
    membership = services.membership_add(
        acting_user=world.owner, team=team, member=member, start_on=datetime.date(2024, 1, 1)
    )
    post, zone = PostFactory(owner_org=world.branch_a), ZoneFactory(owner_org=world.branch_a)
    services.post_assign(acting_user=world.owner, post=post, member=member, start_on=datetime.date(2024, 1, 1))
    return {"member": member, "team": team, "membership": membership, "post": post, "zone": zone}


LISTS = [
    "members:list",
    "members:worklist",
    "members:create",
    "members:export",
    "teams:list",
    "teams:create",
    "teams:post_list",
    "teams:post_create",
    "teams:zone_list",
    "teams:zone_create",
]
OBJECT_PAGES = [
    ("members:detail", "member"),
    ("members:edit", "member"),
    ("members:step_create", "member"),
    ("members:transfer", "member"),
    ("members:reveal", "member"),
    ("teams:detail", "team"),
    ("teams:edit", "team"),
    ("teams:dissolve", "team"),
    ("teams:membership_add", "team"),
    ("teams:rotate", "team"),
    ("teams:export", "team"),
    ("teams:membership_end", "membership"),
    ("teams:post_detail", "post"),
    ("teams:zone_detail", "zone"),
]


def test_every_page_renders_for_the_owner(world, objects, login):
    client = login(world.owner)
    for name in LISTS:
        assert client.get(reverse(name)).status_code == 200, name
    for name, key in OBJECT_PAGES:
        response = client.get(reverse(name, args=[objects[key].pk]))
        assert response.status_code == 200, name
    detail = client.get(reverse("members:detail", args=[objects["member"].pk])).content.decode()
    assert "入党谈话" in detail and objects["team"].name in detail and objects["post"].name in detail
    assert client.get(reverse("members:list") + "?q=zs", headers={"HX-Request": "true"}).status_code == 200
    assert client.get(reverse("teams:list"), headers={"HX-Request": "true"}).status_code == 200


def test_object_pages_are_404_for_the_outsider(world, objects, login):
    client = login(world.outsider)
    for name, key in OBJECT_PAGES:
        assert client.get(reverse(name, args=[objects[key].pk])).status_code == 404, name


def test_navigation_shows_the_modules(world, login):
    page = login(world.reader).get(reverse("core:home")).content.decode()
    assert reverse("members:list") in page and reverse("teams:list") in page

"""List pages of members and teams issue the same number of queries for few rows and for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.tests.factories import MemberFactory, PartyStepFactory
from xianfeng.teams.models import PostAssignment, ZoneAssignment

from .factories import MembershipFactory, PostFactory, TeamFactory, ZoneFactory


def grow(world, n):
    for _ in range(n):
        member = MemberFactory(branch=world.group_a, party_stage=Stage.APPLICANT, next_due_on=datetime.date(2024, 1, 1))
        PartyStepFactory(member=member, step=Step.APPLY, on_date=datetime.date(2023, 12, 1))
        MembershipFactory(team=TeamFactory(owner_org=world.branch_a), member=member)
        post, zone = PostFactory(owner_org=world.branch_a), ZoneFactory(owner_org=world.branch_a)
        PostAssignment.objects.create(post=post, member=member, start_on=datetime.date(2024, 1, 1))
        ZoneAssignment.objects.create(zone=zone, member=member, start_on=datetime.date(2024, 1, 1))


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url_name", ["members:list", "members:worklist", "teams:list", "teams:post_list", "teams:zone_list"]
)
def test_list_queries_do_not_grow_with_rows(world, login, url_name):
    client = login(world.owner)
    url = reverse(url_name)
    grow(world, 2)
    client.get(url)  # the first request fills the caches (grants, counts)
    few = count(client, url)
    grow(world, 8)
    assert count(client, url) == few

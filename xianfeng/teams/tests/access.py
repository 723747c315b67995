"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.core.tests.access import object_maker
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Post, Team, TeamMembership, Zone

from .factories import MembershipFactory, PostFactory, TeamFactory, ZoneFactory


def _org(world, inside: bool):
    return world.group_a if inside else world.branch_b


@object_maker(Team)
def team(world, inside: bool):
    return TeamFactory(owner_org=_org(world, inside))


@object_maker(TeamMembership)
def membership(world, inside: bool):
    org = _org(world, inside)
    return MembershipFactory(team=TeamFactory(owner_org=org), member=MemberFactory(branch=org))


@object_maker(Post)
def post(world, inside: bool):
    return PostFactory(owner_org=_org(world, inside))


@object_maker(Zone)
def zone(world, inside: bool):
    return ZoneFactory(owner_org=_org(world, inside))

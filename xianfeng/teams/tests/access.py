"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.regions.models import Region
from xianfeng.teams.models import Post, Team, TeamMembership, Zone

from .factories import MembershipFactory, PostFactory, TeamFactory, ZoneFactory


@object_maker(Team, marker=lambda team: team.name)
def team(world, relation, user):
    # A team belongs to its owner org; it has no place and no owner.
    if relation in (IN_REGION, OWN):
        return None
    return TeamFactory(name=f"{LABELS[relation]}队伍", owner_org=world.orgs[relation])


@object_maker(TeamMembership, marker=lambda membership: membership.member.name)
def membership(world, relation, user):
    # Own: the user's own membership, in a team of an org nobody is granted.
    if relation == IN_REGION:
        return None
    org = world.orgs[relation]
    member = None
    if relation == OWN:
        member = Member.objects.filter(user=user).first()
    member = member or MemberFactory(name=f"{LABELS[relation]}队员", branch=org, user=user if relation == OWN else None)
    return MembershipFactory(team=TeamFactory(name=f"{LABELS[relation]}所在队", owner_org=org), member=member)


@object_maker(Post, marker=lambda post: post.name)
def post(world, relation, user):
    if relation in (IN_REGION, OWN):
        return None
    return PostFactory(name=f"{LABELS[relation]}先锋岗", owner_org=world.orgs[relation])


@object_maker(Zone, marker=lambda zone: zone.name)
def zone(world, relation, user):
    # A zone belongs to its owner org and covers regions: in_region is a zone of the org that
    # serves the granted township, covering it.
    if relation == OWN:
        return None
    zone = ZoneFactory(name=f"{LABELS[relation]}责任区", owner_org=world.orgs[relation])
    zone.regions.add(Region.objects.get(code=world.towns[relation]))
    return zone

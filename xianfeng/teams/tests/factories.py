import datetime

import factory

from xianfeng.core.tests.factories import OrganizationFactory
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Post, Team, TeamMembership, Zone


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"第{n}突击队")
    kind = Team.Kind.COMMANDO
    owner_org = factory.SubFactory(OrganizationFactory)
    active_from = datetime.date(2020, 1, 1)
    name_norm = factory.LazyAttribute(lambda o: normalize_name(o.name))
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    member = factory.SubFactory(MemberFactory)
    start_on = datetime.date(2022, 1, 1)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    name = factory.Sequence(lambda n: f"党员先锋岗{n}")
    owner_org = factory.SubFactory(OrganizationFactory)
    active_from = datetime.date(2020, 1, 1)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"责任区{n}")
    owner_org = factory.SubFactory(OrganizationFactory)
    active_from = datetime.date(2020, 1, 1)

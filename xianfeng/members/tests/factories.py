import datetime

import factory

from xianfeng.core.idnumber import check_char
from xianfeng.core.tests.factories import OrganizationFactory
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.members.models import Member, PartyStep


def make_id_number(birth: datetime.date = datetime.date(1990, 3, 7), serial: int = 123, region: str = "210681") -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"成员{n}")
    branch = factory.SubFactory(OrganizationFactory)
    gender = Member.Gender.MALE
    birth_date = datetime.date(1990, 3, 7)
    name_norm = factory.LazyAttribute(lambda o: normalize_name(o.name))
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))


class PartyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyStep

    member = factory.SubFactory(MemberFactory)
    branch = factory.LazyAttribute(lambda o: o.member.branch)

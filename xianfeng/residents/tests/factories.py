"""Test data for the registry: a small county with two townships, written directly."""

import datetime

import factory

from xianfeng.core.idnumber import check_char
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, Resident

COUNTY = "210681"
TOWN_A = "210681101"  # 孤山镇
TOWN_B = "210681104"  # 前阳镇
VILLAGE_A = "210681101200"
VILLAGE_A2 = "210681101201"
VILLAGE_B = "210681104200"


def region(code: str, name: str) -> Region:
    level = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}[len(code)]
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "name_norm": normalize_name(name),
            "name_initials": pinyin_initials(name),
        },
    )
    return obj


def county_regions() -> dict[str, Region]:
    """东港市 with 孤山镇 (two villages) and 前阳镇 (one village)."""
    names = {
        "21": "辽宁省",
        "2106": "丹东市",
        COUNTY: "东港市",
        TOWN_A: "孤山镇",
        TOWN_B: "前阳镇",
        VILLAGE_A: "冯家屯村委会",
        VILLAGE_A2: "谷家屯村委会",
        VILLAGE_B: "前阳村委会",
    }
    return {code: region(code, name) for code, name in names.items()}


def make_id_number(birth: datetime.date, serial: int = 1, female: bool = False, area: str = COUNTY) -> str:
    seq = serial * 2 % 1000 + (0 if female else 1)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"[:17]
    return first17 + check_char(first17)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"居民{n}")
    gender = "M"
    birth_date = datetime.date(1960, 5, 1)
    village_id = VILLAGE_A
    name_norm = factory.LazyAttribute(lambda o: normalize_name(o.name))
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village_id = VILLAGE_A
    number = factory.Sequence(lambda n: f"H{n:04d}")

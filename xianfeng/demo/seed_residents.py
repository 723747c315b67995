"""Demo residents and households in 东港市's villages: a few hundred people through the same
services the pages use, some written in Traditional characters (陳大文), some without ID
numbers, a few possible duplicates to merge, special groups and household categories.
Idempotent: nothing is added once demo residents exist."""

import datetime
import random

from xianfeng.core.idnumber import check_char
from xianfeng.regions.models import Region
from xianfeng.residents import rules, services
from xianfeng.residents.models import Consent, Relation, Resident

COUNTY = "210681"
TOWNSHIPS = ["210681101", "210681104", "210681105", "210681106", "210681107"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志海燕春梅凤德胜永红淑珍"
TRADITIONAL = {
    "陈": "陳",
    "刘": "劉",
    "张": "張",
    "黄": "黃",
    "赵": "趙",
    "杨": "楊",
    "吴": "吳",
    "郑": "鄭",
    "华": "華",
    "国": "國",
    "军": "軍",
    "丽": "麗",
    "凤": "鳳",
    "兰": "蘭",
    "红": "紅",
    "胜": "勝",
    "伟": "偉",
}
RESIDENT_TAGS = ["severe_mental", "pregnant", "student", "disabled", "hubei_family", "chronic", "left_behind"]
HOUSEHOLD_TAGS = ["monitored", "lifted", "dibao", "tekun"]


def _id_number(rng, birth: datetime.date, female: bool, used: set) -> str:
    while True:
        seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
        first17 = f"{COUNTY}{birth:%Y%m%d}{seq:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + check_char(first17)


def _name(rng) -> str:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    if rng.random() < 0.15:
        name = "".join(TRADITIONAL.get(c, c) for c in name)
    return name


def seed_residents(admin, households: int = 120) -> int:
    """About 300 residents in ~120 households; returns how many were created."""
    if Resident.objects.filter(village__code__startswith=COUNTY).exists():
        return 0
    villages = []
    for township in TOWNSHIPS:
        villages.extend(Region.objects.filter(code__startswith=township, level=Region.Level.VILLAGE)[:4])
    if not villages:
        return 0
    rng = random.Random(2026)
    used: set = set()
    created = 0
    for number in range(1, households + 1):
        village = villages[number % len(villages)]
        address = f"{village.name[:3]}{rng.randint(1, 200)}号"
        head = None
        household = None
        for member in range(rng.choice((1, 2, 2, 3, 3, 4))):
            female = rng.random() < 0.5
            birth = datetime.date(rng.randint(1935, 2018), rng.randint(1, 12), rng.randint(1, 28))
            with_id = rng.random() > 0.08
            resident = services.resident_create(
                acting_user=admin,
                name=_name(rng),
                village=village,
                id_number=_id_number(rng, birth, female, used) if with_id else "",
                birth_date=birth,
                gender="F" if female else "M",
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "",
                address=address,
            )
            created += 1
            if member == 0:
                head = resident
                household = services.household_create(
                    acting_user=admin, village=village, head=head, number=f"DG{number:04d}", address=address
                )
                if rng.random() < 0.25:
                    services.household_tag_add(
                        acting_user=admin,
                        household=household,
                        tag=rng.choice(HOUSEHOLD_TAGS),
                        valid_from=datetime.date(2023, rng.randint(1, 12), 1),
                    )
            else:
                relation = rng.choice([Relation.SPOUSE, Relation.CHILD, Relation.CHILD, Relation.PARENT])
                services.household_add_member(
                    acting_user=admin, household=household, resident=resident, relation=relation
                )
            if rng.random() < 0.2:
                # Only groups that fit the person's sex and age (residents/rules.py), as a clerk would.
                fitting = rules.allowed_tags(RESIDENT_TAGS, gender=resident.gender, birth_date=birth)
                services.resident_tag_add(
                    acting_user=admin,
                    resident=resident,
                    tag=rng.choice(fitting),
                    valid_from=datetime.date(2024, rng.randint(1, 12), 1),
                )
            if rng.random() < 0.3:
                services.consent_record(
                    acting_user=admin,
                    resident=resident,
                    kind=Consent.Kind.SERVICE,
                    on_date=datetime.date(2025, rng.randint(1, 12), 1),
                )
    # The people the walkthrough looks for: 陳大文 (find him as 陈大文 or cdw) and a duplicate of him.
    gushan = villages[0]
    chan = services.resident_create(
        acting_user=admin,
        name="陳大文",
        village=gushan,
        birth_date=datetime.date(1958, 3, 2),
        gender="M",
        id_number=_id_number(rng, datetime.date(1958, 3, 2), False, used),
        phone="13904150001",
        address=f"{gushan.name[:3]}8号",
    )
    services.resident_tag_add(
        acting_user=admin, resident=chan, tag="severe_mental", valid_from=datetime.date(2019, 6, 1)
    )
    services.resident_create(
        acting_user=admin,
        name="陈 大文",
        village=gushan,
        birth_date=datetime.date(1958, 3, 2),
        address=f"{gushan.name[:3]}8号",
        note="村医手工登记，待核对",
    )
    return created + 2

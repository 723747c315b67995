"""Demo materials (issue 12 §3): the women's federation's mask workshop and its donation drive,
the social-work centre's gifts, and a wheelchair the village work team gave to a villager.

Everything goes through the services (stock under its lock, one ServiceRecord per distribution,
ChangeLog rows), each write with an idempotency key starting with ``demo-materials-``: a second
run replays them and changes nothing. Dates are relative to today.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from xianfeng.materials.models import Item
from xianfeng.materials.services import receipt_create
from xianfeng.materials.services_distributions import distribution_create
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.residents.models import Resident
from xianfeng.servicelog.models import Activity
from xianfeng.servicelog.services_activities import activity_create

KEY = "demo-materials-"
WOMEN = "医院妇女委员会"
SOCIAL = "东港市阳光社会工作服务中心"
VILLAGE_TEAM = "驻村工作队临时党支部"
GUSHAN = "210681101"  # 孤山镇
TEAM_VILLAGE = "210681113200"

# donor name, kind, item code, quantity, value in yuan, public, days ago, receipt number
DRIVE = [
    ("东港市粮油有限公司", "company", "food", 300, 9000, True, 34, "FL-2401"),
    ("丹东海鲜食品厂", "company", "food", 200, 7000, True, 33, "FL-2402"),
    ("刘桂芝", "person", "food", 40, 1200, True, 33, "FL-2403"),
    ("王先生", "person", "money", 2000, None, False, 32, "FL-2404"),
    ("东港市个体劳动者协会", "organization", "money", 5000, None, True, 31, "FL-2405"),
]


def _day(today: datetime.date, days_ago: int) -> datetime.date:
    return today - datetime.timedelta(days=days_ago)


def _receive(admin, key: str, **fields):
    return receipt_create(acting_user=admin, idempotency_key=KEY + key, **fields).receipt


def _give(admin, key: str, **fields):
    return distribution_create(acting_user=admin, idempotency_key=KEY + key, **fields).distribution


def _workshop(admin, women, today: datetime.date) -> Activity:
    """口罩生产车间: six days of volunteers sewing masks, their hours on the activity."""
    start = timezone.make_aware(datetime.datetime.combine(_day(today, 40), datetime.time(8, 0)))
    volunteers = list(
        Member.objects.filter(gender=Member.Gender.FEMALE, branch__path__startswith=women.parent.path).order_by("pk")[
            :8
        ]
    )
    return activity_create(
        acting_user=admin,
        idempotency_key=KEY + "workshop",
        status=Activity.Status.HELD,
        title="口罩生产车间",
        kind=Activity.Kind.OTHER,
        start_at=start,
        end_at=start + datetime.timedelta(days=5, hours=9),
        org=women,
        # The hospital's staff house, in the county town's 大东街道 (every held activity has a place).
        region=Region.objects.filter(code="210681001").first(),
        place="医院职工之家",
        note="妇女委员会组织女职工和志愿者临时生产口罩",
        participants=[(member, Decimal("24")) for member in volunteers],  # 4 hours a day for six days
    ).activity


def seed_materials(admin, orgs, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    items = {i.code: i for i in Item.objects.all()}
    women, social, team = orgs.get(WOMEN), orgs.get(SOCIAL), orgs.get(VILLAGE_TEAM)
    if women is None or social is None or not {"masks", "food", "money", "clothes", "wheelchair"} <= set(items):
        return
    masks, food, money = items["masks"], items["food"], items["money"]

    workshop = _workshop(admin, women, today)
    _receive(
        admin,
        "masks",
        org=women,
        item=masks,
        quantity=Decimal("10000"),
        received_on=workshop.end_at.date() if workshop.end_at else _day(today, 35),
        kind="produced",
        activity=workshop,
        note="口罩生产车间第一批",
    )
    _give(
        admin,
        "nursing-home",
        org=women,
        item=masks,
        quantity=Decimal("3000"),
        served_on=_day(today, 30),
        recipient_kind="organization",
        recipient_name="孤山镇敬老院",
        note="送口罩到敬老院",
    )
    residents = Resident.objects.filter(village__code__startswith=GUSHAN, merged_into__isnull=True).order_by("pk")[:6]
    for n, resident in enumerate(residents):
        _give(
            admin,
            f"masks-resident-{n}",
            org=women,
            item=masks,
            quantity=Decimal("20"),
            served_on=_day(today, 28 - n),
            recipient_kind="resident",
            resident=resident,
        )

    for n, (donor, kind, code, quantity, value, public, days_ago, number) in enumerate(DRIVE):
        _receive(
            admin,
            f"drive-{n}",
            org=women,
            item=items[code],
            quantity=Decimal(quantity),
            value_yuan=Decimal(value) if value else None,
            received_on=_day(today, days_ago),
            kind="donated",
            donor_kind=kind,
            donor_name=donor,
            donor_public=public,
            receipt_number=number,
        )
    _give(
        admin,
        "families",
        org=women,
        item=food,
        quantity=Decimal("252"),
        served_on=_day(today, 29),
        recipient_kind="outbound_families",
        households_count=63,
        note="一线医护人员家属慰问，每户 4 件",
    )

    # The social-work centre: 4 000 元 to a charity, 2 000 元 of goods to a community.
    _receive(
        admin,
        "social-money",
        org=social,
        item=money,
        quantity=Decimal("4000"),
        received_on=_day(today, 26),
        kind="donated",
        donor_kind="organization",
        donor_name="东港市阳光社会工作服务中心理事会",
    )
    _give(
        admin,
        "social-charity",
        org=social,
        item=money,
        quantity=Decimal("4000"),
        served_on=_day(today, 25),
        recipient_kind="organization",
        recipient_name="东港市慈善总会",
    )
    _receive(
        admin,
        "social-goods",
        org=social,
        item=items["clothes"],
        quantity=Decimal("100"),
        value_yuan=Decimal("2000"),
        received_on=_day(today, 26),
        kind="purchased",
    )
    _give(
        admin,
        "social-community",
        org=social,
        item=items["clothes"],
        quantity=Decimal("100"),
        served_on=_day(today, 24),
        recipient_kind="organization",
        recipient_name="新兴社区居委会",
        note="折合 2000 元",
    )

    # A wheelchair the village work team replaced for a disabled villager.
    villager = Resident.objects.filter(village_id=TEAM_VILLAGE, merged_into__isnull=True).order_by("pk").first()
    if team is None or villager is None:
        return
    _receive(
        admin,
        "wheelchair",
        org=team,
        item=items["wheelchair"],
        quantity=Decimal("1"),
        value_yuan=Decimal("680"),
        received_on=_day(today, 12),
        kind="donated",
        donor_kind="organization",
        donor_name="东港市残疾人联合会",
    )
    _give(
        admin,
        "wheelchair-given",
        org=team,
        item=items["wheelchair"],
        quantity=Decimal("1"),
        served_on=_day(today, 10),
        recipient_kind="resident",
        resident=villager,
        note="更换轮椅",
    )

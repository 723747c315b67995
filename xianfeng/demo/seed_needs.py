"""Demo 民情台账: the village work team's ledger (issue 12 §2, the seed article: 401 households
walked, 956 telephoned, errands run, medicine bought, a disabled villager's wheelchair replaced,
eggs and vegetables sold). About thirty needs over the last three months, raised on visits and
by phone, most resolved with the service records that resolved them (送药上门, 代办代购, 辅助器具发放,
车辆接送), three closed unresolved with their reasons, five still open of which two are overdue, and
one assigned to the demo volunteer (dangyuan) so their 工作台 shows it.

Everything goes through the services the pages use; dates are relative to today. Idempotent:
once the team's organization has needs, nothing is added.
"""

import datetime

from django.utils import timezone

from xianfeng.members.models import Member
from xianfeng.needs import services
from xianfeng.needs.models import Category, Need, Source
from xianfeng.regions.models import Region
from xianfeng.residents import services as resident_services
from xianfeng.residents.models import Household, Relation
from xianfeng.servicelog.models import ServiceType
from xianfeng.servicelog.services import record_create
from xianfeng.teams.models import Team, TeamMembership

BRANCH = "驻村工作队临时党支部"
TEAM = "驻油坊村工作队"
# 油坊村 of 马家店镇, where the work team is stationed (the branch's served village when it is one).
VILLAGE = "210681113200"
KEY = "demo-needs-"

# Households of the village: (number, [(name, gender, birth year, relation)])
FAMILIES = [
    ("YF0001", [("于长福", "M", 1948, Relation.HEAD), ("于王氏", "F", 1950, Relation.SPOUSE)]),
    ("YF0002", [("曲凤兰", "F", 1943, Relation.HEAD)]),
    ("YF0003", [("孙德胜", "M", 1956, Relation.HEAD), ("孙丽娟", "F", 1984, Relation.CHILD)]),
    ("YF0004", [("姜玉珍", "F", 1939, Relation.HEAD)]),
    ("YF0005", [("刘永红", "M", 1962, Relation.HEAD), ("刘桂英", "F", 1963, Relation.SPOUSE)]),
    ("YF0006", [("宋志海", "M", 1971, Relation.HEAD)]),
    ("YF0007", [("隋淑珍", "F", 1946, Relation.HEAD), ("隋建国", "M", 1970, Relation.CHILD)]),
    ("YF0008", [("王春梅", "F", 1958, Relation.HEAD)]),
    ("YF0009", [("鞠国强", "M", 1952, Relation.HEAD), ("鞠秀英", "F", 1954, Relation.SPOUSE)]),
    ("YF0010", [("林德华", "M", 1966, Relation.HEAD)]),
    ("YF0011", [("崔玉兰", "F", 1941, Relation.HEAD)]),
    ("YF0012", [("谭文杰", "M", 1975, Relation.HEAD), ("谭明", "M", 2010, Relation.CHILD)]),
]

DONE, NOT_DONE, OPEN = "resolved", "unresolved", "open"
# title, category, source, (household, member), raised days ago, outcome, evidence type, days to
# resolve (or due in days for open needs; negative = overdue), note
LEDGER = [
    (
        "更换轮椅",
        Category.ASSISTIVE,
        Source.VISIT,
        (0, 0),
        80,
        DONE,
        "assistive_device",
        12,
        "旧轮椅损坏，送去新轮椅",
    ),
    (
        "代购降压药",
        Category.MEDICINE,
        Source.PHONE,
        (1, 0),
        85,
        DONE,
        "medicine_delivery",
        2,
        "代购苯磺酸氨氯地平送到家",
    ),
    ("代购降糖药", Category.MEDICINE, Source.PHONE, (3, 0), 78, DONE, "medicine_delivery", 3, "代购二甲双胍送到家"),
    ("陪同县医院复查", Category.MEDICAL, Source.VISIT, (2, 0), 75, DONE, "transport", 5, "开车接送到县医院复查"),
    ("办理慢病报销", Category.DOCUMENTS, Source.VISIT, (4, 0), 72, DONE, "errands", 9, "代办门诊慢病报销手续"),
    ("销售自家鸡蛋", Category.PRODUCE, Source.VISIT, (5, 0), 70, DONE, "errands", 6, "联系医院食堂收购鸡蛋 300 枚"),
    ("代购老花镜", Category.OTHER, Source.PHONE, (7, 0), 66, DONE, "errands", 4, "代购老花镜送到家"),
    ("补办残疾证", Category.DOCUMENTS, Source.VISIT, (6, 1), 64, DONE, "errands", 15, "陪同到县残联补办残疾证"),
    ("送药上门", Category.MEDICINE, Source.PHONE, (10, 0), 60, DONE, "medicine_delivery", 1, "送去常用药"),
    ("购买助行器", Category.ASSISTIVE, Source.VISIT, (8, 0), 58, DONE, "assistive_device", 10, "送去助行器一副"),
    ("接送透析", Category.TRANSPORT, Source.PHONE, (4, 1), 55, DONE, "transport", 2, "接送到乡卫生院透析"),
    ("销售秋白菜", Category.PRODUCE, Source.VISIT, (9, 0), 52, DONE, "errands", 8, "联系超市收购白菜 800 斤"),
    ("代购胰岛素", Category.MEDICINE, Source.PHONE, (3, 0), 50, DONE, "medicine_delivery", 2, "代购胰岛素并冷链送到家"),
    ("办理医保转移", Category.DOCUMENTS, Source.VISIT, (11, 0), 47, DONE, "errands", 12, "代办医保关系转移"),
    ("陪同眼科就诊", Category.MEDICAL, Source.VISIT, (0, 1), 44, DONE, "transport", 4, "陪同到市医院眼科就诊"),
    ("代购护理垫", Category.OTHER, Source.PHONE, (1, 0), 40, DONE, "errands", 2, "代购护理垫两包"),
    ("销售土鸡", Category.PRODUCE, Source.VISIT, (5, 1), 36, DONE, "errands", 7, "帮助在医院工会团购土鸡 20 只"),
    ("送药上门", Category.MEDICINE, Source.PHONE, (10, 0), 30, DONE, "medicine_delivery", 1, "送去常用药"),
    ("更换坐便椅", Category.ASSISTIVE, Source.VISIT, (3, 0), 26, DONE, "assistive_device", 6, "送去坐便椅一把"),
    ("代购血压计", Category.OTHER, Source.PHONE, (7, 0), 22, DONE, "errands", 3, "代购电子血压计并教会使用"),
    ("接送县医院体检", Category.TRANSPORT, Source.PHONE, (8, 1), 18, DONE, "transport", 2, "开车接送到县医院体检"),
    ("代购降压药", Category.MEDICINE, Source.PHONE, (1, 0), 14, DONE, "medicine_delivery", 1, "代购降压药送到家"),
    (
        "危房改造补助",
        Category.HOUSING,
        Source.VISIT,
        (11, 0),
        82,
        NOT_DONE,
        "",
        30,
        "不符合今年危房改造补助条件",
    ),
    ("申请低保", Category.DOCUMENTS, Source.VISIT, (9, 0), 62, NOT_DONE, "", 21, "家庭收入超过低保标准，已解释政策"),
    ("修村道路灯", Category.OTHER, Source.PHONE, (6, 0), 45, NOT_DONE, "", 20, "属村集体项目，已转村委会研究"),
    ("联系专家会诊", Category.MEDICAL, Source.VISIT, (2, 1), 25, OPEN, "", -5, ""),  # overdue
    ("代办养老保险认证", Category.DOCUMENTS, Source.PHONE, (4, 0), 20, OPEN, "", -2, ""),  # overdue
    ("销售秋季苹果", Category.PRODUCE, Source.VISIT, (5, 0), 6, OPEN, "", 5, ""),  # assigned to dangyuan
    ("更换助听器", Category.ASSISTIVE, Source.VISIT, (0, 0), 3, OPEN, "", 14, ""),
    ("接送镇卫生院理疗", Category.TRANSPORT, Source.PHONE, (7, 1), 1, OPEN, "", 0, ""),
]
VOLUNTEERS_NEED = "销售秋季苹果"  # assigned to the demo volunteer (dangyuan): on their 工作台
UNASSIGNED = {"更换助听器", "接送镇卫生院理疗"}  # just raised, still 待办


def _village() -> Region | None:
    return Region.objects.filter(pk=VILLAGE).first()


def _households(admin, village: Region) -> list[Household]:
    """The village's demo households (made once), each with its members."""
    found = {h.number: h for h in Household.objects.filter(village=village, number__startswith="YF")}
    made = []
    for number, people in FAMILIES:
        household = found.get(number)
        if household is None:
            for name, gender, year, relation in people:
                resident = resident_services.resident_create(
                    acting_user=admin,
                    name=name,
                    village=village,
                    gender=gender,
                    birth_date=datetime.date(year, 3, 1),
                    address=f"油坊村{number[-2:]}号",
                )
                if household is None:
                    household = resident_services.household_create(
                        acting_user=admin, village=village, head=resident, number=number
                    )
                else:
                    resident_services.household_add_member(
                        acting_user=admin, household=household, resident=resident, relation=relation
                    )
        made.append(household)
    return made


def _crew(team: Team, today: datetime.date) -> list[Member]:
    memberships = TeamMembership.objects.filter(team=team, start_on__lte=today).exclude(end_on__lt=today)
    return [m.member for m in memberships.select_related("member__branch").order_by("pk")]


def seed_needs(admin, orgs) -> None:
    branch = orgs.get(BRANCH)
    team = Team.objects.filter(name=TEAM).first()
    village = _village()
    if branch is None or team is None or village is None:
        return
    if Need.objects.filter(org=branch).exists():
        return
    today = timezone.localdate()
    crew = _crew(team, today) or list(Member.objects.filter(branch=branch)[:3])
    if not crew:
        return
    volunteer = Member.objects.filter(user__username="dangyuan").first()
    households = _households(admin, village)
    types = {t.code: t for t in ServiceType.objects.filter(code__in={row[6] for row in LEDGER if row[6]})}
    for number, row in enumerate(LEDGER, start=1):
        _one(admin, number, row, today, branch, team, crew, volunteer, households, types)


def _one(admin, number, row, today, branch, team, crew, volunteer, households, types) -> None:
    title, category, source, (h, m), ago, outcome, code, days, note = row
    household = households[h]
    residents = list(household.members.order_by("pk"))
    resident = residents[min(m, len(residents) - 1)]
    raised_on = today - datetime.timedelta(days=ago)
    worker = crew[number % len(crew)]
    assignee = volunteer if (title == VOLUNTEERS_NEED and volunteer is not None) else worker
    unassigned = title in UNASSIGNED
    if outcome == OPEN:
        due_on = today + datetime.timedelta(days=days)
    else:
        due_on = raised_on + datetime.timedelta(days=abs(days) + 7)
    need = services.need_create(
        acting_user=admin,
        title=title,
        category=category,
        resident=resident,
        source=source,
        raised_on=raised_on,
        org=branch,
        recorded_by_member=crew[0],
        assigned_member=None if unassigned else assignee,
        assigned_team=None if unassigned else team,
        due_on=due_on,
        raised_by_name="" if source == Source.VISIT else "家属来电",
        idempotency_key=f"{KEY}{number}",
    ).need
    if outcome == DONE:
        served_on = min(today, raised_on + datetime.timedelta(days=days))
        record = record_create(
            acting_user=admin,
            service_type=types[code],
            served_on=served_on,
            resident=resident,
            providers=[worker],
            team=team,
            org=branch,
            note=note,
            idempotency_key=f"{KEY}record-{number}",
        ).record
        services.need_resolve(acting_user=admin, need=need, records=[record], resolution_note=note, closed_on=served_on)
    elif outcome == NOT_DONE:
        closed_on = min(today, raised_on + datetime.timedelta(days=days))
        services.need_close_unresolved(acting_user=admin, need=need, reason=note, closed_on=closed_on)

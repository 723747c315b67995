"""Demo service log: the 365 days up to today of 东港市中心医院党委's service in 东港市.

About 170 activities across the county's 23 townships (义诊, 健康讲座, 集中送药, 心理健康进校园,
助农直播, 捐赠, 培训交流 with the township clinics, 走访慰问, 体检) with their teams, participants
and hours, headcounts and quantities (份, 册, 条, 元, 件, 套), and about 5 500 service records
to the demo residents and households (送药上门, 免费发药, 入户走访, 电话走访, 代办代购, 送餐上门…),
with providers drawn from the demo members and teams. The 精防医生 (jingfang) follows the
severe-mental-disorder patients of 孤山镇 and screens its residents (health-level records). The
demo volunteer (dangyuan) has records, activity hours and one volunteer certificate. A few
records are voided with a reason; two activities are planned for next week and one cancelled.

Shape: more service in spring and autumn, less in the summer holidays, around the Spring
Festival and the National Day week. Every row obeys ``servicelog.rules`` (dates within the
resident's life and not in the future, the type's unit, a subject where the type needs one).

Deterministic (seeded random, relative to today), idempotent (seeded rows carry idempotency
keys starting with ``demo-``; once they exist nothing is added) and fast: bulk inserts with the
FactPlace codes filled, no per-row services and no ChangeLog rows (like an import of paper
records from before the system).
"""

import datetime
import random
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, Resident, ResidentTag
from xianfeng.servicelog.certificates import certificate_issue
from xianfeng.servicelog.models import (
    Activity,
    ActivityParticipant,
    ActivityQuantity,
    RecordProvider,
    ServiceRecord,
    ServiceType,
    VolunteerCertificate,
)
from xianfeng.teams.models import Team, TeamMembership

COUNTY = "210681"
KEY = "demo-"
DAYS = 365
D = datetime.date
DAY = datetime.timedelta(days=1)
# 春节 (first day of the lunar year): the weeks around it are quiet.
SPRING_FESTIVAL = {2024: D(2024, 2, 10), 2025: D(2025, 1, 29), 2026: D(2026, 2, 17), 2027: D(2027, 2, 6)}
SPRING_FESTIVAL |= {2028: D(2028, 1, 26), 2029: D(2029, 2, 13), 2030: D(2030, 2, 3), 2031: D(2031, 1, 23)}
MONTH_WEIGHT = {1: 0.8, 2: 0.8, 3: 1.2, 4: 1.4, 5: 1.3, 6: 1.0, 7: 0.7, 8: 0.7, 9: 1.3, 10: 1.2, 11: 1.1, 12: 0.9}
# Township → the branch that serves it (seed.ORGS); elsewhere the committee's other branches take turns.
SERVING = {"210681101": "内科党支部", "210681104": "内科党支部", "210681105": "外科党支部"}
SERVING |= {"210681106": "精神科党支部", "210681107": "精神科党支部"}
OTHER_ORGANIZERS = ["东港市中心医院党委", "检验影像党支部", "机关党支部", "护理部", "外科党支部", "内科党支部"]
BRANCH_TEAM = {"内科党支部": "内科党员先锋队", "心理健康志愿服务联盟": "阳光心理志愿服务队"}
BRANCH_TEAM |= {"驻村工作队临时党支部": "驻油坊村工作队"}
LECTURES = ["高血压防治", "糖尿病饮食指导", "心脑血管病预防", "春季传染病防控", "急救知识普及", "合理用药"]
LECTURES += ["老年人防跌倒", "睡眠与心理健康", "冬季呼吸道疾病防治", "妇女两癌筛查"]
TRAININGS = ["慢病管理", "严重精神障碍患者管理", "急诊急救", "院感防控", "中医适宜技术", "心电图判读"]
PRODUCE = ["草莓", "蓝莓", "黄蚬子", "大米", "板栗", "杂色蛤"]
VOID_REASONS = ["重复登记", "服务对象选错，已重新登记", "日期填错，已按正确日期重新登记", "误录入，实际未服务"]

# kind, how many, title, service types, {type: (low, high) quantity}, headcount, participants, hours
ACTIVITIES = [
    ("free_clinic", 35, "走进{v}义诊", ["free_clinic", "health_consult", "leaflet"],
     {"leaflet": (100, 600)}, (60, 300), (6, 12), (3, 6)),
    ("lecture", 35, "{topic}健康讲座（{t}）", ["health_lecture", "leaflet"],
     {"health_lecture": (1, 1), "leaflet": (50, 300)}, (30, 150), (2, 4), (2, 3)),
    ("concentrated", 20, "{t}集中送药服务", ["free_medicine", "medicine_delivery"],
     {"leaflet": (30, 120)}, (20, 80), (4, 8), (4, 6)),
    ("school", 15, "心理健康进校园——{t}中心小学", ["health_lecture", "booklet"],
     {"health_lecture": (1, 1), "booklet": (100, 500)}, (200, 800), (4, 8), (2, 4)),
    ("live_sales", 12, "{t}{p}助农直播", ["produce_sales", "wechat_article"],
     {"produce_sales": (3000, 60000), "wechat_article": (1, 3)}, (0, 0), (3, 6), (3, 5)),
    ("donation", 10, "{t}爱心物资捐赠", ["donation_goods", "donation_money", "health_kit"],
     {"donation_goods": (50, 500), "donation_money": (2000, 30000), "health_kit": (20, 200)},
     (30, 200), (3, 8), (2, 4)),
    ("training", 25, "{t}卫生院培训交流（{topic}）", ["training_exchange", "wechat_article"],
     {"training_exchange": (1, 1), "wechat_article": (1, 1)}, (15, 60), (2, 4), (3, 5)),
    ("visit", 10, "{t}走访慰问困难群众", ["household_visit", "family_support", "health_kit"],
     {"health_kit": (20, 80)}, (20, 60), (4, 8), (3, 5)),
    ("screening", 8, "{t}老年人健康体检", ["physical_exam", "vision_hearing", "leaflet"],
     {"leaflet": (50, 200)}, (80, 250), (6, 10), (4, 7)),
]  # fmt: skip
KIND = {"free_clinic": "free_clinic", "school": "lecture", "screening": "screening", "visit": "visit"}
KIND |= {"lecture": "lecture", "concentrated": "concentrated", "live_sales": "live_sales"}
KIND |= {"donation": "donation", "training": "training"}

# The everyday records: type, how many, who gives them ("staff" of the serving branch or the
# "volunteers" of 阳光心理志愿服务队, or "either"), residents it prefers (elderly, sick…)
RECORDS = [
    ("medicine_delivery", 1100, "staff", "care"),
    ("free_medicine", 700, "staff", "care"),
    ("health_consult", 500, "staff", "any"),
    ("physical_exam", 360, "staff", "elderly"),
    ("vision_hearing", 130, "staff", "any"),
    ("home_nursing_edu", 280, "staff", "care"),
    ("household_visit", 450, "either", "household"),
    ("phone_survey", 600, "either", "household"),
    ("errands", 380, "volunteers", "care"),
    ("meal_delivery", 330, "volunteers", "elderly"),
    ("family_support", 70, "staff", "household"),
    ("transport", 90, "volunteers", "care"),
]
EXAM_RESULTS = ["normal"] * 16 + ["abnormal"] * 3 + ["referred"]


def seed_services(admin, orgs: dict[str, Organization], today: datetime.date | None = None) -> dict[str, int]:
    """Seed the year of service; returns how many rows were added (all zero when already there)."""
    if ServiceRecord.objects.filter(idempotency_key__startswith=KEY).exists():
        return {"records": 0, "activities": 0}
    if not Resident.objects.filter(village__code__startswith=COUNTY).exists():
        return {"records": 0, "activities": 0}
    return _Seeder(admin, orgs, today or timezone.localdate()).run()


def day_weight(day: datetime.date) -> float:
    """How busy a day is: the month's weight, quiet weekends, Spring Festival and National Day."""
    weight = MONTH_WEIGHT[day.month] * (0.55 if day.weekday() >= 5 else 1.0)
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None and -10 <= (day - festival).days <= 8:
        weight *= 0.15
    if day.month == 10 and day.day <= 7:
        weight *= 0.3
    return weight


@contextmanager
def _own_timestamps(*models):
    """Let bulk_create keep the entry times we give (paper records entered on the day)."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


class _Seeder:
    def __init__(self, admin, orgs, today: datetime.date):
        self.rng = random.Random(20260901)
        self.today, self.orgs, self.admin = today, orgs, admin
        self.now = timezone.now()
        self.days = [today - DAY * n for n in range(DAYS)]
        self.weights = [day_weight(day) for day in self.days]
        self.types = {t.code: t for t in ServiceType.objects.all()}
        self.users = {u.username: u for u in User.objects.filter(username__in=["dangban", "dangyuan", "jingfang"])}
        self.clerk = self.users.get("dangban", admin)
        members = Member.objects.select_related("branch", "user").order_by("pk")
        self.by_branch = defaultdict(list)
        for member in members:
            self.by_branch[member.branch.name].append(member)
        self.volunteer = Member.objects.filter(user__username="dangyuan").first()
        self.doctor = Member.objects.filter(user__username="jingfang").first()
        self.teams = {t.name: t for t in Team.objects.filter(active_to__isnull=True)}
        self.crew = defaultdict(list)
        for m in TeamMembership.objects.filter(end_on__isnull=True, team__in=self.teams.values()).order_by("pk"):
            self.crew[m.team_id].append(m.member)
        self.member_teams = defaultdict(list)
        for team in self.teams.values():
            for member in self.crew[team.pk]:
                self.member_teams[member.pk].append(team)
        residents = Resident.objects.filter(village__code__startswith=COUNTY, merged_into__isnull=True)
        self.residents = [r for r in residents.exclude(note__contains="待核对").order_by("pk")]
        self.households = list(Household.objects.filter(village__code__startswith=COUNTY).order_by("pk"))
        tags = defaultdict(list)
        for tag in ResidentTag.objects.filter(resident__in=self.residents):
            tags[tag.resident_id].append(tag)
        self.tags = tags
        self.townships = list(
            Region.objects.filter(code__startswith=COUNTY, level=Region.Level.TOWNSHIP).order_by("code")
        )
        self.villages = defaultdict(list)
        for village in Region.objects.filter(code__startswith=COUNTY, level=Region.Level.VILLAGE).order_by("code"):
            self.villages[village.code[:9]].append(village)
        self.records: list[ServiceRecord] = []
        self.providers: dict[int, list] = {}  # index in self.records -> [(member, hours)]
        self.n = 0

    def next_number(self) -> int:
        self.n += 1
        return self.n

    # ---------------------------------------------------------------- picking

    def day(self, start: datetime.date | None = None, end: datetime.date | None = None) -> datetime.date:
        for _ in range(20):
            day = self.rng.choices(self.days, self.weights)[0]
            if (start is None or day >= start) and (end is None or day <= end):
                return day
        return max(start or self.days[-1], min(end or self.today, self.today))

    def alive(self, resident: Resident, day: datetime.date) -> bool:
        born_ok = resident.birth_date is None or resident.birth_date <= day
        return born_ok and (resident.deceased_on is None or day <= resident.deceased_on)

    def has_tag(self, resident: Resident, tag: str, day: datetime.date) -> bool:
        return any(t.tag == tag and t.is_active_on(day) for t in self.tags.get(resident.pk, ()))

    def resident_weight(self, resident: Resident, prefer: str) -> float:
        age = resident.age(self.today) or 40
        sick = any(t.tag in ("chronic", "disabled", "severe_mental") for t in self.tags.get(resident.pk, ()))
        if prefer == "elderly":
            return 6.0 if age >= 65 else 1.5 if age >= 55 else 0.2
        if prefer == "care":
            return (4.0 if age >= 65 else 1.0 if age >= 45 else 0.3) + (4.0 if sick else 0.0)
        return 1.0

    def staff_for(self, township: str) -> tuple[list[Member], Team | None, Organization]:
        branch = SERVING.get(township, "内科党支部")
        pool = self.by_branch[branch] + (self.by_branch["内科第一党小组"] if branch == "内科党支部" else [])
        team = self.teams.get(BRANCH_TEAM.get(branch, ""))
        pool = [m for m in pool if m.pk != getattr(self.doctor, "pk", None)]
        return pool, team, self.orgs[branch]

    def hours(self, base: Decimal) -> Decimal:
        return max(Decimal("0.2"), base + Decimal(self.rng.choice((-2, -1, 0, 0, 0, 1, 2))) * Decimal("0.5")).quantize(
            Decimal("0.1")
        )

    # ---------------------------------------------------------------- rows

    def record(self, code: str, day, *, providers, org, created_by, resident=None, household=None, **fields):
        stype = self.types[code]
        place = fields.pop("place", "")
        record = ServiceRecord(
            service_type=stype,
            served_on=day,
            resident=resident,
            household=household,
            org=org,
            health=stype.is_health,
            idempotency_key=f"{KEY}{self.next_number()}",
            created_by=created_by,
            **fields,
        )
        if record.quantity is None:
            record.quantity = Decimal("1")
        subject = resident or household
        record.set_place(subject.village_id if subject is not None else place)
        entered = datetime.datetime.combine(day, datetime.time(self.rng.randint(9, 20), self.rng.randint(0, 59)))
        record.created_at = min(self.now, timezone.make_aware(entered))
        self.providers[len(self.records)] = providers
        self.records.append(record)
        return record

    def everyday_records(self) -> None:
        volunteers_team = self.teams.get("阳光心理志愿服务队")
        volunteers = self.crew[volunteers_team.pk] if volunteers_team else []
        for code, count, who, prefer in RECORDS:
            stype = self.types[code]
            if prefer == "household":
                subjects, weights = self.households, None
            else:
                subjects = self.residents
                weights = [self.resident_weight(r, prefer) for r in subjects]
            for _ in range(count):
                subject = self.rng.choices(subjects, weights)[0]
                born = getattr(subject, "birth_date", None)
                day = self.day(start=born)
                if isinstance(subject, Resident) and not self.alive(subject, day):
                    continue
                by_volunteer = who == "volunteers" or (who == "either" and self.rng.random() < 0.5)
                if by_volunteer and volunteers:
                    pool, team, org, creator = volunteers, volunteers_team, volunteers_team.owner_org, self.admin
                else:
                    pool, team, org = self.staff_for(subject.village_id[:9])
                    creator = self.clerk
                crew = self.rng.sample(pool, 2 if self.rng.random() < 0.3 else 1)
                hours = self.hours(stype.default_hours)
                if team is not None and not all(team in self.member_teams[m.pk] for m in crew):
                    team = None
                    org = crew[0].branch if not by_volunteer else org
                quantity = Decimal(self.rng.randint(1, 3)) if code == "meal_delivery" else None
                if code == "transport":
                    quantity = Decimal(self.rng.randint(5, 40))
                result = {"result": self.rng.choice(EXAM_RESULTS)} if stype.result_fields else {}
                self.record(
                    code,
                    day,
                    providers=[(m, hours) for m in crew],
                    org=org,
                    team=team,
                    created_by=creator,
                    resident=subject if isinstance(subject, Resident) else None,
                    household=subject if isinstance(subject, Household) else None,
                    quantity=quantity,
                    result=result,
                )

    def volunteer_records(self) -> None:
        """张志愿 (dangyuan) records their own visits in 孤山镇 and 前阳镇, most in recent months."""
        user, member = self.users.get("dangyuan"), self.volunteer
        team = self.teams.get("内科党员先锋队")
        if user is None or member is None or team is None:
            return
        near = [r for r in self.residents if r.village_id[:9] in ("210681101", "210681104")]
        homes = [h for h in self.households if h.village_id[:9] in ("210681101", "210681104")]
        weights = [self.resident_weight(r, "care") for r in near]
        plan = ["medicine_delivery"] * 40 + ["home_nursing_edu"] * 12 + ["errands"] * 10 + ["household_visit"] * 18
        mates = [m for m in self.crew[team.pk] if m.pk != member.pk]
        for index, code in enumerate(plan):
            start = self.today - DAY * 100 if index % 2 else None
            if code == "household_visit":
                subject = self.rng.choice(homes)
                day = self.day(start=start)
            else:
                subject = self.rng.choices(near, weights)[0]
                day = self.day(start=max(filter(None, [start, subject.birth_date]), default=None))
                if not self.alive(subject, day):
                    continue
            crew = [member] + ([self.rng.choice(mates)] if mates and self.rng.random() < 0.25 else [])
            self.record(
                code,
                day,
                providers=[(m, self.types[code].default_hours) for m in crew],
                org=team.owner_org,
                team=team,
                created_by=user,
                resident=subject if isinstance(subject, Resident) else None,
                household=subject if isinstance(subject, Household) else None,
            )

    def health_records(self) -> None:
        """赵医生 (jingfang), 精防医生 of 孤山镇: follow-ups of the severe-mental-disorder patients about
        monthly (home, phone or clinic), suspected-disorder screenings and the elderly screening."""
        user, member = self.users.get("jingfang"), self.doctor
        if user is None or member is None:
            return
        town = [r for r in self.residents if r.village_id.startswith("210681101")]
        org = member.branch
        visit_kinds = ["followup_home", "followup_phone", "followup_clinic", "followup_home", "followup_phone"]
        for resident in town:
            for month in range(12, 0, -1):
                day = self.today - DAY * (30 * month - self.rng.randint(0, 20))
                if not (self.has_tag(resident, "severe_mental", day) and self.alive(resident, day)):
                    continue
                stable = self.rng.choice(["stable"] * 6 + ["basically_stable"] * 3 + ["unstable"])
                result = {"stability": stable, "risk_level": str(self.rng.choice((0, 0, 0, 1, 1, 2)))}
                result["medication"] = stable != "unstable"
                self._health(self.rng.choice(visit_kinds), day, resident, member, org, user, result)
        screened = self.rng.sample(town, min(len(town), 45))
        for resident in screened:
            day = self.day(start=resident.birth_date)
            if resident.age(day) is None or resident.age(day) < 15 or not self.alive(resident, day):
                continue
            result = {"result": self.rng.choice(["negative"] * 12 + ["positive", "referred"])}
            self._health("smd_screening", day, resident, member, org, user, result)
            if resident.age(day) >= 65:
                result = {"result": self.rng.choice(["negative"] * 5 + ["positive"])}
                self._health("psych_screen_elderly", self.day(start=day), resident, member, org, user, result)

    def _health(self, code, day, resident, member, org, user, result) -> None:
        hours = self.types[code].default_hours
        self.record(code, day, providers=[(member, hours)], org=org, created_by=user, resident=resident, result=result)

    def void_some(self) -> None:
        candidates = [i for i, r in enumerate(self.records) if r.created_by_id == self.clerk.pk]
        for index in self.rng.sample(candidates, min(16, len(candidates))):
            record = self.records[index]
            record.voided_at = min(self.now, record.created_at + datetime.timedelta(hours=self.rng.randint(1, 72)))
            record.voided_by = self.clerk
            record.void_reason = self.rng.choice(VOID_REASONS)

    # ---------------------------------------------------------------- activities

    def activities(self) -> dict[str, int]:
        towns = [t for t in self.townships]
        self.rng.shuffle(towns)
        plans = []
        for spec in ACTIVITIES:
            plans.extend([spec] * spec[1])
        self.rng.shuffle(plans)
        made = []
        for index, spec in enumerate(plans):
            kind = spec[0]
            day = self.day()
            for _ in range(30):
                if kind == "school" and day.month in (1, 2, 7, 8):
                    day = self.day()
                elif kind == "visit" and not (day.month in (1, 2) or (day.month == 10 and day.day >= 8)):
                    day = self.day()
                else:
                    break
            made.append(self.activity(spec, towns[index % len(towns)], day, Activity.Status.HELD))
        # Two planned for next week, one cancelled three weeks ago.
        monday = self.today + DAY * (7 - self.today.weekday())
        made.append(self.activity(ACTIVITIES[0], towns[0], monday + DAY, Activity.Status.PLANNED))
        made.append(self.activity(ACTIVITIES[1], towns[1], monday + DAY * 3, Activity.Status.PLANNED))
        cancelled = self.activity(ACTIVITIES[2], towns[2], self.today - DAY * 21, Activity.Status.CANCELLED)
        cancelled[0].note = "因寒潮大风预警取消，改期另行通知"
        made.append(cancelled)
        return self._save_activities(made)

    def activity(self, spec, town: Region, day: datetime.date, status: str):
        kind, _count, title, type_codes, quantities, headcount, size, hours = spec
        rng = self.rng
        township = town.code
        villages = self.villages.get(township) or [town]
        village = rng.choice(villages)
        if kind == "school":
            organizer = rng.choice(["心理健康志愿服务联盟", "精神科党支部"])
        elif kind == "live_sales":
            organizer = "驻村工作队临时党支部" if township == "210681113" else "东港市中心医院党委"
        elif kind == "donation":
            organizer = rng.choice(["医院妇女委员会", "东港市中心医院党委"])
        else:
            organizer = SERVING.get(township) or rng.choice(OTHER_ORGANIZERS)
        org = self.orgs[organizer]
        team = self.teams.get(BRANCH_TEAM.get(organizer, ""))
        if kind == "school" and team is None:
            team = self.teams.get("阳光心理志愿服务队")
        where = {"lecture": town, "training": town, "school": town, "live_sales": town}.get(kind, village)
        name = title.format(
            t=town.name, v=f"{town.name}{village.name}", topic=rng.choice(LECTURES), p=rng.choice(PRODUCE)
        )
        if kind == "training":
            name = title.format(t=town.name, topic=rng.choice(TRAININGS))
        place = {
            "lecture": f"{town.name}文化站",
            "training": f"{town.name}中心卫生院",
            "school": f"{town.name}中心小学",
        }
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.choice((8, 9, 13, 14)), 30)))
        activity = Activity(
            title=name[:100],
            kind=KIND[kind],
            start_at=start,
            end_at=start + datetime.timedelta(hours=int(hours[1])),
            place=place.get(kind, f"{village.name}村委会" if where is village else f"{town.name}政府广场"),
            region=where,
            headcount=0 if status != Activity.Status.HELD else rng.randint(*headcount),
            status=status,
            org=org,
            served_on=day,
            created_by=self.clerk if org.path.startswith(self.orgs["东港市中心医院党委"].path) else self.admin,
            idempotency_key=f"{KEY}a{self.next_number()}",
        )
        activity.set_place(where.code)
        activity.created_at = min(self.now, start - datetime.timedelta(days=rng.randint(1, 10)))
        crew_pool = list(self.crew[team.pk]) if team is not None else []
        staff = self.by_branch.get(organizer) or self.by_branch["内科党支部"]
        crew = rng.sample(crew_pool, min(len(crew_pool), rng.randint(*size) // 2 + 1)) if crew_pool else []
        extra = [m for m in rng.sample(staff, min(len(staff), rng.randint(*size))) if m not in crew]
        crew = (crew + extra)[: size[1]]
        if self.volunteer is not None and organizer == "内科党支部" and self.volunteer not in crew:
            if rng.random() < 0.7:
                crew.append(self.volunteer)
        crew = [m for m in crew if m != self.doctor]
        parts = [(m, Decimal(rng.randint(hours[0] * 2, hours[1] * 2)) / 2) for m in crew]
        amounts = [(code, Decimal(rng.randint(*span))) for code, span in quantities.items()]
        return activity, type_codes, team, parts, amounts, kind

    def _save_activities(self, made) -> dict[str, int]:
        with _own_timestamps(Activity):
            Activity.objects.bulk_create([row[0] for row in made], batch_size=500)
        types_through, teams_through = Activity.service_types.through, Activity.teams.through
        type_links, team_links, parts, amounts = [], [], [], []
        for activity, type_codes, team, crew, quantities, kind in made:
            counted = activity.counts
            type_links += [types_through(activity=activity, servicetype=self.types[c]) for c in type_codes]
            if team is not None:
                team_links.append(teams_through(activity=activity, team=team))
            for number, (member, hours) in enumerate(crew):
                part = ActivityParticipant(activity=activity, member=member, hours=hours, counted=counted)
                part.role = "负责人" if number == 0 else ""
                part.copy_place(activity)
                parts.append(part)
            for code, quantity in quantities:
                amount = ActivityQuantity(
                    activity=activity, service_type=self.types[code], quantity=quantity, unit=self.types[code].unit
                )
                amount.counted = counted
                amount.copy_place(activity)
                amounts.append(amount)
            if counted and kind in ("free_clinic", "concentrated", "screening"):
                self.named_attendees(activity, team, crew, kind)
        types_through.objects.bulk_create(type_links, batch_size=500)
        teams_through.objects.bulk_create(team_links, batch_size=500)
        ActivityParticipant.objects.bulk_create(parts, batch_size=500)
        ActivityQuantity.objects.bulk_create(amounts, batch_size=500)
        return {"activities": len(made), "participants": len(parts)}

    def named_attendees(self, activity: Activity, team, crew, kind: str) -> None:
        """Residents of the township served by name at the event (besides its anonymous headcount)."""
        town = [r for r in self.residents if r.village_id[:9] == activity.township_code]
        town = [r for r in town if self.alive(r, activity.served_on)]
        if not town or not crew:
            return
        code = {"free_clinic": "health_consult", "concentrated": "free_medicine", "screening": "physical_exam"}[kind]
        stype = self.types[code]
        for resident in self.rng.sample(town, min(len(town), self.rng.randint(5, 15))):
            member, hours = self.rng.choice(crew)
            creator = self.clerk if activity.created_by_id == self.clerk.pk else self.admin
            self.record(
                code,
                activity.served_on,
                providers=[(member, min(hours, stype.default_hours))],
                org=activity.org,
                team=team if team is not None and team in self.member_teams[member.pk] else None,
                created_by=creator,
                resident=resident,
                activity=activity,
                result={"result": self.rng.choice(EXAM_RESULTS)} if stype.result_fields else {},
            )

    # ---------------------------------------------------------------- saving

    def run(self) -> dict[str, int]:
        counts = self.activities()
        self.everyday_records()
        self.volunteer_records()
        self.health_records()
        self.void_some()
        with _own_timestamps(ServiceRecord):
            ServiceRecord.objects.bulk_create(self.records, batch_size=500)
        provisions = []
        for index, crew in self.providers.items():
            record = self.records[index]
            for member, hours in dict(crew).items():
                row = RecordProvider(record=record, member=member, hours=hours, counted=not record.is_voided)
                row.copy_place(record)
                provisions.append(row)
        RecordProvider.objects.bulk_create(provisions, batch_size=1000)
        counts |= {"records": len(self.records), "providers": len(provisions)}
        counts["certificates"] = self.certificate()
        return counts

    def certificate(self) -> int:
        """One volunteer certificate for 张志愿 (dangyuan), this year up to the end of last month,
        issued by 王党办 through the hours helper's service (its ledger computes the hours)."""
        member, clerk = self.volunteer, self.users.get("dangban")
        if member is None or clerk is None or VolunteerCertificate.objects.filter(member=member).exists():
            return 0
        end = self.today.replace(day=1) - DAY
        start = max(D(end.year, 1, 1), self.days[-1])
        certificate_issue(
            acting_user=clerk,
            member=member,
            start=start,
            end=end,
            issuing_org=member.branch,
            person_in_charge="李书记",
            handler=clerk.display_name or "王党办",
            contact="0415-7123456",
            content="送药上门、入户走访、居家护理指导、代办代购，参加义诊与集中送药活动",
        )
        return 1

"""Demo care programs (issue 10): the 精防医生's patients, the screening path, the elderly's yearly
check, pairing and poverty-return monitoring, with a year of visits, through programs.services.

- 严重精神障碍 (smd): ~60 patients in 孤山镇 (210681101, the region of 赵医生 jingfang) and a few in
  十字街镇 (210681106) for the psychiatry branch; each with the informed consent to follow-up,
  enrolled with a diagnosis, followed up a year long (home, clinic, phone, joint with the police and
  the village committee; stable, basically stable and unstable), examined once a year. Some are due
  today, some this week, some overdue (an unstable follow-up whose 2-week check was missed), three
  are lost after three follow-ups that did not reach them, two are in hospital, one died.
- The screening path (smd_screening): 10 suspected residents: screened, referred, diagnosed and
  registered in smd, or excluded.
- 65岁及以上 (elderly_check): the 65-year-olds of 前阳镇 (210681104), most checked this year, some due.
- 结对帮扶 (pairing): 张志愿 (dangyuan) with three families of 援鄂医疗队 staff, 2 contacts a week (one
  family fell behind last week), and a psychiatry party doctor with 十字街镇's patients, monthly.
- 防返贫监测 (poverty_watch): 15 households visited monthly, one closed (风险消除).

Enrollments, consents, periods in hospital, deaths and exits go through the services one by one
(every rule and audit row). Visits are many, so they are written in bulk the way an import of the
paper register would be: each one validated by its program (``clean_visit``, ``clean_visit_type``),
dated by the services' own check, recorded as a service record with its provider and a Visit row;
then every enrollment is derived again by ``derivation.enrollment_recompute`` (the program's rule).
A pure simulation with the same rule chooses the dates, so scenarios land where they should.
Deterministic (seeded random, relative to today); idempotent (nothing is added once any enrollment
exists).
"""

import datetime
import random

from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.demo.seed_programs_care import seed_care, seed_screening
from xianfeng.demo.seed_programs_visits import VisitBuffer
from xianfeng.members.models import Member
from xianfeng.programs import services, services_periods
from xianfeng.programs.models import Enrollment, Visit
from xianfeng.programs.registry import VisitFact, get_program
from xianfeng.regions.models import Region
from xianfeng.residents import services as resident_services
from xianfeng.residents.models import Consent, Resident, ResidentTag

DAY = datetime.timedelta(days=1)
HOSPITALS = ["丹东市第三医院", "东港市中心医院精神科", "丹东市精神卫生中心"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志海燕春梅凤德胜永红淑珍"
DIAGNOSES = ["schizophrenia"] * 7 + ["bipolar"] * 2 + ["paranoid", "schizoaffective", "epilepsy", "intellectual"]


def seed_programs(admin, orgs, today: datetime.date | None = None) -> dict[str, int]:
    """Seed the programs; returns how many enrollments and visits were added (empty when already there)."""
    if Enrollment.objects.exists() or not User.objects.filter(username="jingfang").exists():
        return {}
    seeder = ProgramSeeder(admin, orgs, today or timezone.localdate())
    seeder.smd()
    seeder.screening()
    seed_care(seeder)
    seeder.visits.flush()
    return {"enrollments": Enrollment.objects.count(), "visits": Visit.objects.count()}


class ProgramSeeder:
    def __init__(self, admin, orgs, today: datetime.date):
        self.admin, self.orgs, self.today = admin, orgs, today
        self.rng = random.Random(20261010)
        self.users = {
            u.username: u for u in User.objects.filter(username__in=["jingfang", "dangyuan", "shuji", "dangban"])
        }
        self.doctor_user = self.users["jingfang"]
        self.doctor = Member.objects.get(user=self.doctor_user)
        self.psychiatry = list(Member.objects.filter(branch__name="精神科党支部", user__isnull=True).order_by("pk"))
        self.visits = VisitBuffer(today, self.rng)
        self.scenario: dict[int, str] = {}  # smd enrollment pk -> SMD_PLAN scenario
        self.village_of = {}
        for code in ("210681101", "210681106"):
            self.village_of[code] = list(
                Region.objects.filter(code__startswith=code, level=Region.Level.VILLAGE).order_by("code")[:4]
            )

    def days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - DAY * self.rng.randint(low, high)

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))

    # ------------------------------------------------------------------ residents

    def patients(self, plan: list[tuple[str, datetime.date, User]]) -> list[Resident]:
        """New residents with a severe mental disorder, their group tag and their consent to
        follow-up management, written in bulk like the register imported when the system started
        (township, enrolled on, who recorded the consent) — the enrollments then go through the
        services, which check the consent."""
        people = []
        for township, _enrolled_on, _user in plan:
            birth = datetime.date(self.rng.randint(1950, 2002), self.rng.randint(1, 12), self.rng.randint(1, 28))
            village = self.rng.choice(self.village_of[township])
            resident = Resident(
                name=self.name(),
                village=village,
                birth_date=birth,
                gender=self.rng.choice("MF"),
                address=f"{village.name[:3]}{self.rng.randint(1, 200)}号",
                created_by=self.admin,
            )
            resident_services._prepare(resident)  # names normalized and indexed as the service does
            people.append(resident)
        Resident.objects.bulk_create(people)
        tags, consents = [], []
        for resident, (_township, enrolled_on, user) in zip(people, plan, strict=True):
            tags.append(ResidentTag(resident=resident, tag="severe_mental", valid_from=enrolled_on - DAY * 30))
            method = self.rng.choice([Consent.Method.WRITTEN, Consent.Method.GUARDIAN])
            on = enrolled_on - DAY * self.rng.randint(0, 10)
            consents.append(
                Consent(resident=resident, kind=Consent.Kind.FOLLOW_UP, on_date=on, method=method, recorded_by=user)
            )
        ResidentTag.objects.bulk_create(tags)
        Consent.objects.bulk_create(consents)
        return people

    def enroll_smd(self, resident, enrolled_on, user, member) -> Enrollment:
        data = {
            "diagnosis": self.rng.choice(DIAGNOSES),
            "diagnosed_on": (enrolled_on - DAY * self.rng.randint(60, 3000)).isoformat(),
            "diagnosed_by": self.rng.choice(HOSPITALS),
            "guardian": self.name(),
        }
        if (
            resident.birth_date
            and data["diagnosed_on"] < resident.birth_date.replace(year=resident.birth_date.year + 14).isoformat()
        ):
            data["diagnosed_on"] = enrolled_on.isoformat()
        return services.enrollment_create(
            acting_user=user,
            program="smd",
            resident=resident,
            responsible_member=member,
            enrolled_on=enrolled_on,
            data=data,
        )

    # ------------------------------------------------------------------ 严重精神障碍

    # scenario, how many: where the patient's next follow-up lands today (days from today)
    SMD_PLAN = [("due_today", 4), ("due_week", 8), ("overdue", 8), ("lost", 3), ("hospital", 2), ("deceased", 1)]

    def smd(self) -> None:
        scenarios = [s for s, n in self.SMD_PLAN for _ in range(n)]
        scenarios += ["normal"] * (58 - len(scenarios))
        # Most were imported from the county register when the system started, a year ago.
        plan = [
            ("210681101", self.days_ago(366, 380) if i % 5 else self.days_ago(60, 300), self.doctor_user)
            for i in range(len(scenarios))
        ]
        # A few patients of the psychiatry branch elsewhere (not in 赵医生's region).
        plan += [("210681106", self.days_ago(200, 380), self.admin) for _ in range(5)]
        people = self.patients(plan)
        for resident, (_township, enrolled_on, user), scenario in zip(
            people, plan, scenarios + ["elsewhere"] * 5, strict=True
        ):
            member = self.doctor if user == self.doctor_user else self.rng.choice(self.psychiatry or [self.doctor])
            enrollment = self.enroll_smd(resident, enrolled_on, user, member)
            profile = self.rng.choice(["stable"] * 6 + ["basically_stable"] * 3 + ["unstable"])
            self.smd_year(enrollment, "normal" if scenario == "elsewhere" else scenario, profile, user, member)
            self.scenario[enrollment.pk] = scenario
        self.visits.flush()
        self.smd_closing()

    def followup_data(self, profile: str, *, unstable: bool = False) -> dict:
        rng = self.rng
        if unstable or (profile == "unstable" and rng.random() < 0.5):
            return {
                "risk_level": rng.choice(["3", "3", "4"]),
                "symptoms": rng.sample(["hallucination", "suspicion", "moody", "violence", "self_talk"], 2),
                "insight": "none",
                "social_function": "poor",
                "medication": rng.choice(["intermittent", "none"]),
                "hospitalized": "previously",
                "treatment_effect": "poor",
                "referral": True,
                "referral_reason": "病情不稳定，转" + rng.choice(HOSPITALS),
            }
        if profile != "stable" and rng.random() < 0.6:
            return {
                "risk_level": rng.choice(["1", "2"]),
                "symptoms": [rng.choice(["communication", "withdrawn", "moody"])],
                "insight": "partial",
                "social_function": "fair",
                "medication": rng.choice(["regular", "intermittent"]),
                "treatment_effect": "fair",
            }
        return {
            "risk_level": "0",
            "insight": "full",
            "social_function": rng.choice(["good", "fair"]),
            "medication": rng.choice(["regular"] * 5 + ["not_required"]),
            "side_effects": rng.random() < 0.1,
            "treatment_effect": rng.choice(["good", "good", "cured"]),
            "locked": "none",
        }

    def followup_type(self, data: dict) -> tuple[str, dict]:
        if data.get("risk_level") in ("3", "4") and self.rng.random() < 0.6:
            people = [
                {"name": self.rng.choice(SURNAMES) + "警官", "role": "police"},
                {"name": self.rng.choice(SURNAMES) + "主任", "role": "committee"},
                {"name": self.name(), "role": "family"},
            ]
            return "joint_followup", {**data, "participants": people}
        return self.rng.choice(["followup_home"] * 4 + ["followup_clinic"] * 3 + ["followup_phone"] * 3), data

    def smd_year(self, enrollment: Enrollment, scenario: str, profile: str, user, member) -> None:
        """A year of follow-ups by the program's own rule; the last one placed for the scenario."""
        prog = get_program("smd")
        settings = self.visits.settings_of("smd")
        facts: list[VisitFact] = []

        def due(extra=()) -> datetime.date | None:
            return prog.derive(
                enrolled_on=enrollment.enrolled_on, data=enrollment.data, visits=[*facts, *extra], settings=settings
            ).next_due_on

        def visit(on, data, stype=None):
            stype, data = (stype, data) if stype else self.followup_type(data)
            facts.append(self.visits.add(enrollment, "followup", on, data, by=user, member=member, stype=stype))

        target = {
            "due_today": self.today,
            "due_week": self.today + DAY * self.rng.randint(1, 6),
            "overdue": self.today - DAY * self.rng.randint(1, 25),
        }.get(scenario)
        horizon = {"normal": self.today, "lost": self.today - DAY * 75, "deceased": self.today - DAY * 60}
        horizon["hospital"] = self.today - DAY * 30
        stop = horizon.get(scenario, (target or self.today) - DAY * 110)
        exam_on = self.days_ago(10, 300) if self.rng.random() < 0.8 else None
        while (next_on := due()) is not None and next_on <= stop:
            late = self.rng.choice([0, 0, 0, 1, 2, 5]) if next_on < stop - DAY * 10 else 0
            on = max(
                next_on + DAY * (late - self.rng.randint(0, 3)), facts[-1].on + DAY if facts else enrollment.enrolled_on
            )
            if on > min(stop, self.today):
                break
            if self.rng.random() < 0.04:  # now and then nobody is home
                visit(on, {"reached": False, "not_reached_reason": self.rng.choice(["away", "other"])}, "followup_home")
            else:
                visit(on, self.followup_data(profile))
            if profile == "unstable" and facts[-1].data.get("risk_level") == "4" and self.rng.random() < 0.3:
                self.visits.add(
                    enrollment,
                    "emergency",
                    on,
                    {
                        "event": "患者情绪激动，打砸家中物品",
                        "measures": "会同派出所、村委会上门处置，联系家属",
                        "outcome": "calmed",
                        "referral": True,
                    },
                    by=user,
                    member=member,
                )
        if target is not None:
            self.place_last(enrollment, facts, target, scenario, due, visit)
        if scenario == "lost":  # three attempts a fortnight apart, nobody found: 失访
            for days, reason in ((60, "away"), (45, "moved"), (30, "unknown")):
                visit(self.today - DAY * days, {"reached": False, "not_reached_reason": reason}, "followup_home")
        if exam_on is not None and exam_on >= enrollment.enrolled_on:
            result = self.rng.choice(["normal"] * 4 + ["abnormal"])
            data = {"consent": True, "result": result}
            if result == "abnormal":
                data["findings"] = self.rng.choice(["血压偏高", "空腹血糖偏高", "心电图ST段改变", "肝功能异常"])
            self.visits.add(enrollment, "exam", exam_on, data, by=user, member=member)

    def place_last(self, enrollment, facts, target, scenario, due, visit) -> None:
        """The last follow-up on the day that makes the next one fall due on ``target``."""
        kinds = (
            ["unstable", "basically_stable", "stable"]
            if scenario == "overdue"
            else ["stable", "basically_stable", "unstable"]
        )
        first = facts[-1].on + DAY if facts else enrollment.enrolled_on
        for kind in kinds:
            data = self.followup_data(kind, unstable=kind == "unstable")
            clean = self.visits.clean(enrollment, "followup", self.today, data, "followup_home")
            day = self.today
            while day >= first:
                if due([VisitFact(on=day, kind="followup", reached=True, data=clean)]) == target:
                    visit(day, data)
                    return
                day -= DAY

    def smd_closing(self) -> None:
        """In hospital now, and one death (after the year's visits were written)."""
        chosen = Enrollment.objects.filter(
            pk__in=[pk for pk, s in self.scenario.items() if s in ("hospital", "deceased")]
        )
        for enrollment in chosen.select_related("resident").order_by("pk"):
            last = enrollment.last_visit_on or enrollment.enrolled_on
            if self.scenario[enrollment.pk] == "hospital":
                services_periods.period_add(
                    acting_user=self.doctor_user,
                    enrollment=enrollment,
                    kind="hospital",
                    start_on=last + DAY * self.rng.randint(3, 20),
                    place=self.rng.choice(HOSPITALS),
                    note="病情波动，家属送院",
                )
                continue
            died = last + DAY * 20
            resident_services.resident_update(acting_user=self.admin, resident=enrollment.resident, deceased_on=died)
            services.enrollment_end(
                acting_user=self.doctor_user, enrollment=enrollment, status="deceased", ended_on=died, reason="因病死亡"
            )

    # ------------------------------------------------------------------ screening

    def screening(self) -> None:
        seed_screening(self)

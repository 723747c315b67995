"""Demo programs beside the patients' follow-up (see seed_programs.py): the screening path, the
elderly's yearly check, pairing and poverty-return monitoring."""

import datetime

from xianfeng.members.models import Member
from xianfeng.programs import services
from xianfeng.programs.poverty import poverty_exit
from xianfeng.programs.registry import add_months
from xianfeng.programs.services_pairing import pairing_create
from xianfeng.programs.smd.services import screening_exclude, screening_register
from xianfeng.regions.models import Region
from xianfeng.residents import services as residents
from xianfeng.residents.models import Consent, Household, HouseholdTag, Resident, is_elderly
from xianfeng.teams.models import TeamMembership

DAY = datetime.timedelta(days=1)
# Serving branch per township (seed.ORGS), for the households watched against falling back.
SERVING = {"210681105": "外科党支部", "210681106": "精神科党支部", "210681107": "精神科党支部"}
# The screening path of 10 suspected residents: how far each got.
SCREENING_PLAN = ["suspected"] * 2 + ["referred"] * 2 + ["diagnosed"] + ["registered"] * 3 + ["excluded"] * 2


def seed_care(seeder) -> None:
    elderly(seeder)
    pairing(seeder)
    poverty(seeder)


def _residents(township: str, today: datetime.date) -> list[Resident]:
    rows = Resident.objects.filter(
        village__code__startswith=township, merged_into__isnull=True, deceased_on__isnull=True, birth_date__isnull=False
    ).exclude(note__contains="待核对")
    return list(rows.order_by("pk"))


# ---------------------------------------------------------------------- screening


def seed_screening(seeder) -> None:
    """赵医生 screens ten residents of 孤山镇 and follows each along the path."""
    rng, today, user, member = seeder.rng, seeder.today, seeder.doctor_user, seeder.doctor
    tagged = set(Resident.objects.filter(tags__tag="severe_mental").values_list("pk", flat=True))
    pool = [r for r in _residents("210681101", today) if r.pk not in tagged and (r.age(today) or 0) >= 16]
    people = rng.sample(pool, min(len(pool), len(SCREENING_PLAN)))
    later = []
    for resident, outcome in zip(people, SCREENING_PLAN, strict=False):
        enrolled_on = today - DAY * (rng.randint(5, 20) if outcome == "suspected" else rng.randint(40, 150))
        enrollment = services.enrollment_create(
            acting_user=user,
            program="smd_screening",
            resident=resident,
            responsible_member=member,
            enrolled_on=enrolled_on,
        )
        add = seeder.visits.add
        tool = {
            "result": "suspected",
            "tool": "精神行为异常识别清单",
            "source": rng.choice(["村医摸排", "网格员上报", "家属反映"]),
        }
        add(enrollment, "screening", enrolled_on, tool, by=user, member=member)
        if outcome == "suspected":
            continue
        referred = enrolled_on + DAY * rng.randint(3, 10)
        add(
            enrollment,
            "referral",
            referred,
            {"destination": seeder.rng.choice(["丹东市第三医院", "丹东市精神卫生中心"])},
            by=user,
            member=member,
        )
        if outcome == "referred":
            continue
        diagnosed = referred + DAY * rng.randint(7, 20)
        if outcome == "excluded":
            data = {
                "diagnosis": "excluded",
                "diagnosed_by": "丹东市第三医院",
                "reason": rng.choice(["急性应激反应，已缓解", "抑郁发作（非严重精神障碍）"]),
            }
        else:
            data = {"diagnosis": rng.choice(["schizophrenia", "bipolar", "paranoid"]), "diagnosed_by": "丹东市第三医院"}
        add(enrollment, "diagnosis", diagnosed, data, by=user, member=member)
        later.append((enrollment, outcome, diagnosed))
    seeder.visits.flush()
    for enrollment, outcome, diagnosed in later:
        if outcome == "excluded":
            screening_exclude(acting_user=user, enrollment=enrollment, ended_on=diagnosed + DAY * 2)
        elif outcome == "registered":
            registered = min(today, diagnosed + DAY * rng.randint(3, 10))
            residents.consent_record(
                acting_user=user, resident=enrollment.resident, kind=Consent.Kind.FOLLOW_UP, on_date=registered
            )
            residents.resident_tag_add(
                acting_user=user, resident=enrollment.resident, tag="severe_mental", valid_from=diagnosed
            )
            managed = screening_register(
                acting_user=user, enrollment=enrollment, enrolled_on=registered, guardian=seeder.name()
            )
            seeder.smd_year(managed, "normal", "basically_stable", user, member)


# ---------------------------------------------------------------------- 65岁及以上


def elderly(seeder) -> None:
    """Everyone 65 or over in 前阳镇 (210681104), enrolled by 李书记 when the system started (or on
    their 65th birthday since); most checked this year, two falling due this week, some not yet."""
    rng, today = seeder.rng, seeder.today
    user = seeder.users["shuji"]
    org = seeder.orgs["内科党支部"]
    staff = list(Member.objects.filter(branch=org, user__isnull=True).order_by("pk")[:6]) or [seeder.doctor]
    start = today - DAY * 372
    people = [r for r in _residents("210681104", today) if is_elderly(r.birth_date, today)]
    due_soon = 0
    for resident in people:
        enrolled_on = max(start, add_months(resident.birth_date, 65 * 12))  # from the 65th birthday
        enrollment = services.enrollment_create(
            acting_user=user, program="elderly_check", resident=resident, org=org, enrolled_on=enrolled_on
        )
        if due_soon < 2 and enrolled_on == start:  # checked a year ago: due again this week
            on = add_months(today + DAY * (due_soon * 3 + 1), -12)
            due_soon += 1
        elif rng.random() < 0.72 and enrolled_on + DAY * 10 < today - DAY * 20:
            on = enrolled_on + DAY * rng.randint(10, (today - enrolled_on).days - 20)
        else:
            continue
        seeder.visits.add(enrollment, "check", on, _check(rng), by=user, member=rng.choice(staff))


def _check(rng) -> dict:
    systolic = rng.randint(110, 165)
    height = rng.randint(150, 178)
    data = {
        "self_care": rng.choice(["independent"] * 6 + ["mild", "moderate"]),
        "systolic": systolic,
        "diastolic": systolic - rng.randint(35, 60),
        "height": height,
        "weight": round(height * height / 10000 * rng.uniform(19, 28), 1),
        "waist": rng.randint(70, 105),
        "tcm_constitution": True,
    }
    for key in (
        "blood_routine",
        "urine_routine",
        "fasting_glucose",
        "blood_lipids",
        "liver_function",
        "kidney_function",
        "ecg",
        "abdominal_ultrasound",
    ):
        data[key] = "abnormal" if rng.random() < 0.12 else "normal"
    data["guidance"] = ["health_education"] + (["recheck"] if "abnormal" in data.values() else [])
    return data


# ---------------------------------------------------------------------- 结对帮扶


def pairing(seeder) -> None:
    """张志愿 (dangyuan) calls three families of 援鄂医疗队 staff twice a week; the third family got
    only one call last week. A psychiatry party doctor visits 十字街镇's patients once a month."""
    rng, today = seeder.rng, seeder.today
    volunteer_user, secretary = seeder.users["dangyuan"], seeder.users["shuji"]
    volunteer = Member.objects.get(user=volunteer_user)
    staff = [
        m.member
        for m in TeamMembership.objects.filter(team__name="援鄂医疗队").select_related("member").order_by("pk")[:3]
    ]
    homes = list(
        Household.objects.filter(village__code__startswith="210681101").exclude(head__isnull=True).order_by("pk")
    )
    monday = today - DAY * today.weekday()
    paired_on = monday - DAY * 56
    for number, (home, member) in enumerate(zip(rng.sample(homes, min(3, len(homes))), staff, strict=False)):
        residents.household_tag_add(
            acting_user=seeder.admin,
            household=home,
            tag="medical_family",
            valid_from=datetime.date(2020, 2, 8),
            note=f"{member.name}（援鄂医疗队）家属",
        )
        enrollment = pairing_create(
            acting_user=secretary,
            household=home,
            responsible_member=volunteer,
            target_count=2,
            target_period="week",
            kind="family_of_staff",
            staff=member.name,
            purpose=f"援鄂医疗队队员{member.name}的家属",
            enrolled_on=paired_on,
        )
        days = []
        for week in range(8, 0, -1):
            first = monday - DAY * 7 * week
            days += [first + DAY, first + DAY * 4] if not (number == 2 and week == 1) else [first + DAY * 2]
        if number == 0:
            days += [d for d in (monday + DAY, monday + DAY * 4) if d < today] or [today]
        elif number == 1:
            days += [monday + DAY * 2] if monday + DAY * 2 < today else []
        for day in days:
            data = {"mode": rng.choice(["phone"] * 4 + ["visit", "video"]), "reached": True}
            if rng.random() < 0.2:
                data["needs"] = rng.choice(
                    ["老人降压药快吃完了", "孩子网课需要一台旧电脑", "家里缺消毒用品", "想了解家人在前方的情况"]
                )
            seeder.visits.add(
                enrollment, "contact", day, data, by=volunteer_user, member=volunteer, stype="family_support"
            )
    township = Region.objects.filter(code="210681106").first()
    doctors = [m for m in seeder.psychiatry if m.party_stage == "full"] or seeder.psychiatry
    if township is None or not doctors:
        return
    doctor, clerk = doctors[0], seeder.users["dangban"]
    first = (today.replace(day=1) - DAY * 170).replace(day=1)
    enrollment = pairing_create(
        acting_user=clerk,
        region=township,
        responsible_member=doctor,
        target_count=1,
        target_period="month",
        kind="poor_patients",
        purpose="党员医生包片：十字街镇贫困居家患者每月上门一次",
        enrolled_on=first,
    )
    patients = _residents("210681106", today)
    month = first
    while month <= today:
        day = month + DAY * rng.randint(5, 20)
        if day < today and patients:
            data = {"mode": "visit", "reached": True}
            seeder.visits.add(
                enrollment,
                "contact",
                day,
                data,
                by=clerk,
                member=doctor,
                stype="home_nursing_edu",
                resident=rng.choice(patients),
            )
        month = add_months(month, 1)


# ---------------------------------------------------------------------- 防返贫监测


def poverty(seeder) -> None:
    """15 households watched monthly by the branch that serves their township; three visits are
    overdue, one household's risk was eliminated and its case closed."""
    rng, today, clerk = seeder.rng, seeder.today, seeder.users["dangban"]
    homes = Household.objects.filter(village_id__gte="210681105", village_id__lt="210681108")
    homes = list(homes.exclude(head__isnull=True).order_by("pk"))
    tagged = set(HouseholdTag.objects.filter(tag="monitored").values_list("household_id", flat=True))
    branches = {}
    for number, home in enumerate(rng.sample(homes, min(15, len(homes)))):
        org = seeder.orgs[SERVING[home.village_id[:9]]]
        if org.pk not in branches:
            branches[org.pk] = list(Member.objects.filter(branch=org, user__isnull=True).order_by("pk")[:3])
        member = rng.choice(branches[org.pk])
        if home.pk not in tagged:
            residents.household_tag_add(
                acting_user=seeder.admin, household=home, tag="monitored", valid_from=today - DAY * 340
            )
        enrolled_on = today - DAY * rng.randint(150, 330)
        data = {
            "risk_factors": rng.sample(
                [
                    "serious_illness",
                    "chronic_burden",
                    "severe_disability",
                    "disabled_elderly",
                    "accident",
                    "unemployment",
                ],
                rng.choice((1, 1, 2)),
            ),
            "income_per_capita": str(rng.randrange(5200, 9800, 100)),
            "contact_cadre": seeder.name(),
        }
        enrollment = services.enrollment_create(
            acting_user=clerk,
            program="poverty_watch",
            household=home,
            org=org,
            responsible_member=member,
            enrolled_on=enrolled_on,
            data=data,
        )
        stop = today - DAY * rng.randint(40, 70) if number < 3 else today
        on, last = enrolled_on + DAY * rng.randint(1, 5), None
        while on <= stop:
            visit = {
                "situation": rng.choice(["stable"] * 3 + ["improving", "worsening"]),
                "measures": rng.sample(["medical_aid", "employment", "industry", "dibao", "temporary_aid"], 1),
            }
            if number == 3 and on + DAY * 31 > stop:
                visit = {"situation": "improving", "measures": ["employment"], "risk_eliminated": True}
            seeder.visits.add(
                enrollment,
                "visit",
                on,
                visit,
                by=clerk,
                member=member,
                stype=rng.choice(["household_visit", "household_visit", "phone_survey"]),
            )
            last, on = on, on + DAY * rng.randint(26, 31)
        if number == 3 and last is not None:
            seeder.visits.flush()
            enrollment.refresh_from_db()
            poverty_exit(
                acting_user=clerk,
                enrollment=enrollment,
                reason="risk_eliminated",
                ended_on=min(today, last + DAY * 3),
                note="务工收入稳定",
            )

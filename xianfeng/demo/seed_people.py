"""Demo people: ~360 members across the branches (with party histories that keep the rules),
73 volunteers, and the teams of the seed articles: a vanguard team, five commando teams of
106, a volunteer team that grew from 6 to 73, a medical team that went to Hubei, a village
work team rotated in April 2023, a hotline rota, 15 pioneer posts and 3 township zones.

Members come in through the members import (as a clerk would load them); teams, posts and
zones through the services. Deterministic and idempotent.

Volunteer numbers (志愿者编号, printed on certificates instead of the ID number) follow the
platform's format ``ZY`` + year of registration + a six-digit sequence within the year
(``members.identity.volunteer_number``; new volunteers get the next one automatically). The
volunteers and the party members come with one in the import file (registered 2018–2023, as
党员注册志愿者 would be); everyone else who serves in a team or has a login gets one when they
join. The numbers come from their own random stream, so the names and histories stay as they were."""

import csv
import datetime
import random
import tempfile
from collections import Counter
from pathlib import Path

from django.db.models import Q

from xianfeng.accounts.models import User
from xianfeng.core.idnumber import check_char
from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.members import services as member_services
from xianfeng.members.identity import volunteer_number
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage, Step, add_months
from xianfeng.regions.models import Region
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team, TeamMembership

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕"
    "彬鹏辉健波宁欣悦雪梅琳晨浩宇思雨佳琪子涵博文志国建新海峰亮春秋冬晓"
)
TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师", "主管护师", "护师", "护士", "主管技师", "技师", "科员"]
EDUCATION = ["博士研究生", "硕士研究生", "大学本科", "大学本科", "大学本科", "大学专科"]
# branch, head count, departments
STAFF = [
    ("内科党支部", 70, ["心内科", "呼吸内科", "消化内科", "肾内科"]),
    ("内科第一党小组", 20, ["内分泌科"]),
    ("外科党支部", 60, ["普外科", "骨科", "神经外科", "泌尿外科"]),
    ("精神科党支部", 50, ["精神科", "心理门诊"]),
    ("检验影像党支部", 40, ["检验科", "影像科"]),
    ("机关党支部", 30, ["党委办公室", "医务科", "院办"]),
    ("护理部", 20, ["护理部"]),
]
VOLUNTEER_ORGS = [("东港市阳光社会工作服务中心", 45), ("心理健康志愿服务联盟", 28)]
REGISTRATION_YEARS = (2018, 2023)  # volunteer numbers in the import file: years of registration
LATE_REGISTRATION_YEAR = 2024  # the year the others serving in teams or with a login were numbered
INTRODUCERS = ["王建国", "李秀英", "张志强", "刘桂兰", "陈立军", "杨春梅", "赵德明", "孙丽华"]
D = datetime.date


def _name(rng: random.Random, used: set) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if name not in used:
            used.add(name)
            return name


def _id_number(birth: datetime.date, serial: int, female: bool) -> str:
    serial = serial % 500 * 2 + (0 if female else 1)
    first17 = f"210681{birth:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


def _history(rng: random.Random, stage: str, birth: datetime.date, today: datetime.date) -> dict:
    """Dates of the steps for a member who has reached ``stage`` (all within the rules)."""
    days = datetime.timedelta
    if stage == "none":
        return {}
    if stage == "applicant":
        apply = today - days(rng.randint(5, 60))
        talk = min(today, apply + days(rng.randint(3, 25)))
        return {"申请入党日期": apply} | ({"谈话日期": talk} if rng.random() < 0.5 else {})
    if stage == "activist":
        activist = today - days(rng.randint(30, 520))
        apply = activist - days(rng.randint(60, 200))
        return {"申请入党日期": apply, "谈话日期": apply + days(20), "确定积极分子日期": activist}
    if stage == "candidate":
        candidate = today - days(rng.randint(20, 150))
        activist = add_months(candidate, -rng.randint(12, 16))
        apply = activist - days(rng.randint(60, 200))
        dates = {"申请入党日期": apply, "谈话日期": apply + days(20), "确定积极分子日期": activist}
        dates["确定发展对象日期"] = candidate
        if rng.random() < 0.5:
            dates["政治审查日期"] = min(today, candidate + days(30))
        return dates
    if stage == "probationary":
        admit = today - days(rng.randint(30, 420))  # a few are past their year: overdue on the worklist
    else:
        earliest = max(add_months(birth, 21 * 12), D(1988, 1, 1))
        if earliest > add_months(today, -15):
            return {}
        admit = earliest + days(rng.randint(0, max(1, (add_months(today, -15) - earliest).days)))
    candidate = admit - days(rng.randint(60, 120))
    activist = add_months(candidate, -rng.randint(12, 18))
    apply = activist - days(rng.randint(90, 300))
    dates = {"申请入党日期": apply, "谈话日期": apply + days(15), "确定积极分子日期": activist}
    dates |= {"确定发展对象日期": candidate, "政治审查日期": candidate + days(30), "入党日期": admit}
    if stage == "full":
        dates["转正日期"] = add_months(admit, 12)
    return dates


def member_rows(today: datetime.date) -> list[dict]:
    rng = random.Random(2026)
    used: set = set()
    rows = []
    stages = ["full"] * 55 + ["probationary"] * 6 + ["candidate"] * 5 + ["activist"] * 8 + ["applicant"] * 5
    stages += ["none"] * 21
    for branch, count, departments in STAFF:
        for _ in range(count):
            female = rng.random() < 0.55
            birth = D(rng.randint(1966, 2000), rng.randint(1, 12), rng.randint(1, 28))
            stage = rng.choice(stages)
            row = {
                "姓名": _name(rng, used),
                "身份证号": _id_number(birth, len(rows), female),
                "手机号": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                "学历": rng.choice(EDUCATION),
                "职称/职务": rng.choice(TITLES),
                "科室/单位": rng.choice(departments),
                "所属支部": branch,
                "人员类别": "职工",
            }
            history = _history(rng, stage, birth, today)
            row |= {k: v.isoformat() for k, v in history.items()}
            if "入党日期" in history:
                row["入党介绍人"] = "、".join(rng.sample(INTRODUCERS, 2))
            rows.append(row)
    for org, count in VOLUNTEER_ORGS:
        for _ in range(count):
            birth = D(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28))
            stage = "full" if rng.random() < 0.2 else "none"
            row = {
                "姓名": _name(rng, used),
                "出生日期": birth.isoformat(),
                "性别": rng.choice("男女"),
                "手机号": f"15{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                "科室/单位": rng.choice(["退休教师", "社区工作者", "大学生", "个体经营", "退休职工"]),
                "所属支部": org,
                "人员类别": "志愿者",
            }
            row |= {k: v.isoformat() for k, v in _history(rng, stage, birth, today).items()}
            rows.append(row)
    _number_volunteers(rows)
    return rows


def _number_volunteers(rows: list[dict]) -> None:
    """A volunteer number for every volunteer and every party member (admitted or probationary),
    in file order: ZY + a registration year + the next sequence of that year. Its own random
    stream (the names, ID numbers and histories drawn above do not move)."""
    rng = random.Random(86)
    sequences: Counter = Counter()
    for row in rows:
        if row["人员类别"] == "志愿者" or "入党日期" in row:
            year = rng.randint(*REGISTRATION_YEARS)
            sequences[year] += 1
            row["志愿者编号"] = volunteer_number(year, sequences[year])


def _import_members(admin, today: datetime.date) -> None:
    rows = member_rows(today)
    headers = sorted({h for row in rows for h in row})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=headers)
            writer.writeheader()
            writer.writerows(rows)
        outcome = engine.run(
            get_spec("members"), path, ImportContext(user=admin), original_name="members.csv", commit=True
        )
    if not outcome.committed:
        problems = outcome.file_problem or [(e.row, e.column, e.message) for e in outcome.errors[:5]]
        raise RuntimeError(f"demo members did not import: {problems}")


def _record_reviews(admin, today: datetime.date) -> None:
    """Six-monthly reviews of activists and candidates; about one in four is behind."""
    rng = random.Random(7)
    pipeline_members = Member.objects.filter(party_stage__in=[Stage.ACTIVIST, Stage.CANDIDATE]).order_by("pk")
    for member in pipeline_members:
        steps = {s.step: s.on_date for s in member.party_steps.all()}
        start = steps.get(Step.CANDIDATE, steps.get(Step.ACTIVIST))
        if start is None:
            continue
        due = [add_months(start, 6 * n) for n in range(1, 6) if add_months(start, 6 * n) <= today]
        if due and rng.random() < 0.25:
            due = due[:-1]
        for day in due:
            member_services.party_step_record(
                acting_user=admin, member=member, step=Step.REVIEW, on_date=day - datetime.timedelta(days=3)
            )


def _link_users(admin, orgs) -> None:
    for username, branch, title in (
        ("dangyuan", "内科党支部", "主治医师"),
        ("jingfang", "精神科党支部", "精防医生"),
        ("rexian", "精神科党支部", "心理治疗师"),
        ("dudao", "精神科党支部", "主任医师"),
    ):
        user = User.objects.filter(username=username).first()
        if user is not None and not Member.objects.filter(user=user).exists():
            member_services.member_create(
                acting_user=admin, name=user.display_name, branch=orgs[branch], title=title, user=user
            )
    _make_party_member(admin, "dangyuan")


def _make_party_member(admin, username: str) -> None:
    """The demo volunteer is also a 正式党员 of 内科党支部 (issue 13: their own dues, study and 请战书),
    admitted through the pipeline's steps like anyone else."""
    member = Member.objects.filter(user__username=username).first()
    if member is None or member.party_stage != Stage.NONE:
        return
    D = datetime.date
    for step, day, introducers in (
        (Step.APPLY, D(2014, 3, 1), ""),
        (Step.TALK, D(2014, 3, 20), ""),
        (Step.ACTIVIST, D(2014, 9, 1), ""),
        (Step.CANDIDATE, D(2015, 10, 1), ""),
        (Step.POLITICAL_REVIEW, D(2015, 11, 1), ""),
        (Step.ADMIT, D(2016, 1, 10), "王建国、李秀英"),
        (Step.FULL, D(2017, 1, 10), ""),
    ):
        member_services.party_step_record(
            acting_user=admin, member=member, step=step, on_date=day, introducers=introducers
        )


def _seat_volunteer_login(admin) -> None:
    """The demo volunteer (dangyuan) serves in a team, so their 工作台 shows 「我的队伍」 with a link."""
    member = Member.objects.filter(user__username="dangyuan").first()
    team = Team.objects.filter(name="内科党员先锋队").first()
    if member is not None and team is not None:
        team_services.membership_add(
            acting_user=admin, team=team, member=member, role=TeamMembership.Role.LIAISON, start_on=D(2024, 3, 1)
        )


def _number_team_and_login_members(admin) -> None:
    """Everyone who serves in a team or signs in (the demo volunteer dangyuan, the 精防医生) has a
    volunteer number, as a certificate prints it: the next numbers of LATE_REGISTRATION_YEAR, in
    the order of the members. Only blanks are filled, so running it again changes nothing."""
    serving = Member.objects.filter(volunteer_no="").filter(
        Q(user__isnull=False) | Q(pk__in=TeamMembership.objects.values("member_id"))
    )
    for member in serving.order_by("pk"):
        member_services.member_update(
            acting_user=admin, member=member, volunteer_no=member_services.next_volunteer_number(LATE_REGISTRATION_YEAR)
        )


def _pick(members: list, count: int, taken: set) -> list:
    chosen = [m for m in members if m.pk not in taken][:count]
    taken.update(m.pk for m in chosen)
    return chosen


def _team(admin, orgs, name, kind, org, start, crew, purpose=""):
    team = team_services.team_create(
        acting_user=admin, name=name, kind=kind, owner_org=orgs[org], active_from=start, purpose=purpose
    )
    for index, (member, day) in enumerate(crew):
        role = TeamMembership.Role.LEADER if index == 0 else TeamMembership.Role.MEMBER
        team_services.membership_add(acting_user=admin, team=team, member=member, role=role, start_on=day)
    return team


def _seed_teams(admin, orgs, today: datetime.date) -> None:
    K = Team.Kind
    staff = list(Member.objects.filter(category=Member.Category.STAFF).select_related("branch").order_by("pk"))
    party = [m for m in staff if m.party_stage in ("full", "probationary")]
    volunteers = list(Member.objects.filter(category=Member.Category.VOLUNTEER).order_by("pk"))
    taken: set = set()
    medicine = [m for m in party if m.branch.name in ("内科党支部", "内科第一党小组")]
    _team(
        admin,
        orgs,
        "内科党员先锋队",
        K.VANGUARD,
        "内科党支部",
        D(2021, 7, 1),
        [(m, D(2021, 7, 1)) for m in medicine[:20]],
        "急难险重任务冲在前",
    )
    for number, size in enumerate((21, 21, 21, 21, 22), start=1):
        crew = _pick(staff, size, taken)
        _team(
            admin,
            orgs,
            f"疫情防控第{number}突击队",
            K.COMMANDO,
            "东港市中心医院党委",
            D(2022, 3, 15),
            [(m, D(2022, 3, 15)) for m in crew],
            "核酸采样、方舱与隔离点医疗保障",
        )
    # The volunteer team grew from 6 founders to 73.
    crew = [
        (m, D(2021, 10, 10) if i < 6 else D(2021, 11, 1) + datetime.timedelta(days=9 * i))
        for i, m in enumerate(volunteers[:73])
    ]
    _team(
        admin,
        orgs,
        "阳光心理志愿服务队",
        K.VOLUNTEER,
        "心理健康志愿服务联盟",
        D(2021, 10, 10),
        crew,
        "心理健康宣传、陪伴与转介",
    )
    hubei = _team(
        admin,
        orgs,
        "援鄂医疗队",
        K.MEDICAL,
        "东港市中心医院党委",
        D(2020, 2, 8),
        [(m, D(2020, 2, 8)) for m in _pick(party, 12, set())],
        "支援湖北抗击新冠肺炎疫情",
    )
    team_services.team_dissolve(acting_user=admin, team=hubei, on_date=D(2020, 4, 12), reason="任务完成，平安返回")
    # Village work team: three people, handed over in April 2023.
    village = team_services.team_create(
        acting_user=admin,
        name="驻油坊村工作队",
        kind=K.VILLAGE,
        owner_org=orgs["驻村工作队临时党支部"],
        active_from=D(2021, 4, 1),
        purpose="乡村振兴驻村帮扶，防返贫监测",
    )
    R = TeamMembership.Role
    first, second = _pick(party, 3, taken), _pick(party, 3, taken)
    for member, role in zip(first, (R.FIRST_SECRETARY, R.LEADER, R.MEMBER), strict=True):
        team_services.membership_add(acting_user=admin, team=village, member=member, role=role, start_on=D(2021, 4, 1))
    team_services.team_rotate(
        acting_user=admin,
        team=village,
        on_date=D(2023, 4, 1),
        reason="2023年4月轮换交接",
        joining=list(zip(second, (R.FIRST_SECRETARY, R.LEADER, R.MEMBER), strict=True)),
    )
    psychiatry = [m for m in staff if m.branch.name == "精神科党支部"]
    _team(
        admin,
        orgs,
        "心理援助热线值守组",
        K.HOTLINE,
        "精神科党支部",
        D(2022, 1, 1),
        [(m, D(2022, 1, 1)) for m in psychiatry[:8]],
        "24小时心理援助热线",
    )
    _seed_posts_and_zones(admin, orgs, party, psychiatry)


POSTS = [
    "急诊党员先锋岗",
    "门诊导医先锋岗",
    "发热门诊先锋岗",
    "核酸检测先锋岗",
    "120急救先锋岗",
    "ICU党员先锋岗",
    "手术室先锋岗",
    "血透室先锋岗",
    "检验质控先锋岗",
    "影像报告先锋岗",
    "便民服务先锋岗",
    "医保咨询先锋岗",
    "心理门诊先锋岗",
    "健康宣教先锋岗",
    "后勤保障先锋岗",
]


def _seed_posts_and_zones(admin, orgs, party, psychiatry) -> None:
    for index, name in enumerate(POSTS):
        holder = party[(index * 7) % len(party)]
        post = team_services.post_create(
            acting_user=admin, name=name, owner_org=holder.branch, active_from=D(2022, 7, 1)
        )
        team_services.post_assign(acting_user=admin, post=post, member=holder, start_on=D(2022, 7, 1))
    doctors = psychiatry[:4]
    for index, code in enumerate(("210681101", "210681106", "210681107")):
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        zone = team_services.zone_create(
            acting_user=admin,
            name=f"{region.name}精防责任区",
            owner_org=orgs["精神科党支部"],
            regions=[region],
            active_from=D(2022, 1, 1),
            description="每名党员医生包联一个乡镇的严重精神障碍患者管理",
        )
        team_services.zone_assign(acting_user=admin, zone=zone, member=doctors[index], start_on=D(2022, 1, 1))
        if index == 0:
            team_services.zone_assign(
                acting_user=admin, zone=zone, member=doctors[3], start_on=D(2024, 7, 1), note="原负责人调岗，交接"
            )


def seed_people(admin, orgs) -> None:
    if not Member.objects.exists():
        today = datetime.date.today()
        _import_members(admin, today)
        _record_reviews(admin, today)
        _link_users(admin, orgs)
        _seed_teams(admin, orgs, today)
        _seat_volunteer_login(admin)
    _number_team_and_login_members(admin)  # also numbers a demo seeded before numbers were given

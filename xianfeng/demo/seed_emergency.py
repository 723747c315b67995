"""Demo crisis (issue 13 §6, §8): the hospital committee's COVID-19 response of 2020, from the
seed article: 14 working groups under a leading group, 10 leadership meetings, the call to serve,
and about sixty daily situation reports whose cumulative counts only ever grow.

The "people" part seeds the 请战书, commando teams, the outbound team's pairings and the rosters
into the same emergency, found by DEMO_EMERGENCY_NAME. Everything goes through the services the
pages use (the dates are in 2020, all in the past, which the services accept). Idempotent: once
the committee has an emergency of that name, nothing is added.
"""

import datetime
import random

from xianfeng.emergencies import services_command, services_daily
from xianfeng.emergencies.models import Emergency
from xianfeng.members.models import Member

DEMO_EMERGENCY_NAME = "新冠肺炎疫情防控"
COMMITTEE = "东港市中心医院党委"
START = datetime.date(2020, 1, 23)
END = datetime.date(2020, 4, 30)
REPORT_DAYS = 60

GROUPS = [
    ("综合协调组", "统筹调度、上传下达、督导检查"),
    ("医疗救治组", "发热患者诊治、疑似病例会诊、重症救治"),
    ("院感防控组", "院内感染防控培训、督查，医务人员防护"),
    ("发热门诊组", "发热门诊、预检分诊 24 小时运行"),
    ("隔离病区组", "隔离病区收治、闭环管理"),
    ("物资保障组", "防护物资、药品、设备的筹措与调配"),
    ("后勤保障组", "餐饮、住宿、交通、保洁、医疗废物处置"),
    ("宣传报道组", "先进事迹宣传、舆情监测、健康科普"),
    ("人员调配组", "医护人员调配、轮休、援外人员选派"),
    ("信息统计组", "每日疫情数据汇总、上报"),
    ("党员突击队工作组", "请战书收集、党员突击队组建与管理"),
    ("心理援助组", "医务人员、患者及家属心理疏导"),
    ("关爱帮扶组", "援外医务人员家属一对一结对帮扶"),
    ("督导检查组", "各项防控措施落实情况督导"),
]

MEETINGS = [
    (START, "成立疫情防控领导小组", "成立领导小组及14个工作组；启动应急预案；发热门诊24小时运行"),
    (datetime.date(2020, 1, 25), "发出请战倡议", "向全体党员发出请战倡议，组建党员突击队"),
    (datetime.date(2020, 1, 28), "隔离病区开设部署", "开设隔离病区，实行闭环管理，安排接送车辆"),
    (datetime.date(2020, 2, 3), "物资保障专题会", "建立防护物资日报制度，优先保障一线"),
    (datetime.date(2020, 2, 8), "援鄂医疗队选派", "选派援鄂医疗队，成立临时党支部；启动家属一对一结对"),
    (datetime.date(2020, 2, 15), "院感防控督查通报", "通报院感督查问题，限期整改"),
    (datetime.date(2020, 2, 24), "复工复诊安排", "有序恢复门诊，坚持预检分诊"),
    (datetime.date(2020, 3, 5), "火线入党工作部署", "对一线递交入党申请书的同志及时培养考察"),
    (datetime.date(2020, 3, 20), "常态化防控部署", "调整工作组，转入常态化防控"),
    (datetime.date(2020, 4, 12), "援鄂医疗队凯旋总结", "总结援鄂工作，表彰先进，临时党支部撤销"),
]

CALL_TEXT = (
    "全院共产党员：疫情就是命令，防控就是责任。请大家不忘初心、牢记使命，"
    "主动请缨、冲锋在前，把党旗高高插在疫情防控第一线！"
)


def _staff(committee) -> list:
    return list(Member.objects.filter(branch__path__startswith=committee.path).order_by("id")[:80])


def daily_counts(days: int = REPORT_DAYS, seed: int = 2020) -> list[dict]:
    """Plausible cumulative counts for ``days`` consecutive days, never decreasing."""
    rng = random.Random(seed)
    totals = dict.fromkeys(
        (
            "screened",
            "isolated_suspected",
            "confirmed",
            "asymptomatic",
            "severe",
            "transferred",
            "discharged",
            "deaths",
            "staff_infections",
        ),
        0,
    )
    rows = []
    for day in range(days):
        wave = max(0.0, 1.0 - abs(day - 18) / 22)  # the peak in mid-February
        totals["screened"] += rng.randint(60, 90) + int(140 * wave)
        totals["isolated_suspected"] += rng.randint(0, 2) + int(6 * wave)
        new_confirmed = rng.randint(0, 1 + int(3 * wave)) if day < 45 else 0
        totals["confirmed"] += new_confirmed
        totals["asymptomatic"] += rng.randint(0, 1) if 5 < day < 40 and rng.random() < 0.3 else 0
        totals["severe"] += 1 if new_confirmed >= 3 and rng.random() < 0.4 else 0
        totals["transferred"] = max(totals["transferred"], int(totals["confirmed"] * 0.7))
        totals["discharged"] = max(totals["discharged"], int(totals["confirmed"] * min(1.0, max(0, day - 14) / 35)))
        totals["deaths"] += 1 if day == 27 else 0
        rows.append(dict(totals))
    return rows


def seed_emergency(admin, orgs) -> Emergency | None:
    committee = orgs.get(COMMITTEE)
    if committee is None:
        return None
    existing = Emergency.objects.filter(org=committee, name=DEMO_EMERGENCY_NAME).first()
    if existing is not None:
        return existing
    emergency = services_command.emergency_create(
        acting_user=admin,
        org=committee,
        name=DEMO_EMERGENCY_NAME,
        kind=Emergency.Kind.EPIDEMIC,
        start_on=START,
        end_on=END,
        description="新冠肺炎疫情发生后，院党委成立疫情防控领导小组，下设14个工作组，组建党员突击队，"
        "选派援鄂医疗队，开设隔离病区，每日上报疫情防控情况。",
    )
    emergency = services_command.emergency_set_call(
        acting_user=admin, emergency=emergency, call_text=CALL_TEXT, pledges_open=False
    )
    staff = _staff(committee)
    for i, (name, duties) in enumerate(GROUPS):
        crew = staff[(i * 5) % len(staff) :][:5] if staff else []
        services_command.working_group_create(
            acting_user=admin,
            emergency=emergency,
            name=name,
            duties=duties,
            leader=crew[0] if crew else None,
            members=crew[1:],
            order=i + 1,
        )
    for held_on, title, decisions in MEETINGS:
        services_command.leadership_meeting_create(
            acting_user=admin,
            emergency=emergency,
            held_on=held_on,
            title=title,
            host=staff[0] if staff else None,
            attendees=staff[:9],
            decisions=decisions,
        )
    for offset, counts in enumerate(daily_counts()):
        services_daily.daily_report_file(
            acting_user=admin,
            emergency=emergency,
            day=START + datetime.timedelta(days=offset),
            counts=counts,
            note="" if offset % 7 else "本周防控形势平稳，各项措施落实到位。",
        )
    return emergency

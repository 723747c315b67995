"""Demo study, honours and outputs (issue 13 §8): the committee's weekly 微课堂 — twelve lessons
pushed this year, each due two weeks later — and two documents of 内科党支部, studied by most
party members of the clinical branches (临床第一党总支) with their hours; the demo member
(dangyuan) has studied most of them, and one lesson is overdue. Honours on the wall: 内科党支部's
先进基层党组织 (市级), the committee's 省级 title, members' 优秀共产党员 and 优秀党务工作者 (院级);
outputs: the hospital magazine's issues 第101–103期, articles, 公众号 pushes and a video.

Everything goes through the services the pages use, as the administrator; dates are relative to
today and the studied share drawn from a seeded generator, so two runs on the same day agree.
Idempotent: once the committee has pushed its lessons (or recorded its honours / outputs),
that part is not added again.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.partylife import services_honours, services_study
from xianfeng.partylife.models import Honour, HonourLevel, Output, StudyCompletion, StudyItem

COMMITTEE = "东港市中心医院党委"
BRANCH = "内科党支部"
CLINICAL = "临床第一党总支"
DEMO_MEMBER = "dangyuan"

LESSONS = [
    "党章第一章：党员",
    "《中国共产党支部工作条例（试行）》解读",
    "伟大建党精神",
    "医德医风与廉洁行医",
    "健康中国行动",
    "抗疫精神与医者担当",
    "《中国共产党纪律处分条例》学习",
    "深入基层：驻村工作的故事",
    "志愿服务与党员先锋岗",
    "心理援助热线的党员力量",
    "“以病人为中心”的服务理念",
    "年度主题教育总结",
]
DOCUMENTS = [
    ("内科党支部年度党建工作要点", 40, 20),  # title, pushed days ago, due in days after the push
    ("关于开展“党员先锋岗”创建活动的通知", 12, 30),
]


def _schedule(today: datetime.date) -> list[datetime.date]:
    """Twelve weekly push dates ending this week, kept within this year."""
    start = max(datetime.date(today.year, 1, 1), today - datetime.timedelta(weeks=11))
    step = min(7, (today - start).days // 11) if today > start else 0
    return [start + datetime.timedelta(days=step * n) for n in range(12)]


def _items(admin, orgs, today) -> tuple[list[StudyItem], list[StudyItem]]:
    committee, branch = orgs[COMMITTEE], orgs[BRANCH]
    lessons = list(StudyItem.objects.filter(org=committee, kind=StudyItem.Kind.LESSON, title__startswith="微课堂"))
    if not lessons:
        for n, (title, day) in enumerate(zip(LESSONS, _schedule(today), strict=True), start=1):
            lessons.append(
                services_study.study_item_create(
                    acting_user=admin,
                    org=committee,
                    kind=StudyItem.Kind.LESSON,
                    title=f"微课堂第{n}讲：{title}",
                    body=f"每周微课堂第{n}讲。请党员在两周内学习并登记学时与心得。",
                    published_on=day,
                    due_on=day + datetime.timedelta(days=14),
                    hours=Decimal("1.0"),
                )
            )
    documents = list(StudyItem.objects.filter(org=branch, kind=StudyItem.Kind.DOCUMENT))
    if not documents:
        for title, ago, due in DOCUMENTS:
            day = max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=ago))
            documents.append(
                services_study.study_item_create(
                    acting_user=admin,
                    org=branch,
                    kind=StudyItem.Kind.DOCUMENT,
                    title=title,
                    published_on=day,
                    due_on=day + datetime.timedelta(days=due),
                    hours=Decimal("2.0"),
                )
            )
    return sorted(lessons, key=lambda i: i.published_on), documents


def _complete(admin, item, member, rng, today) -> None:
    latest = min(today, item.due_on or today)
    span = max((latest - item.published_on).days, 0)
    services_study.study_complete(
        acting_user=admin,
        item=item,
        member=member,
        completed_on=item.published_on + datetime.timedelta(days=rng.randint(0, span)),
        hours=item.hours + Decimal(rng.choice(["0", "0", "0", "0.5"])),
        note=rng.choice(["", "", "深受启发", "结合临床工作认真学习", "已在科室交流"]),
    )


def _completions(admin, orgs, lessons, documents, today) -> None:
    if StudyCompletion.objects.filter(item__in=[*lessons, *documents]).exists():
        return
    rng = random.Random(13)
    clinical = orgs.get(CLINICAL) or orgs[BRANCH]
    members = list(
        Member.objects.filter(branch__path__startswith=clinical.path, party_stage__in=[Stage.FULL, Stage.PROBATIONARY])
        .exclude(user__username=DEMO_MEMBER)
        .select_related("branch")
        .order_by("pk")
    )
    for member in members:
        diligence = rng.choice([0.95, 0.9, 0.8, 0.6])  # most study nearly everything, a few lag
        pushed = lessons + [d for d in documents if member.branch.path.startswith(d.org.path)]
        for item in pushed:
            recent = item.due_on is not None and item.due_on >= today
            if rng.random() < (diligence * 0.6 if recent else diligence):
                _complete(admin, item, member, rng, today)
    demo = Member.objects.filter(user__username=DEMO_MEMBER).select_related("branch").first()
    if demo is not None:
        # Studied the first lessons and the branch's first document; one lesson past its due date
        # is still open (red on their phone), the latest ones are still within their time.
        overdue = [i for i in lessons if i.due_on < today]
        for item in overdue[:-1] + documents[:1]:
            if demo.branch.path.startswith(item.org.path):
                _complete(admin, item, demo, rng, today)


HONOURS = [
    # recipient (org name, or a member picked from the branch by position), title, level, issuer, date
    (
        ("org", COMMITTEE),
        "全省卫生健康系统先进基层党组织",
        HonourLevel.PROVINCIAL,
        "中共辽宁省卫生健康委员会党组",
        (2021, 6, 30),
    ),
    (("org", BRANCH), "先进基层党组织", HonourLevel.CITY, "中共东港市委", (2024, 6, 28)),
    (("org", "精神科党支部"), "五好党支部", HonourLevel.COUNTY, "中共东港市卫生健康局党组", (2023, 7, 1)),
    (("member", BRANCH, 0), "优秀共产党员", HonourLevel.INSTITUTION, "东港市中心医院党委", (2024, 7, 1)),
    (("member", BRANCH, 1), "优秀共产党员", HonourLevel.INSTITUTION, "东港市中心医院党委", (2025, 7, 1)),
    (("member", "外科党支部", 0), "优秀党务工作者", HonourLevel.INSTITUTION, "东港市中心医院党委", (2025, 7, 1)),
    (("member", BRANCH, 2), "最美志愿者", HonourLevel.CITY, "东港市志愿服务联合会", (2025, 12, 5)),
]


def _honours(admin, orgs, today) -> None:
    if Honour.objects.filter(org=orgs[COMMITTEE]).exists():
        return
    for recipient, title, level, issuer, (y, m, d) in HONOURS:
        awarded_on = min(datetime.date(y, m, d), today)
        if recipient[0] == "org":
            target = {"org": orgs[recipient[1]]} if recipient[1] in orgs else None
        else:
            branch = orgs.get(recipient[1])
            party = Member.objects.filter(branch=branch, party_stage=Stage.FULL).order_by("pk") if branch else None
            member = party[recipient[2]] if party is not None and party.count() > recipient[2] else None
            target = {"member": member} if member is not None else None
        if target is None:
            continue
        services_honours.honour_create(
            acting_user=admin, title=title, level=level, issuer=issuer, awarded_on=awarded_on, **target
        )


OUTPUTS = [
    # kind, title, issue number, days ago
    (Output.Kind.MAGAZINE, "《东港中心医院报》第101期", "101", 150),
    (Output.Kind.MAGAZINE, "《东港中心医院报》第102期", "102", 90),
    (Output.Kind.MAGAZINE, "《东港中心医院报》第103期", "103", 30),
    (Output.Kind.ARTICLE, "三十年如一日：内科党支部的党建之路", "", 120),
    (Output.Kind.ARTICLE, "驻村工作队的四百户走访", "", 60),
    (Output.Kind.PUSH, "“党员先锋岗”风采展示", "", 75),
    (Output.Kind.PUSH, "微课堂：伟大建党精神", "", 45),
    (Output.Kind.PUSH, "义诊进乡村，党员在行动", "", 14),
    (Output.Kind.VIDEO, "心理援助热线一周年", "", 20),
]


def _outputs(admin, orgs, today) -> None:
    committee = orgs[COMMITTEE]
    if Output.objects.filter(org=committee).exists():
        return
    for kind, title, issue_no, ago in OUTPUTS:
        services_honours.output_create(
            acting_user=admin,
            org=committee,
            kind=kind,
            title=title,
            issue_no=issue_no,
            published_on=today - datetime.timedelta(days=ago),
        )


def seed_partylife_study(admin, orgs) -> None:
    today = timezone.localdate()
    lessons, documents = _items(admin, orgs, today)
    _completions(admin, orgs, lessons, documents, today)
    _honours(admin, orgs, today)
    _outputs(admin, orgs, today)

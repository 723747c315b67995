"""Demo 三会一课 (issue 13 §8): a year (today − 12 months .. today) of 内科党支部's organizational
life — monthly 支委会 and 主题党日 (one of them also a volunteer day), quarterly 支部党员大会 and
党课, monthly 党小组会 of 内科第一党小组, a 组织生活会, a 民主评议党员 and 谈心谈话 — with the
attendance of the branch's party members. Deliberately overdue, so the calendar shows red: the
支委会 of two months ago and last month's 党小组会 were never held, and this month's 党小组会
is still due. One 支部党员大会 fell short of its quorum and was saved as invalid (with its
explanation); it was held again a week later. The latest 支委会 has a photo of its signed minutes
attached (a drawn page, stored encrypted like any upload). Other branches are lighter: 外科党支部
its 支委会 and assemblies only, and the village work team's temporary branch has a local rule
(no 党小组, so 党小组会 are not required).

Everything goes through the services the pages use, as the administrator; dates are relative
to today and absences drawn from a seeded generator, so two runs on the same day agree.
Idempotent: once 内科党支部 has meetings, nothing is added.
"""

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone

from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.partylife import services_meetings as services
from xianfeng.partylife import services_meetings_files as files
from xianfeng.partylife.compliance import add_months, month_start
from xianfeng.partylife.models import QUORUM_KINDS, Attendance, Meeting, MeetingKind, Period
from xianfeng.regions.models import Region

K = MeetingKind
BRANCH = "内科党支部"
GROUP = "内科第一党小组"
SURGERY = "外科党支部"
VILLAGE_BRANCH = "驻村工作队临时党支部"
KEY = "demo-meetings-"
PLACES = ["门诊楼三楼会议室", "内科示范党员活动室", "住院部十楼示教室"]
LEAVE_REASONS = ["外出学习", "值夜班", "病假", "公差", "手术", "探亲"]
LESSONS = [
    "学习《中国共产党支部工作条例（试行）》",
    "医德医风与廉洁行医",
    "党史学习：伟大建党精神",
    "践行“以病人为中心”",
]
THEMES = ["义诊进社区", "重温入党誓词", "参观廉政教育基地", "慢病随访进乡村", "无偿献血", "结对帮扶走访"]


def _roll(org) -> list[Member]:
    return list(
        Member.objects.filter(branch__path__startswith=org.path, party_stage__in=(Stage.PROBATIONARY, Stage.FULL))
        .select_related("branch")
        .order_by("pk")
    )


def _attendance(rng: random.Random, roll: list[Member], absent_share: float, kind: str) -> list[tuple]:
    rows = []
    for member in roll:
        if rng.random() < absent_share:
            status = Attendance.Status.LEAVE if rng.random() < 0.8 else Attendance.Status.ABSENT
            rows.append((member, status, rng.choice(LEAVE_REASONS)))
        else:
            rows.append((member, Attendance.Status.PRESENT, ""))
    if kind in QUORUM_KINDS:
        # The demo's valid meetings had their quorum: bring the absent voters back until more
        # than half of those with a vote are present (a small committee can draw three absences).
        voters = [i for i, (m, _s, _r) in enumerate(rows) if m.party_stage == Stage.FULL]
        absent = [i for i in voters if rows[i][1] != Attendance.Status.PRESENT]
        while absent and (len(voters) - len(absent)) * 2 <= len(voters):
            i = absent.pop()
            rows[i] = (rows[i][0], Attendance.Status.PRESENT, "")
    return rows


def _committee(roll: list[Member]) -> list[Member]:
    """The branch committee (支委): five of the 正式党员."""
    return [m for m in roll if m.party_stage == Stage.FULL][:5]


def _create(admin, key: str, org, kind, day, title, roll, rng, absent_share=0.12, **extra):
    host = extra.pop("host", None) or (roll[0] if roll else None)
    recorder = extra.pop("recorder", None) or (roll[1] if len(roll) > 1 else None)
    return services.meeting_create(
        acting_user=admin,
        org=org,
        kind=kind,
        held_on=day,
        title=title,
        start_time=datetime.time(16, 30) if kind != K.THEME_DAY else datetime.time(8, 30),
        place=rng.choice(PLACES),
        host=host,
        recorder=recorder,
        topics=extra.pop("topics", title),
        attendance=_attendance(rng, roll, absent_share, kind) if roll else None,
        idempotency_key=KEY + key,
        **extra,
    ).meeting


def _place_of_service(branch):
    """Where the branch's volunteer day went: a township it serves (else the demo county's first)."""
    served = [r for r in branch.regions.order_by("code") if len(r.code) >= 9]
    if served:
        return served[0]
    return Region.objects.filter(code__startswith="210681", level=Region.Level.TOWNSHIP).order_by("code").first()


def _months(today: datetime.date) -> list[datetime.date]:
    """The first days of the last twelve months and this one, oldest first."""
    first = month_start(today)
    return [add_months(first, -n) for n in range(12, -1, -1)]


def _day(month: datetime.date, day: int, today: datetime.date) -> datetime.date | None:
    """The ``day``-th of ``month`` when it has come (None when it is still ahead)."""
    date = month.replace(day=min(day, 28))
    return date if date <= today else None


def seed_partylife_meetings(admin, orgs) -> None:
    branch, group = orgs.get(BRANCH), orgs.get(GROUP)
    if branch is None or Meeting.objects.filter(org=branch).exists():
        return
    today = timezone.localdate()
    rng = random.Random(13)
    roll = _roll(branch)
    group_roll = _roll(group) if group else []
    committee = _committee(roll)
    secretary = committee[0] if committee else None
    months = _months(today)
    skipped_committee = add_months(month_start(today), -2)
    last_month = add_months(month_start(today), -1)
    activity_month = add_months(month_start(today), -3)
    short_done = False
    for index, month in enumerate(months):
        tag = f"{month:%Y%m}"
        day = _day(month, 8, today)
        if day and month != skipped_committee:
            _create(admin, f"committee-{tag}", branch, K.COMMITTEE, day, f"{month.month}月支委会", committee, rng, 0.1)
        day = _day(month, 18, today)
        if day:
            theme = THEMES[index % len(THEMES)]
            also = month == activity_month
            _create(
                admin,
                f"theme-{tag}",
                branch,
                K.THEME_DAY,
                day,
                f"主题党日：{theme}",
                roll,
                rng,
                0.15,
                record_activity=also,
                activity_hours=Decimal("3"),
                activity_region=_place_of_service(branch) if also else None,
                host=secretary,
            )
        day = _day(month, 12, today)
        if group and group_roll and day and month not in (last_month, month_start(today)):
            _create(admin, f"group-{tag}", group, K.GROUP, day, f"{month.month}月党小组会", group_roll, rng, 0.1)
        if month.month in (3, 6, 9, 12) or month == month_start(today):
            # Quarterly: the assembly and the lecture, in the quarter's last month (or now).
            day = _day(month, 22, today) or (today if month == month_start(today) else None)
            if day and month.month in (3, 6, 9, 12) and index >= 4 and not short_done:
                short_done = True
                # Fell short of its quorum: saved as invalid, held again a week later.
                short = day - datetime.timedelta(days=7)
                _create(
                    admin,
                    f"assembly-short-{tag}",
                    branch,
                    K.BRANCH_ASSEMBLY,
                    short,
                    "支部党员大会",
                    roll,
                    rng,
                    0.6,
                    is_valid=False,
                    invalid_note="到会人数未过半数，改期召开",
                    note="到会人数未过半数，改期召开",
                    host=secretary,
                )
            if day:
                _create(
                    admin,
                    f"assembly-{tag}",
                    branch,
                    K.BRANCH_ASSEMBLY,
                    day,
                    "支部党员大会",
                    roll,
                    rng,
                    0.1,
                    host=secretary,
                )
                lesson = LESSONS[index % len(LESSONS)]
                _create(
                    admin, f"lecture-{tag}", branch, K.LECTURE, day, f"党课：{lesson}", roll, rng, 0.1, host=secretary
                )
    january = datetime.date(today.year, 1, 1)
    life_day = january + datetime.timedelta(days=20) if january + datetime.timedelta(days=20) <= today else None
    if life_day is None:  # early January: last year's
        life_day = datetime.date(today.year - 1, 12, 20)
    _create(
        admin,
        f"org-life-{life_day:%Y}",
        branch,
        K.ORG_LIFE,
        life_day,
        "年度组织生活会",
        roll,
        rng,
        0.05,
        host=secretary,
    )
    _create(
        admin,
        f"appraisal-{life_day:%Y}",
        branch,
        K.APPRAISAL,
        life_day,
        "民主评议党员",
        roll,
        rng,
        0.05,
        host=secretary,
    )
    talk_day = life_day - datetime.timedelta(days=5)
    _create(
        admin, f"talk-{talk_day:%Y}", branch, K.TALK, talk_day, "会前谈心谈话", committee[:2], rng, 0, host=secretary
    )
    _attach_minutes(admin, branch)
    _seed_lighter(admin, orgs, today, rng)


def _minutes_photo(title: str) -> bytes:
    """A plain drawn page standing for the photo of signed minutes (no font needed)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 560, 760), outline=(120, 120, 120), width=3)
    for y in range(120, 700, 36):
        draw.line((70, y, 530, y), fill=(180, 180, 180), width=2)
    draw.line((380, 720, 520, 700), fill=(160, 30, 30), width=4)  # the signature
    draw.text((70, 70), title.encode("ascii", "ignore").decode() or "minutes", fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _attach_minutes(admin, branch) -> None:
    latest = Meeting.objects.filter(org=branch, kind=K.COMMITTEE, voided_at__isnull=True).order_by("-held_on").first()
    if latest is None:
        return
    files.meeting_file_add(
        acting_user=admin,
        meeting=latest,
        name=f"{latest.held_on:%Y%m%d}-minutes.jpg",
        data=_minutes_photo(f"{latest.held_on:%Y-%m-%d}"),
        caption="会议记录签字页",
    )


def _seed_lighter(admin, orgs, today: datetime.date, rng: random.Random) -> None:
    surgery = orgs.get(SURGERY)
    if surgery is not None:
        roll = _roll(surgery)
        committee = _committee(roll)
        for month in _months(today)[-6:]:
            day = _day(month, 10, today)
            if day:
                _create(
                    admin,
                    f"surgery-committee-{month:%Y%m}",
                    surgery,
                    K.COMMITTEE,
                    day,
                    f"{month.month}月支委会",
                    committee,
                    rng,
                )
            if day and month.month in (3, 6, 9, 12):
                _create(
                    admin, f"surgery-assembly-{month:%Y%m}", surgery, K.BRANCH_ASSEMBLY, day, "支部党员大会", roll, rng
                )
    village = orgs.get(VILLAGE_BRANCH)
    if village is not None and village.active_to is None:
        services.compliance_rule_create(
            acting_user=admin,
            org=village,
            kind=K.GROUP,
            period=Period.MONTH,
            min_count=0,
            start_on=village.active_from,
            note="驻村工作队临时党支部未设党小组",
        )

"""Demo call log (issue 12 §1, §6): a staffed month of 心理援助热线值守组 — about 150 calls over
the last 30 days, spread over the hours (busier in the evening) and the topics, a few online;
four crises: three closed (two in time, one late) and one raised today, still open, for 孙督导
(login ``dudao``), whose 工作台 and every page show it in red; one call taken by a member who was
not on the shift (flagged 不在排班内).

Runs after the roster seed (seed_hotline_roster): on days with shifts the call is taken by a
member on the shift covering it; on days without, by a member of the team. Through the services
(ServiceRecord per call, escalations, ChangeLog), each call with an idempotency key starting with
``demo-hotline-``: a second run replays them and changes nothing. A deterministic random
sequence; dates relative to now.
"""

import datetime
import random

from django.utils import timezone

from xianfeng.hotline.models import Call
from xianfeng.hotline.services_calls import call_log, shift_covering
from xianfeng.hotline.services_escalations import escalation_close
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.selectors import on_date_q

KEY = "demo-hotline-"
TEAM = "心理援助热线值守组"
CALLS = 150
DAYS = 30
# Hours of the day, weighted like a hotline's evening peak.
HOURS = [0, 1, 2, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 20, 20, 21, 21, 21, 22, 22, 22, 23, 23]
TOPICS = [
    ("sleep", 5),
    ("epidemic_anxiety", 4),
    ("family", 4),
    ("study", 3),
    ("work", 3),
    ("depression", 3),
    ("relationship", 2),
    ("grief", 2),
    ("physical", 1),
    ("medication", 1),
    ("other", 1),
]
OUTCOMES = [("advice", 6), ("resolved", 4), ("referral", 2), ("callback", 1)]
INTERVENTIONS = {
    "sleep": "倾听，睡眠卫生指导，放松训练",
    "epidemic_anxiety": "情绪疏导，科普防护知识，建议减少信息过载",
    "family": "倾听，沟通技巧建议",
    "study": "压力评估，学习计划与放松方法",
    "work": "压力管理建议",
    "depression": "情绪评估，建议到精神科门诊就诊",
    "grief": "哀伤陪伴，告知后续支持资源",
}
SAFE = {
    "suicidal_ideation": False,
    "suicide_plan": False,
    "suicide_attempt": False,
    "means_access": False,
    "violence_risk": False,
    "self_harm": False,
}
HIGH = SAFE | {"suicidal_ideation": True, "suicide_plan": True, "means_access": True}
# The closed crises: (days ago, hour, minutes from the call to closing, outcome)
CLOSED_CRISES = [(20, 22, 18, "family"), (12, 23, 25, "safe"), (6, 21, 75, "emergency")]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _taker(team: Team, when: datetime.datetime, members: list[Member], rng: random.Random) -> Member:
    shift, _rostered = shift_covering(team, when)
    on_shift = list(shift.assignments.select_related("member").order_by("pk")) if shift is not None else []
    if on_shift:
        return on_shift[rng.randrange(len(on_shift))].member
    return members[rng.randrange(len(members))]


def _not_on(team: Team, when: datetime.datetime, members: list[Member]) -> Member | None:
    shift, _rostered = shift_covering(team, when)
    if shift is None:
        return None
    on = set(shift.assignments.values_list("member_id", flat=True))
    return next((m for m in members if m.pk not in on), None)


def seed_hotline_calls(admin, orgs) -> None:
    team = Team.objects.filter(name=TEAM, kind=Team.Kind.HOTLINE).first()
    if team is None:
        return
    now = timezone.now()
    today = timezone.localdate()
    memberships = TeamMembership.objects.filter(on_date_q(today), team=team).select_related("member")
    members = [m.member for m in memberships.order_by("member__pk")]
    if not members:
        return
    regions = list(
        Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith="210681")
        .order_by("code")
        .values_list("code", flat=True)[:12]
    )
    rng = random.Random(12)
    for number in range(CALLS):
        days_ago = number % DAYS
        when = _at(today - datetime.timedelta(days=days_ago), rng.choice(HOURS), rng.randrange(60))
        if when > now - datetime.timedelta(minutes=30):
            when -= datetime.timedelta(days=1)
        topic = _weighted(rng, TOPICS)
        fields = {
            "started_at": when,
            "duration_minutes": rng.randint(5, 55),
            "channel": "online" if rng.random() < 0.12 else "phone",
            "team": team,
            "taken_by": _taker(team, when, members, rng),
            "topic": topic,
            "outcome": _weighted(rng, OUTCOMES),
            "intervention": INTERVENTIONS.get(topic, "倾听与支持"),
            "region": rng.choice(regions) if regions and rng.random() < 0.4 else "",
            "caller_age_group": rng.choice(["", "teen", "young", "young", "middle", "older"]),
            "caller_gender": rng.choice(["", "F", "M", "F"]),
            **SAFE,
        }
        if rng.random() < 0.15:
            fields["suicidal_ideation"] = True  # ideation without a plan: medium, no escalation
            fields["outcome"] = "referral"
        elif rng.random() < 0.1:
            fields["self_harm"] = True
        call_log(acting_user=admin, idempotency_key=f"{KEY}{number}", alert=False, **fields)
    _off_roster_call(admin, team, members, today, now)
    _crises(admin, team, members, today, now)


def _off_roster_call(admin, team, members, today, now) -> None:
    """Taken by a colleague who covered a duty without being on the roster (flagged, allowed)."""
    when = _at(today - datetime.timedelta(days=2), 10, 40)
    taker = _not_on(team, when, members)
    if taker is None:
        return
    call_log(
        acting_user=admin,
        idempotency_key=f"{KEY}off-roster",
        started_at=when,
        duration_minutes=15,
        team=team,
        taken_by=taker,
        topic="work",
        outcome="advice",
        intervention="临时顶班接听：压力管理建议",
        **SAFE,
    )


def _crises(admin, team, members, today, now) -> None:
    for index, (days_ago, hour, minutes, outcome) in enumerate(CLOSED_CRISES):
        when = _at(today - datetime.timedelta(days=days_ago), hour, 10)
        saved = call_log(
            acting_user=admin,
            idempotency_key=f"{KEY}crisis-{index}",
            escalation_raised_at=when + datetime.timedelta(minutes=3),
            alert=False,
            started_at=when,
            duration_minutes=min(minutes, 40),
            team=team,
            taken_by=_taker(team, when, members, random.Random(index)),
            topic="depression",
            outcome="crisis",
            intervention="评估自杀风险，稳定情绪，获取所在位置与联系人，即时报告督导",
            caller_age_group="young",
            **HIGH,
        )
        escalation = saved.escalation
        if escalation is not None and escalation.is_open:
            escalation_close(
                acting_user=admin,
                escalation=escalation,
                outcome=outcome,
                outcome_note="督导回拨并按危机干预流程处置",
                closed_at=when + datetime.timedelta(minutes=minutes),
            )
    _open_crisis_today(admin, team, members, now)


def _open_crisis_today(admin, team, members, now) -> None:
    """Today's crisis, taken by 周值守 (login rexian) and still open for 孙督导 (dudao)."""
    zhou = Member.objects.filter(user__username="rexian").first() or members[0]
    when = (now - datetime.timedelta(minutes=20)).replace(second=0, microsecond=0)
    if Call.objects.filter(created_by=admin, idempotency_key=f"{KEY}crisis-open").exists():
        return
    call_log(
        acting_user=admin,
        idempotency_key=f"{KEY}crisis-open",
        started_at=when,
        duration_minutes=18,
        team=team,
        taken_by=zhou,
        topic="grief",
        outcome="crisis",
        intervention="来电者表示已准备药物，正在稳定情绪并确认所在位置",
        **(SAFE | {"suicidal_ideation": True, "suicide_plan": True, "means_access": True}),
    )

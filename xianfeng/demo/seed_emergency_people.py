"""Demo people of the 2020 crisis (issue 13 §6, §8), into the emergency seed_emergency.py creates:
请战书 from most of the committee's party members (a few dozen: the article's 580 is the figure
the committee reported, not something to fake), three commando teams formed from them (dissolved
when the emergency ended), the 援鄂医疗队 linked as the outbound team with its temporary branch and
its staff's families paired 1-to-1, a week of the closed ward's roster with transport, and three
front-line applications to join the party.

The emergency is past and its call to serve closed, which the pledge service refuses: the pledges
(and the outbound team's link, the team having been dissolved) are written as history, with their
ChangeLog; everything else goes through the services the pages use. Idempotent: once the emergency
has pledges, nothing is added.
"""

import datetime
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.emergencies import services_applications, services_duty, services_teams
from xianfeng.emergencies.models import Emergency, EmergencyTeam, Pledge
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.programs.models import Enrollment
from xianfeng.programs.pairing import CODE as PAIRING
from xianfeng.programs.services_pairing import pairing_create, team_families
from xianfeng.residents import services as resident_services
from xianfeng.residents.models import Household, HouseholdTag, HouseholdTagKind
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team, TeamMembership

D = datetime.date
PLEDGE_DAYS = (D(2020, 1, 25), D(2020, 1, 26), D(2020, 1, 27))
TEAM_START = D(2020, 1, 28)
ROSTER_FROM = D(2020, 1, 29)
ROSTER_DAYS = 7
MAX_PLEDGES = 45
TEXTS = (
    "我是一名共产党员，疫情就是命令，我志愿加入党员突击队，服从组织安排，不计报酬，无论生死！",
    "我有多年呼吸科和重症监护工作经验，请求到隔离病区一线工作。",
    "作为党员，我申请到发热门诊一线，守好医院第一道关口。",
    "我孩子已送回老家，没有后顾之忧，请组织派我去最需要的地方。",
    "我申请参加援外医疗队，随时听从召唤。",
    "后勤保障也是战场，我请求负责隔离病区的物资和转运保障。",
)
WILLING = ["front_line", "ward", "ward", "screening", "screening", "outbound", "logistics", "any", "any"]
TEAMS = (
    ("发热门诊党员突击队", "screening", "发热门诊预检分诊、24 小时接诊"),
    ("隔离病区党员突击队", "ward", "隔离病区收治、闭环管理"),
    ("后勤保障党员突击队", "logistics", "物资转运、餐饮、交通保障"),
)
TEAM_SIZE = 8
# The closed ward's three shifts, each with its pickup (vehicle, place, minutes before).
SLOTS = (
    (datetime.time(0, 0), datetime.time(8, 0), "通勤车3", "职工宿舍"),
    (datetime.time(8, 0), datetime.time(16, 0), "通勤车1", "职工宿舍"),
    (datetime.time(16, 0), datetime.time(0, 0), "通勤车2", "医院东门"),
)
APPLICANTS = 3


def _emergency(orgs, emergency):
    if emergency is not None:
        return emergency
    from xianfeng.demo.seed_emergency import COMMITTEE, DEMO_EMERGENCY_NAME

    committee = orgs.get(COMMITTEE)
    if committee is None:
        return None
    return Emergency.objects.filter(org=committee, name=DEMO_EMERGENCY_NAME).select_related("org").first()


def _aware(day, at):
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _volunteers(emergency) -> list[Member]:
    """Party members under the committee who never served on a commando team and did not go to
    Hubei (they were already at a post of their own)."""
    busy = TeamMembership.objects.filter(
        Q(team__kind=Team.Kind.COMMANDO) | Q(team__emergency_link__isnull=False) | Q(team__name="援鄂医疗队")
    ).values("member_id")
    return list(
        Member.objects.filter(
            branch__path__startswith=emergency.org.path, party_stage__in=[Stage.FULL, Stage.PROBATIONARY]
        )
        .exclude(pk__in=busy)
        .select_related("branch")
        .order_by("branch__path", "pk")[:MAX_PLEDGES]
    )


def _pledges(admin, emergency, rng) -> list[Pledge]:
    rows = []
    for i, member in enumerate(_volunteers(emergency)):
        pledge = Pledge(
            emergency=emergency,
            member=member,
            written_on=PLEDGE_DAYS[i % len(PLEDGE_DAYS)],
            text=rng.choice(TEXTS),
            willing=rng.choice(WILLING),
            created_by=admin,
        )
        pledge.full_clean(exclude=["emergency", "member", "team", "created_by"])
        pledge.save()
        changelog_write(
            actor=admin,
            action=ChangeLog.Action.CREATE,
            obj=pledge,
            after=snapshot(pledge),
            note="历史请战书（演示数据）",
        )
        rows.append(pledge)
    return rows


def _commando_teams(admin, emergency, pledges) -> list[EmergencyTeam]:
    free = list(pledges)
    links = []
    for name, willing, purpose in TEAMS:
        crew = [p for p in free if p.willing == willing][:TEAM_SIZE]
        crew += [p for p in free if p not in crew and p.willing == "any"][: TEAM_SIZE - len(crew)]
        if len(crew) < 2:
            continue
        link = services_teams.commando_team_form(
            acting_user=admin,
            emergency=emergency,
            name=name,
            pledges=crew,
            leader=crew[0],
            start_on=TEAM_START,
            purpose=purpose,
        )
        links.append(link)
        free = [p for p in free if p not in crew]
    for pledge in free[-4:]:  # a few the committee did not place
        pledge.status = Pledge.Status.DECLINED
        pledge.save(update_fields=["status", "updated_at"])
    return links


def _outbound(admin, emergency, orgs, volunteers) -> EmergencyTeam | None:
    team = Team.objects.filter(name="援鄂医疗队", kind=Team.Kind.MEDICAL).first()
    if team is None or EmergencyTeam.objects.filter(team=team).exists():
        return None
    link = EmergencyTeam(
        emergency=emergency,
        team=team,
        purpose=EmergencyTeam.Purpose.OUTBOUND,
        temporary_branch=orgs.get("援鄂医疗队临时党支部"),
    )
    link.full_clean()
    link.save()
    changelog_write(actor=admin, action=ChangeLog.Action.CREATE, obj=link, after=snapshot(link), note="演示数据")
    # Families of the staff not yet paired (seed_programs_care pairs three): two more households.
    as_of = team.active_to or D(2020, 4, 12)
    staff = [f.staff.pk for f in team_families(admin, team, today=as_of)]
    others = [
        m.member
        for m in TeamMembership.objects.filter(team=team).select_related("member").order_by("pk")
        if m.member_id not in staff
    ][:2]
    tagged = HouseholdTag.objects.filter(tag=HouseholdTagKind.MEDICAL_FAMILY).values("household_id")
    homes = list(
        Household.objects.filter(village__code__startswith="210681")
        .exclude(head__isnull=True)
        .exclude(pk__in=tagged)
        .order_by("pk")[:2]
    )
    for member, home, volunteer in zip(others, homes, volunteers, strict=False):
        resident_services.household_tag_add(
            acting_user=admin,
            household=home,
            tag="medical_family",
            valid_from=D(2020, 2, 8),
            note=f"{member.name}（援鄂医疗队）家属",
        )
        pairing_create(
            acting_user=admin,
            household=home,
            responsible_member=volunteer,
            target_count=2,
            target_period="week",
            kind="family_of_staff",
            staff=member.name,
            purpose=f"援鄂医疗队队员{member.name}的家属",
            enrolled_on=D(2020, 2, 10),
        )
    return link


def _roster(admin, emergency, links) -> int:
    count = 0
    ward = next((link for link in links if link.team.name == "隔离病区党员突击队"), None)
    if ward is not None:
        crew = [m.member for m in ward.team.memberships.select_related("member").order_by("pk")]
        for offset in range(ROSTER_DAYS):
            day = ROSTER_FROM + datetime.timedelta(days=offset)
            for i, member in enumerate(crew):
                start, end, vehicle, place = SLOTS[(i + offset) % len(SLOTS)]
                starts = _aware(day, start)
                ends = _aware(day + datetime.timedelta(days=1 if end <= start else 0), end)
                services_duty.duty_shift_create(
                    acting_user=admin,
                    emergency=emergency,
                    site="隔离病区（三病区）",
                    site_kind="ward",
                    member=member,
                    team=ward.team,
                    starts_at=starts,
                    ends_at=ends,
                    vehicle=vehicle,
                    pickup_place=place,
                    pickup_at=starts - datetime.timedelta(minutes=40),
                )
                count += 1
    screening = next((link for link in links if link.team.name == "发热门诊党员突击队"), None)
    if screening is not None:
        result = services_duty.duty_shifts_bulk(
            acting_user=admin,
            emergency=emergency,
            team=screening.team,
            date_from=ROSTER_FROM,
            date_to=ROSTER_FROM + datetime.timedelta(days=ROSTER_DAYS - 1),
            start_time=datetime.time(8, 0),
            end_time=datetime.time(20, 0),
            site="发热门诊",
            site_kind="onsite",
            vehicle="通勤车4",
            pickup_place="职工宿舍",
            pickup_minutes_before=30,
        )
        count += len(result.created)
    return count


def _applications(admin, emergency) -> int:
    candidates = Member.objects.filter(
        branch__path__startswith=emergency.org.path,
        party_stage=Stage.NONE,
        party_steps__isnull=True,
        birth_date__lte=D(2000, 1, 1),
        birth_date__gte=D(1975, 1, 1),
    ).order_by("pk")[:APPLICANTS]
    made = 0
    for i, member in enumerate(candidates):
        services_applications.application_receive(
            acting_user=admin,
            emergency=emergency,
            member=member,
            applied_on=D(2020, 2, 5) + datetime.timedelta(days=9 * i),
            letter="在抗击疫情的一线，我亲眼看到共产党员冲锋在前，我志愿加入中国共产党，请党组织在火线上考验我。",
        )
        made += 1
    return made


@transaction.atomic
def seed_emergency_people(admin, orgs, emergency: Emergency | None = None) -> dict | None:
    emergency = _emergency(orgs, emergency)
    if emergency is None or Pledge.objects.filter(emergency=emergency).exists():
        return None
    rng = random.Random(2020)
    pledges = _pledges(admin, emergency, rng)
    links = _commando_teams(admin, emergency, pledges)
    placed = {p.member_id for p in Pledge.objects.filter(emergency=emergency, status=Pledge.Status.SELECTED)}
    helpers = [p.member for p in pledges if p.member_id not in placed]
    outbound = _outbound(admin, emergency, orgs, helpers)
    shifts = _roster(admin, emergency, links)
    applications = _applications(admin, emergency)
    end = emergency.end_on or D(2020, 4, 30)
    for link in links:
        team_services.team_dissolve(acting_user=admin, team=link.team, on_date=end, reason="疫情防控应急任务结束")
    return {
        "pledges": len(pledges),
        "teams": len(links),
        "outbound": outbound is not None,
        "pairings": Enrollment.objects.filter(program=PAIRING, data__kind="family_of_staff").count(),
        "shifts": shifts,
        "applications": applications,
    }

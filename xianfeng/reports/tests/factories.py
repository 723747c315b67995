"""Builders for the reports tests: counted facts written directly (not through services), with
their place, hours and quantities the way the services store them.

Every builder takes explicit dates so a test's arithmetic does not depend on today's date.
``build_reports_world`` is the shared world of conftest.py's ``reports_world`` fixture.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, UserFactory, user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.residents.tests.factories import (
    COUNTY,
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_A2,
    VILLAGE_B,
    HouseholdFactory,
    ResidentFactory,
    county_regions,
)
from xianfeng.servicelog.models import (
    Activity,
    ActivityParticipant,
    ActivityQuantity,
    RecordProvider,
    ServiceRecord,
    ServiceType,
)
from xianfeng.teams.tests.factories import TeamFactory

# A fixed year the world's facts happen in (period boundaries are tested against it).
YEAR = 2025
JAN1, DEC31 = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)


def service_type(code: str) -> ServiceType:
    """A type of the shipped catalogue (servicelog/migrations/0002_catalogue.py)."""
    return ServiceType.objects.get(code=code)


def record(
    *,
    org,
    type_code: str,
    on: datetime.date,
    resident=None,
    household=None,
    place: str | None = None,
    team=None,
    quantity: Decimal | str = "1",
    providers=(),
    voided: bool = False,
    created_by=None,
) -> ServiceRecord:
    """A service record. Its place is ``place`` or the subject's village ('' = no place);
    ``providers`` = [(member, hours), ...]. A voided record's providers stop counting."""
    stype = service_type(type_code)
    obj = ServiceRecord(
        org=org,
        service_type=stype,
        served_on=on,
        resident=resident,
        household=household,
        team=team,
        quantity=Decimal(str(quantity)),
        health=stype.is_health,
        created_by=created_by,
    )
    subject = resident or household
    obj.set_place(place if place is not None else (subject.village_id if subject is not None else ""))
    if voided:
        obj.voided_at = timezone.now()
        obj.void_reason = "测试作废"
    obj.save()
    for member, hours in providers:
        row = RecordProvider(record=obj, member=member, hours=Decimal(str(hours)), counted=not voided)
        row.copy_place(obj)
        row.save()
    return obj


def activity(
    *,
    org,
    on: datetime.date,
    types=(),
    region: str = "",
    status: str = Activity.Status.HELD,
    headcount: int = 0,
    teams=(),
    participants=(),
    quantities=(),
    voided: bool = False,
    title: str = "",
    created_by=None,
) -> Activity:
    """An activity with its types (codes), teams, participants [(member, hours)] and quantities
    [(type_code, quantity)] (unit = the type's unit); parts count only when the activity does."""
    start = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9, 0)))
    obj = Activity(
        org=org,
        title=title or f"活动{on:%m%d}",
        served_on=on,
        start_at=start,
        region_id=region or None,
        status=status,
        headcount=headcount,
        created_by=created_by,
    )
    obj.set_place(region)
    if voided:
        obj.voided_at = timezone.now()
        obj.void_reason = "测试作废"
    obj.save()
    obj.service_types.set([service_type(code) for code in types])
    obj.teams.set(list(teams))
    for member, hours in participants:
        row = ActivityParticipant(activity=obj, member=member, hours=Decimal(str(hours)), counted=obj.counts)
        row.copy_place(obj)
        row.save()
    for code, amount in quantities:
        stype = service_type(code)
        row = ActivityQuantity(
            activity=obj, service_type=stype, quantity=Decimal(str(amount)), unit=stype.unit, counted=obj.counts
        )
        row.copy_place(obj)
        row.save()
    return obj


def build_reports_base() -> SimpleNamespace:
    """build_reports_world's orgs, regions, team_a and users, without any fact."""
    regions = county_regions()
    committee = OrganizationFactory(name="市医院党委", kind=Organization.Kind.COMMITTEE)
    branch_a = OrganizationFactory(name="内科党支部", parent=committee)
    group_a = OrganizationFactory(name="内科第一党小组", kind=Organization.Kind.GROUP, parent=branch_a)
    branch_b = OrganizationFactory(name="外科党支部", parent=committee)
    branch_a.regions.add(regions[TOWN_A])
    branch_b.regions.add(regions[TOWN_B])
    team_a = TeamFactory(name="内科志愿服务队", owner_org=branch_a)

    w = SimpleNamespace(regions=regions, committee=committee, branch_a=branch_a, group_a=group_a, branch_b=branch_b)
    w.team_a = team_a
    w.admin = UserFactory(username="r_admin", is_superuser=True, org=committee)
    w.leader = user_with_grant(Role.LEADER, Scope.ALL, None, username="r_leader")
    w.clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="r_clerk")
    w.secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, branch_a, username="r_secretary")
    w.doctor = user_with_grant(Role.DOCTOR, Scope.REGION, None, region_prefixes=TOWN_A, username="r_doctor")
    w.member = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, branch_a, username="r_member")
    w.auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="r_auditor")
    return w


def build_reports_world() -> SimpleNamespace:
    """Two branches under a committee, each serving one township of 东港市, one user per role and
    a few facts in YEAR.

    committee 市医院党委 (serves the county through its branches)
    ├── branch_a 内科党支部 → serves 孤山镇 (TOWN_A: VILLAGE_A, VILLAGE_A2); team_a 内科志愿服务队
    │   └── group_a 内科第一党小组
    └── branch_b 外科党支部 → serves 前阳镇 (TOWN_B: VILLAGE_B)

    users: admin (superuser), leader (领导, 全部), clerk (党办干事, committee subtree),
    secretary (支部书记, branch_a subtree), doctor (精防医生, region TOWN_A), member (志愿者,
    branch_a only), auditor (审计员, 全部).

    facts (YEAR-03-15): in branch_a, 送药上门 to resident_a (VILLAGE_A, 1.5 h by member_a) and a
    psychiatric 入户随访 (health) to resident_a; in branch_b, 送药上门 to resident_b (VILLAGE_B);
    one held 义诊 of branch_a in VILLAGE_A2 with headcount 20.
    """
    w = build_reports_base()
    branch_a, branch_b, team_a = w.branch_a, w.branch_b, w.team_a
    w.member_a = MemberFactory(name="王志愿", branch=branch_a, user=w.member)
    w.member_b = MemberFactory(name="赵志愿", branch=branch_b)
    w.household_a = HouseholdFactory(village_id=VILLAGE_A)
    w.resident_a = ResidentFactory(name="李大爷", village_id=VILLAGE_A, household=w.household_a)
    w.resident_b = ResidentFactory(name="张大娘", village_id=VILLAGE_B)

    day = datetime.date(YEAR, 3, 15)
    w.day = day
    w.record_a = record(
        org=branch_a,
        type_code="medicine_delivery",
        on=day,
        resident=w.resident_a,
        team=team_a,
        providers=[(w.member_a, "1.5")],
        created_by=w.clerk,
    )
    w.health_record_a = record(
        org=branch_a, type_code="followup_home", on=day, resident=w.resident_a, created_by=w.doctor
    )
    w.record_b = record(org=branch_b, type_code="medicine_delivery", on=day, resident=w.resident_b, created_by=w.clerk)
    w.activity_a = activity(
        org=branch_a,
        on=day,
        types=["free_clinic"],
        region=VILLAGE_A2,
        headcount=20,
        teams=[team_a],
        title="孤山镇义诊",
        created_by=w.clerk,
    )
    return w


__all__ = [
    "COUNTY",
    "DEC31",
    "JAN1",
    "TOWN_A",
    "TOWN_B",
    "TOWN_C",
    "VILLAGE_A",
    "VILLAGE_A2",
    "VILLAGE_B",
    "VILLAGE_C",
    "YEAR",
    "activity",
    "build_metric_world",
    "build_reports_base",
    "build_reports_world",
    "record",
    "service_type",
]


# ---------------------------------------------------------------------------------------------
# The hand-counted world of the metrics tests (test_metrics*.py compute every figure by hand).

TOWN_C = "210681105"  # 新城镇: nobody serves it; only a voided and an out-of-period record reach it
VILLAGE_C = "210681105200"


def build_metric_world() -> SimpleNamespace:
    """reports_world's orgs and users (without its facts) plus TOWN_C, two teams and these facts:

    records (org, type, subject → place, team, providers):
      R1 YEAR-01-01 branch_a  送药上门  r1 → VILLAGE_A   team_a  m_a 1.5 h
      R2 YEAR-03-10 group_a   送药上门  r1 → VILLAGE_A   team_b  m_b 2.0 h   (r1 served by 2 teams)
      R3 YEAR-06-01 branch_a  入户随访* r2 → VILLAGE_A2  -       m_a 1.0 h   (* health)
      R4 YEAR-12-31 branch_b  入户走访  h3 → VILLAGE_B   team_b  m_b 0.5 h   (户, counts 人次)
      R5 YEAR-07-01 branch_b  发放宣传资料 200 份 → TOWN_B (no village)       (not 人次)
      R6 YEAR-08-01 branch_b  送药上门  r4 → VILLAGE_C   VOIDED  m_b 3.0 h
      R7 YEAR-09-01 branch_a  健康咨询  no place
      R8 (YEAR-1)-12-31 branch_a 送药上门 r4 → VILLAGE_C (before the period)
      R9 (YEAR+1)-01-01 branch_a 送药上门 r1 (after the period)
    activities (org, status, types, place, headcount, participants, quantities):
      A1 YEAR-04-01 branch_a held  义诊+健康讲座 VILLAGE_A2 50  m_a 3.0, m_b 2.5  宣传资料 100 份  team_a
      A2 YEAR-05-01 branch_b held  健康讲座      TOWN_B     30  m_b 2.0        口罩 40 件
      A3 YEAR-06-10 branch_a planned 义诊       VILLAGE_A  99  m_a 5.0
      A4 YEAR-06-11 branch_b cancelled 义诊     VILLAGE_B  77
      A5 YEAR-06-12 branch_a held, VOIDED 义诊  VILLAGE_A  66  m_a 4.0        宣传资料 500 份
      A6 YEAR-10-01 branch_a held  义诊          no place    0  m_a 1.0
    households: r1 ∈ h1 (VILLAGE_A), r2 ∈ h2 (VILLAGE_A2), h3 (VILLAGE_B) has no resident here;
    r4 (VILLAGE_C) has no household. r1 is enrolled in elderly_check and R1 is its visit.
    """
    from xianfeng.programs.models import Enrollment, Visit
    from xianfeng.regions.models import Region
    from xianfeng.residents.tests.factories import region

    w = build_reports_base()
    region(TOWN_C, "新城镇")
    region(VILLAGE_C, "新城村委会")
    w.regions = {r.code: r for r in Region.objects.all()}
    w.team_b = TeamFactory(name="外科突击队", owner_org=w.branch_b)
    w.m_a = MemberFactory(name="王志愿", branch=w.branch_a)
    w.m_b = MemberFactory(name="赵志愿", branch=w.branch_b)
    w.h1 = HouseholdFactory(village_id=VILLAGE_A)
    w.h2 = HouseholdFactory(village_id=VILLAGE_A2)
    w.h3 = HouseholdFactory(village_id=VILLAGE_B)
    w.r1 = ResidentFactory(name="李大爷", village_id=VILLAGE_A, household=w.h1)
    w.r2 = ResidentFactory(name="周大娘", village_id=VILLAGE_A2, household=w.h2)
    w.r4 = ResidentFactory(name="吴大爷", village_id=VILLAGE_C)
    d = datetime.date
    a, b, g = w.branch_a, w.branch_b, w.group_a
    w.R1 = record(
        org=a, type_code="medicine_delivery", on=d(YEAR, 1, 1), resident=w.r1, team=w.team_a, providers=[(w.m_a, "1.5")]
    )
    w.R2 = record(
        org=g,
        type_code="medicine_delivery",
        on=d(YEAR, 3, 10),
        resident=w.r1,
        team=w.team_b,
        providers=[(w.m_b, "2.0")],
    )
    w.R3 = record(org=a, type_code="followup_home", on=d(YEAR, 6, 1), resident=w.r2, providers=[(w.m_a, "1.0")])
    w.R4 = record(
        org=b,
        type_code="household_visit",
        on=d(YEAR, 12, 31),
        household=w.h3,
        team=w.team_b,
        providers=[(w.m_b, "0.5")],
    )
    w.R5 = record(org=b, type_code="leaflet", on=d(YEAR, 7, 1), place=TOWN_B, quantity="200")
    w.R6 = record(
        org=b, type_code="medicine_delivery", on=d(YEAR, 8, 1), resident=w.r4, voided=True, providers=[(w.m_b, "3.0")]
    )
    w.R7 = record(org=a, type_code="health_consult", on=d(YEAR, 9, 1), place="")
    w.R8 = record(org=a, type_code="medicine_delivery", on=d(YEAR - 1, 12, 31), resident=w.r4)
    w.R9 = record(org=a, type_code="medicine_delivery", on=d(YEAR + 1, 1, 1), resident=w.r1)
    w.A1 = activity(
        org=a,
        on=d(YEAR, 4, 1),
        types=["free_clinic", "health_lecture"],
        region=VILLAGE_A2,
        headcount=50,
        teams=[w.team_a],
        participants=[(w.m_a, "3.0"), (w.m_b, "2.5")],
        quantities=[("leaflet", "100")],
    )
    w.A2 = activity(
        org=b,
        on=d(YEAR, 5, 1),
        types=["health_lecture"],
        region=TOWN_B,
        headcount=30,
        participants=[(w.m_b, "2.0")],
        quantities=[("mask_distribution", "40")],
    )
    w.A3 = activity(
        org=a,
        on=d(YEAR, 6, 10),
        types=["free_clinic"],
        region=VILLAGE_A,
        headcount=99,
        status=Activity.Status.PLANNED,
        participants=[(w.m_a, "5.0")],
    )
    w.A4 = activity(
        org=b,
        on=d(YEAR, 6, 11),
        types=["free_clinic"],
        region=VILLAGE_B,
        headcount=77,
        status=Activity.Status.CANCELLED,
    )
    w.A5 = activity(
        org=a,
        on=d(YEAR, 6, 12),
        types=["free_clinic"],
        region=VILLAGE_A,
        headcount=66,
        voided=True,
        participants=[(w.m_a, "4.0")],
        quantities=[("leaflet", "500")],
    )
    w.A6 = activity(
        org=a, on=d(YEAR, 10, 1), types=["free_clinic"], region="", headcount=0, participants=[(w.m_a, "1.0")]
    )
    enrollment = Enrollment(program="elderly_check", resident=w.r1, org=a, enrolled_on=d(YEAR - 1, 6, 1))
    enrollment.set_place(VILLAGE_A)
    enrollment.save()
    Visit.objects.create(enrollment=enrollment, record=w.R1, kind="check", visited_on=w.R1.served_on)
    w.elderly_enrollment = enrollment
    return w

"""An emergency of the committee for the figures' tests, written as raw rows. Period: Q1 2025."""

import datetime

from django.utils import timezone

from xianfeng.emergencies.models import (
    DailyReport,
    Emergency,
    EmergencyTeam,
    FrontLineApplication,
    LeadershipMeeting,
    Pledge,
    WorkingGroup,
)
from xianfeng.members.models import PartyStep
from xianfeng.members.pipeline import Step
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs.models import Enrollment
from xianfeng.reports.tests.factories import build_reports_base
from xianfeng.residents.tests.factories import HouseholdFactory
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.tests.factories import TeamFactory

D = datetime.date
Q1 = {"from": "2025-01-01", "to": "2025-03-31"}
TODAY = D(2025, 6, 30)


def voided(row):
    row.voided_at, row.void_reason = timezone.now(), "录入错误"
    row.save()
    return row


def emergency_world():
    """build_reports_base's orgs and users with:

    E  市医院党委 新冠疫情 2025-01-20 → 2025-03-31; E0 外科党支部 2024 flood (ended 2024-05-01).
    Groups: E 医疗救治组, 后勤保障组; E0 抢险组.  Leadership meetings: E 01-21, 02-01, a voided one.
    Teams: T1, T2 commando (E), T3 outbound (E), T0 commando (E0).
    Memberships: T1 a1 a2; T2 a2 b1; T3 a3; T0 b2.  → 3 commando members (a1 a2 b1).
    请战书 (E): a1 01-21 selected T1; a2 01-22; b1 01-23; a3 withdrawn; b2 to E0 (2024).
    Front-line applications (E): a4 applied 02-10 (branch_a); b3 applied 2025-04-10 (after Q1).
    Pairings of staff families: F1 branch_a 02-01; F2 committee 03-01; F3 voided; F4 a
    non-family pairing; F5 branch_a 2024-12-01 (before E).  → 2 families.
    Daily reports (E): 03-01 {screened 100, confirmed 3}, 03-02 {screened 150, confirmed 5},
    03-03 voided {confirmed 99}; E0 2024: {confirmed 1}.
    """
    w = build_reports_base()
    a, b, c = w.branch_a, w.branch_b, w.committee
    w.a1, w.a2, w.a3, w.a4 = (MemberFactory(name=n, branch=a) for n in ("甲一", "甲二", "甲三", "甲四"))
    w.b1, w.b2, w.b3 = (MemberFactory(name=n, branch=b) for n in ("乙一", "乙二", "乙三"))
    w.e = Emergency.objects.create(org=c, name="新冠疫情", start_on=D(2025, 1, 20), end_on=D(2025, 3, 31))
    w.e0 = Emergency.objects.create(org=b, name="防汛", kind="disaster", start_on=D(2024, 4, 1), end_on=D(2024, 5, 1))
    w.g1 = WorkingGroup.objects.create(emergency=w.e, name="医疗救治组", leader=w.a1)
    w.g2 = WorkingGroup.objects.create(emergency=w.e, name="后勤保障组")
    WorkingGroup.objects.create(emergency=w.e0, name="抢险组")
    w.l1 = LeadershipMeeting.objects.create(emergency=w.e, held_on=D(2025, 1, 21), title="部署")
    w.l2 = LeadershipMeeting.objects.create(emergency=w.e, held_on=D(2025, 2, 1), title="调度")
    voided(LeadershipMeeting.objects.create(emergency=w.e, held_on=D(2025, 2, 2), title="重复"))

    def team(name, emergency, purpose, members, kind=Team.Kind.COMMANDO):
        t = TeamFactory(name=name, owner_org=c, kind=kind)
        link = EmergencyTeam.objects.create(emergency=emergency, team=t, purpose=purpose)
        for m in members:
            TeamMembership.objects.create(team=t, member=m, start_on=emergency.start_on)
        return t, link

    w.t1, w.link1 = team("第一突击队", w.e, "commando", [w.a1, w.a2])
    w.t2, w.link2 = team("第二突击队", w.e, "commando", [w.a2, w.b1])
    w.t3, w.link3 = team("援外医疗队", w.e, "outbound", [w.a3], kind=Team.Kind.MEDICAL)
    w.t0, _ = team("抢险突击队", w.e0, "commando", [w.b2])

    def pledge(member, day, emergency=None, **kw):
        return Pledge.objects.create(emergency=emergency or w.e, member=member, written_on=day, text="请战！", **kw)

    w.p1 = pledge(w.a1, D(2025, 1, 21), status="selected", team=w.t1)
    w.p2 = pledge(w.a2, D(2025, 1, 22))
    w.p3 = pledge(w.b1, D(2025, 1, 23))
    w.p4 = pledge(w.a3, D(2025, 1, 24), status="withdrawn")
    w.p0 = pledge(w.b2, D(2024, 4, 2), emergency=w.e0)

    def apply(member, day):
        step = PartyStep.objects.create(member=member, step=Step.APPLY, on_date=day, branch=member.branch)
        return FrontLineApplication.objects.create(emergency=w.e, member=member, step=step, letter="申请")

    w.app1 = apply(w.a4, D(2025, 2, 10))
    w.app2 = apply(w.b3, D(2025, 4, 10))

    def pairing(org, day, kind="family_of_staff"):
        return Enrollment.objects.create(
            program="pairing",
            household=HouseholdFactory(),
            org=org,
            responsible_member=w.a1,
            enrolled_on=day,
            data={"kind": kind, "staff": w.a3.name, "target_count": 2, "target_period": "week"},
        )

    w.f1 = pairing(a, D(2025, 2, 1))
    w.f2 = pairing(c, D(2025, 3, 1))
    w.f3 = voided(pairing(a, D(2025, 2, 5)))
    w.f4 = pairing(a, D(2025, 2, 6), kind="")
    w.f5 = pairing(a, D(2024, 12, 1))

    DailyReport.objects.create(emergency=w.e, day=D(2025, 3, 1), counts={"screened": 100, "confirmed": 3})
    w.r2 = DailyReport.objects.create(emergency=w.e, day=D(2025, 3, 2), counts={"screened": 150, "confirmed": 5})
    voided(DailyReport.objects.create(emergency=w.e, day=D(2025, 3, 3), counts={"confirmed": 99}))
    DailyReport.objects.create(emergency=w.e0, day=D(2024, 4, 20), counts={"confirmed": 1})
    return w

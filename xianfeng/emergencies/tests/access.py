"""Objects of the emergencies areas for the generated access matrix (xianfeng/core/tests/access.py).

Three areas (access_expectations.md 表七):

* ``emergencies``: an emergency of the relation's organization and what hangs off it (working
  groups, leadership meetings, emergency teams, duty shifts, daily reports), each with an
  emergency of its own. An organization grant also reads these when the emergency belongs to an
  organization above it (表三): the ELSEWHERE organization is the committee above the grant's
  branch. None in IN_REGION (an emergency is run by an organization, not a place); none in OWN,
  except a duty shift: OWN is the user under test's own duty on an emergency of an organization
  nobody is granted (表三: the one on duty always sees it, and only sees it).
* ``pledges``: a 请战书 by a member of the relation's organization (their branch), on an emergency
  of the committee; OWN: the user under test's own, their branch nobody's.
* ``members``: a front-line application to join the party, by a non-party member of the
  relation's organization; none in OWN (the pipeline has no owner).

Written directly with the models, without services (no 突击队 check, no pipeline rules, no
cumulative-count check): the matrix needs objects where no user may put them.
"""

import datetime
import itertools

from django.utils import timezone

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.emergencies.models import (
    DailyReport,
    DutyShift,
    Emergency,
    EmergencyTeam,
    FrontLineApplication,
    LeadershipMeeting,
    Pledge,
    WorkingGroup,
)
from xianfeng.members.models import PartyStep
from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.tests.access import member_of
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import TeamFactory

_numbers = itertools.count(1)


def _emergency(org, relation, kind: str = "应急事件") -> Emergency:
    return Emergency.objects.create(
        org=org,
        name=f"{LABELS[relation]}{kind}{next(_numbers)}",
        kind=Emergency.Kind.EPIDEMIC,
        start_on=timezone.localdate() - datetime.timedelta(days=10),
        description="发热门诊就诊人数激增",
        call_text="党员同志们，请到一线去！",
        pledges_open=True,
    )


def _emergency_of(world, relation, kind: str) -> Emergency | None:
    """An emergency of the relation's organization; none in a region or owned by anyone."""
    if relation in (IN_REGION, OWN):
        return None
    return _emergency(world.orgs[relation], relation, kind)


@object_maker(Emergency, marker=lambda emergency: emergency.name)
def emergency(world, relation, user):
    return _emergency_of(world, relation, "应急事件")


@object_maker(WorkingGroup, marker=lambda group: group.name)
def working_group(world, relation, user):
    crisis = _emergency_of(world, relation, "工作组所属事件")
    if crisis is None:
        return None
    return WorkingGroup.objects.create(
        emergency=crisis, name=f"{LABELS[relation]}医疗救治组{next(_numbers)}", duties="统筹救治"
    )


@object_maker(LeadershipMeeting, marker=lambda meeting: meeting.title)
def leadership_meeting(world, relation, user):
    crisis = _emergency_of(world, relation, "会议所属事件")
    if crisis is None:
        return None
    return LeadershipMeeting.objects.create(
        emergency=crisis,
        held_on=crisis.start_on + datetime.timedelta(days=1),
        title=f"{LABELS[relation]}领导小组会议{next(_numbers)}",
        decisions="组建党员突击队",
    )


@object_maker(EmergencyTeam, marker=lambda link: link.team.name)
def emergency_team(world, relation, user):
    crisis = _emergency_of(world, relation, "队伍所属事件")
    if crisis is None:
        return None
    team = TeamFactory(name=f"{LABELS[relation]}突击队{next(_numbers)}", kind=Team.Kind.COMMANDO, owner_org=crisis.org)
    return EmergencyTeam.objects.create(emergency=crisis, team=team, purpose=EmergencyTeam.Purpose.COMMANDO)


@object_maker(DutyShift, marker=lambda shift: shift.site)
def duty_shift(world, relation, user):
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    crisis = _emergency(world.orgs[relation], relation, "排班所属事件")
    starts = timezone.now() + datetime.timedelta(days=1)
    return DutyShift.objects.create(
        emergency=crisis,
        site_kind=DutyShift.Site.WARD,
        site=f"{LABELS[relation]}隔离病区{next(_numbers)}",
        member=member_of(world, relation, user, "值班人"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        vehicle="辽F12345",
        pickup_place="医院正门",
        pickup_at=starts - datetime.timedelta(minutes=30),
    )


@object_maker(DailyReport, marker=lambda report: report.emergency.name)
def daily_report(world, relation, user):
    crisis = _emergency_of(world, relation, "日报所属事件")
    if crisis is None:
        return None
    return DailyReport.objects.create(
        emergency=crisis,
        day=timezone.localdate() - datetime.timedelta(days=1),
        counts={"screened": 120, "isolated_suspected": 8, "confirmed": 2},
        note="平稳",
    )


@object_maker(Pledge, marker=lambda pledge: pledge.member.name)
def pledge(world, relation, user):
    member = member_of(world, relation, user, "请战人")
    if member is None:
        return None
    # The committee's call to serve: every pledge answers an emergency above the branches.
    crisis = _emergency(world.committee, relation, "请战所属事件")
    return Pledge.objects.create(
        emergency=crisis,
        member=member,
        written_on=timezone.localdate(),
        text="我志愿加入党员突击队，服从安排。",
        willing=Pledge.Willing.ANY,
    )


@object_maker(FrontLineApplication, marker=lambda application: application.member.name)
def front_line_application(world, relation, user):
    if relation in (IN_REGION, OWN):
        return None
    org = world.orgs[relation]
    applicant = MemberFactory(name=f"{LABELS[relation]}火线申请人{next(_numbers)}", branch=org, party_stage=Stage.NONE)
    step = PartyStep.objects.create(member=applicant, step=Step.APPLY, on_date=timezone.localdate(), branch=org)
    crisis = _emergency(world.committee, relation, "申请所属事件")
    return FrontLineApplication.objects.create(emergency=crisis, member=applicant, step=step, letter="火线入党申请书")

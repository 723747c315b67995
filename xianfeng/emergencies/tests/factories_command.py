"""A committee with a branch below it, the people who run and read its emergency, and an
emergency with daily reports (written directly: the behaviour under test goes through services)."""

import datetime
from dataclasses import dataclass

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.emergencies.models import DailyReport, Emergency
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization

START = datetime.date(2020, 1, 23)


@dataclass
class CommandWorld:
    committee: Organization
    branch: Organization
    other: Organization
    clerk: object  # 党办干事 over the committee subtree
    secretary: object  # 支部书记 over the branch
    member: object  # 党员 of the branch (org_only)
    leader: object  # 领导, all
    outsider: object  # 党办干事 of another committee
    staff: list


def make_world() -> CommandWorld:
    committee = OrganizationFactory(name="市医院党委", kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name="内科党支部", parent=committee)
    other = OrganizationFactory(name="别的党委", kind=Organization.Kind.COMMITTEE)
    staff = [MemberFactory(name=name, branch=branch) for name in ("王医生", "李护士", "张主任")]
    return CommandWorld(
        committee=committee,
        branch=branch,
        other=other,
        clerk=user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="clerk"),
        secretary=user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, branch, username="secretary"),
        member=user_with_grant(Role.MEMBER, Scope.ORG_ONLY, branch, username="member"),
        leader=user_with_grant(Role.LEADER, Scope.ALL, username="leader"),
        outsider=user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, other, username="outsider"),
        staff=staff,
    )


def make_emergency(org, name="新冠肺炎疫情防控", start_on=START, end_on=None, **kwargs) -> Emergency:
    return Emergency.objects.create(org=org, name=name, start_on=start_on, end_on=end_on, **kwargs)


def make_report(emergency, day, **counts) -> DailyReport:
    return DailyReport.objects.create(emergency=emergency, day=day, counts=counts)

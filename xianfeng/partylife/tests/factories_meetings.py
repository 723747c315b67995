"""A small world for the meetings' tests: 内科党支部 (branch_a) with its 党小组 (group_a), four
正式党员 and one 预备党员 (one of them in the 党小组), a non-party volunteer, the branch's secretary
and a member's login; the shared world's clerk (owner), reader and outsider (branch_b)."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.models import Attendance, MeetingKind
from xianfeng.partylife.services_meetings import meeting_create

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def meetings_world(world) -> SimpleNamespace:
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    member_user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="dangyuan")
    sec = MemberFactory(name="李书记", branch=world.branch_a, user=secretary, party_stage=Stage.FULL)
    full = [
        sec,
        MemberFactory(name="张志愿", branch=world.branch_a, user=member_user, party_stage=Stage.FULL),
        MemberFactory(name="王医生", branch=world.branch_a, party_stage=Stage.FULL),
        MemberFactory(name="赵护士", branch=world.group_a, party_stage=Stage.FULL),
    ]
    probationary = MemberFactory(name="钱预备", branch=world.branch_a, party_stage=Stage.PROBATIONARY)
    volunteer = MemberFactory(name="孙群众", branch=world.branch_a, party_stage=Stage.NONE)
    other = MemberFactory(name="周外科", branch=world.branch_b, party_stage=Stage.FULL)
    return SimpleNamespace(
        **vars(world),
        secretary=secretary,
        member_user=member_user,
        sec=sec,
        full=full,
        probationary=probationary,
        volunteer=volunteer,
        other=other,
        roll=[*full, probationary],
    )


def all_present(w):
    return [(m, Attendance.Status.PRESENT, "") for m in w.roll]


def meeting(w, *, kind=MeetingKind.COMMITTEE, held_on=None, user=None, org=None, **kwargs):
    kwargs.setdefault("attendance", all_present(w))
    return meeting_create(
        acting_user=user or w.secretary,
        org=org or w.branch_a,
        kind=kind,
        held_on=held_on or TODAY,
        title=kwargs.pop("title", "测试会议"),
        **kwargs,
    ).meeting

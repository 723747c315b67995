"""The demo organizational life (xianfeng/demo/seed_partylife_meetings.py) tells the story the
brief asks for — a year of meetings with attendance, red on the calendar where it should be —
and a second run changes nothing."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.demo.seed_partylife_meetings import BRANCH, GROUP, SURGERY, VILLAGE_BRANCH, seed_partylife_meetings
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.partylife import compliance
from xianfeng.partylife import selectors_meetings as selectors
from xianfeng.partylife.models import ComplianceRule, Meeting, MeetingFile, MeetingKind


@pytest.fixture
def demo(db):
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="admin")
    committee = OrganizationFactory(name="东港市中心医院党委", kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name=BRANCH, parent=committee, active_from=datetime.date(2005, 3, 1))
    group = OrganizationFactory(
        name=GROUP, kind=Organization.Kind.GROUP, parent=branch, active_from=datetime.date(2012, 5, 1)
    )
    surgery = OrganizationFactory(name=SURGERY, parent=committee, active_from=datetime.date(2005, 3, 1))
    village = OrganizationFactory(
        name=VILLAGE_BRANCH, kind=Organization.Kind.TEMP_BRANCH, parent=committee, active_from=datetime.date(2023, 4, 1)
    )
    for n in range(12):
        stage = Stage.PROBATIONARY if n == 11 else Stage.FULL
        MemberFactory(name=f"内科{n}", branch=branch, party_stage=stage)
    MemberFactory(name="内科群众", branch=branch, party_stage=Stage.NONE)
    for n in range(4):
        MemberFactory(name=f"小组{n}", branch=group, party_stage=Stage.FULL)
    for n in range(6):
        MemberFactory(name=f"外科{n}", branch=surgery, party_stage=Stage.FULL)
    orgs = {BRANCH: branch, GROUP: group, SURGERY: surgery, VILLAGE_BRANCH: village}
    return admin, orgs


def test_a_year_of_organizational_life_with_red_where_it_should_be(demo):
    admin, orgs = demo
    seed_partylife_meetings(admin, orgs)
    today = timezone.localdate()
    branch = orgs[BRANCH]
    meetings = Meeting.objects.filter(org__path__startswith=branch.path)
    assert meetings.filter(kind=MeetingKind.COMMITTEE).count() >= 10
    short = meetings.get(kind=MeetingKind.BRANCH_ASSEMBLY, is_valid=False)
    assert "未过半数" in short.invalid_note  # an invalid meeting says why
    photo = MeetingFile.objects.get()  # the latest 支委会's signed minutes
    assert photo.meeting.kind == MeetingKind.COMMITTEE and photo.content_type == "image/jpeg"
    assert photo.meeting == meetings.filter(kind=MeetingKind.COMMITTEE).order_by("-held_on").first()
    assert meetings.filter(kind=MeetingKind.THEME_DAY, activity__isnull=False).count() == 1
    assembly = meetings.filter(kind=MeetingKind.BRANCH_ASSEMBLY, is_valid=True).first()
    assert assembly.attendance.count() == 16 and assembly.has_quorum  # the whole roll, group included
    calendar = selectors.branch_calendar(admin, branch, today.year, today)
    last_month = compliance.add_months(compliance.month_start(today), -1)
    if last_month.year == today.year:
        group_cells = {c.start: c.status for c in calendar.cells if c.kind == MeetingKind.GROUP}
        assert group_cells[last_month] == compliance.OVERDUE
    missing = calendar.recent_missing()
    assert any(c.kind == MeetingKind.GROUP for c in missing)
    assert calendar.overdue  # red on the calendar
    assert ComplianceRule.objects.get(org=orgs[VILLAGE_BRANCH]).min_count == 0
    assert Meeting.objects.filter(org=orgs[SURGERY]).exists()
    count = Meeting.objects.count()
    seed_partylife_meetings(admin, orgs)  # a second run adds nothing
    assert Meeting.objects.count() == count and MeetingFile.objects.count() == 1

import datetime
import sys

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.services import api_token_create
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.emergencies import services_command as emergency_services
from xianfeng.members import services as member_services
from xianfeng.needs import services as need_services
from xianfeng.partylife import services_meetings as meeting_services
from xianfeng.partylife import services_study as study_services
from xianfeng.programs import services as program_services
from xianfeng.residents import services as resident_services
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, county_regions
from xianfeng.servicelog import services as servicelog_services
from xianfeng.servicelog.tests.factories import service_type
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team


def bearer_header(user) -> str:
    _token, raw = api_token_create(acting_user=user, user=user, name="test")
    return f"Bearer {raw}"


@pytest.fixture
def api_world(world):
    """One real row of every kind the API addresses by id, all in branch_a (and a village of the
    township it serves), plus a 党员/志愿者 scoped to branch_a. ``ids`` maps path parameter names
    to those rows; ``auth`` holds an Authorization header for the administrator and the volunteer."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    admin = world.admin
    start = datetime.date(2025, 1, 1)
    member = member_services.member_create(acting_user=admin, name="甲党员", branch=world.branch_a)
    team = team_services.team_create(
        acting_user=admin, name="甲队", kind=Team.Kind.VOLUNTEER, owner_org=world.branch_a, active_from=start
    )
    membership = team_services.membership_add(acting_user=admin, team=team, member=member, start_on=start)
    post = team_services.post_create(acting_user=admin, name="甲岗", owner_org=world.branch_a)
    zone = team_services.zone_create(
        acting_user=admin, name="甲片区", owner_org=world.branch_a, regions=[regions[TOWN_A]]
    )
    resident = resident_services.resident_create(acting_user=admin, name="甲居民", village=regions[VILLAGE_A])
    household = resident_services.household_create(acting_user=admin, village=regions[VILLAGE_A], head=resident)
    record = servicelog_services.record_create(
        acting_user=admin, service_type=service_type("free_clinic"), resident=resident, providers=[member]
    ).record
    enrollment = program_services.enrollment_create(
        acting_user=admin, program="pairing", resident=resident, responsible_member=member
    )
    need = need_services.need_create(
        acting_user=admin, title="甲诉求", category="assistive", resident=resident, org=world.branch_a
    ).need
    meeting = meeting_services.meeting_create(
        acting_user=admin,
        org=world.branch_a,
        kind="lecture",
        held_on=start,
        title="甲党课",
        expected_count=1,
        present_count=1,
    ).meeting
    study_item = study_services.study_item_create(acting_user=admin, org=world.branch_a, title="甲学习")
    emergency = emergency_services.emergency_create(
        acting_user=admin, org=world.branch_a, name="甲事件", start_on=start
    )
    group = emergency_services.working_group_create(acting_user=admin, emergency=emergency, name="甲组")
    world.volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="volunteer")
    world.ids = {
        "org_id": world.branch_a.pk,
        "member_id": member.pk,
        "team_id": team.pk,
        "membership_id": membership.pk,
        "post_id": post.pk,
        "zone_id": zone.pk,
        "resident_id": resident.pk,
        "household_id": household.pk,
        "code": TOWN_A,
        "record_id": record.pk,
        "enrollment_id": enrollment.pk,
        "need_id": need.pk,
        "meeting_id": meeting.pk,
        "study_item_id": study_item.pk,
        "emergency_id": emergency.pk,
        "working_group_id": group.pk,
        "service_type": "free_clinic",
    }
    world.auth = {"admin": bearer_header(admin), "volunteer": bearer_header(world.volunteer)}
    return world


def pytest_terminal_summary(terminalreporter):
    """How many requests the API fuzz test sent (shown when it ran in this process, i.e. without xdist)."""
    fuzz = sys.modules.get("xianfeng.api.tests.test_fuzz")
    if fuzz is not None and fuzz.APP.sent:
        terminalreporter.write_line(f"API fuzz: {fuzz.APP.sent} requests sent")

"""The emergency, its call to serve, working groups and leadership meetings (services_command)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.emergencies import services_command as services
from xianfeng.emergencies.models import Emergency, LeadershipMeeting, WorkingGroup

from .factories_command import START, make_emergency, make_report, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


def test_clerk_opens_an_emergency_with_its_changelog(world):
    e = services.emergency_create(
        acting_user=world.clerk, org=world.committee, name=" 新冠肺炎疫情防控 ", start_on=START
    )
    assert e.name == "新冠肺炎疫情防控" and e.is_active()
    assert ChangeLog.objects.filter(model="emergencies.Emergency", object_id=str(e.pk), action="create").exists()


def test_an_emergency_outside_the_users_organizations_is_refused(world):
    with pytest.raises(ValidationError) as err:
        services.emergency_create(acting_user=world.clerk, org=world.other, name="别处", start_on=START)
    assert "org" in err.value.message_dict
    with pytest.raises(ValidationError):  # a member reads emergencies, never runs them
        services.emergency_create(acting_user=world.member, org=world.branch, name="x", start_on=START)
    assert not Emergency.objects.exists()


def test_dates_must_make_sense(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        services.emergency_create(
            acting_user=world.clerk, org=world.committee, name="x", start_on=START, end_on=START - datetime.timedelta(1)
        )
    assert "end_on" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.emergency_create(
            acting_user=world.clerk, org=world.committee, name="x", start_on=today + datetime.timedelta(days=3)
        )
    assert "start_on" in err.value.message_dict


def test_close_and_reports_stay_within_the_dates(world, emergency):
    make_report(emergency, START + datetime.timedelta(days=10), confirmed=3)
    with pytest.raises(ValidationError) as err:
        services.emergency_close(acting_user=world.clerk, emergency=emergency, end_on=START + datetime.timedelta(5))
    assert "2020-02-02" in str(err.value)
    services.emergency_set_call(acting_user=world.clerk, emergency=emergency, call_text="请战！", pledges_open=True)
    closed = services.emergency_close(acting_user=world.clerk, emergency=emergency, end_on=datetime.date(2020, 4, 30))
    assert closed.end_on == datetime.date(2020, 4, 30) and not closed.pledges_open and not closed.is_active()
    with pytest.raises(ValidationError) as err:
        services.emergency_update(acting_user=world.clerk, emergency=closed, start_on=datetime.date(2020, 3, 1))
    assert "start_on" in err.value.message_dict


def test_the_call_to_serve_needs_a_text_and_a_running_emergency(world, emergency):
    with pytest.raises(ValidationError) as err:
        services.emergency_set_call(acting_user=world.clerk, emergency=emergency, call_text=" ", pledges_open=True)
    assert "call_text" in err.value.message_dict
    e = services.emergency_set_call(
        acting_user=world.clerk, emergency=emergency, call_text="共产党员冲在前", pledges_open=True
    )
    assert e.pledges_open and e.call_text == "共产党员冲在前"


def test_a_branch_member_reads_the_committees_emergency_but_cannot_change_it(world, emergency):
    with pytest.raises(PermissionDenied):
        services.emergency_set_call(acting_user=world.member, emergency=emergency, call_text="x", pledges_open=False)
    with pytest.raises(PermissionDenied):
        services.emergency_set_call(acting_user=world.secretary, emergency=emergency, call_text="x", pledges_open=False)
    with pytest.raises(PermissionDenied):
        services.emergency_update(acting_user=world.outsider, emergency=emergency, name="改名")


def test_working_groups_with_leader_and_members(world, emergency):
    wang, li, zhang = world.staff
    group = services.working_group_create(
        acting_user=world.clerk, emergency=emergency, name="医疗救治组", leader=wang, members=[li, zhang]
    )
    assert group.order == 1 and set(group.members.all()) == {li, zhang}
    with pytest.raises(ValidationError) as err:
        services.working_group_create(acting_user=world.clerk, emergency=emergency, name="医疗救治组")
    assert "已有名为" in err.value.message_dict["name"][0]
    updated = services.working_group_update(acting_user=world.clerk, group=group, members=[wang], duties="救治")
    assert list(updated.members.all()) == [wang] and updated.duties == "救治"
    assert WorkingGroup.objects.count() == 1


def test_a_member_out_of_sight_cannot_be_named(world, emergency):
    from xianfeng.members.tests.factories import MemberFactory

    stranger = MemberFactory(name="外人", branch=world.other)
    with pytest.raises(ValidationError) as err:
        services.working_group_create(
            acting_user=world.clerk, emergency=emergency, name="物资保障组", members=[stranger]
        )
    assert "members" in err.value.message_dict
    assert not WorkingGroup.objects.exists()


def test_leadership_meetings_within_the_emergency_and_voided_with_a_reason(world):
    e = services.emergency_create(
        acting_user=world.clerk,
        org=world.committee,
        name="x",
        start_on=START,
        end_on=datetime.date(2020, 4, 30),
    )
    with pytest.raises(ValidationError) as err:
        services.leadership_meeting_create(
            acting_user=world.clerk, emergency=e, held_on=datetime.date(2020, 5, 3), title="迟到的会"
        )
    assert "held_on" in err.value.message_dict
    meeting = services.leadership_meeting_create(
        acting_user=world.clerk,
        emergency=e,
        held_on=START,
        title="成立领导小组",
        host=world.staff[2],
        attendees=world.staff,
        decisions="成立14个工作组",
    )
    assert meeting.attendees.count() == 3
    with pytest.raises(ValidationError):
        services.leadership_meeting_void(acting_user=world.clerk, meeting=meeting, reason=" ")
    services.leadership_meeting_void(acting_user=world.clerk, meeting=meeting, reason="重复录入")
    assert LeadershipMeeting.objects.get().is_voided

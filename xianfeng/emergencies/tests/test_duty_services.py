"""The duty roster: times checked, overlapping shifts refused, a team's run of days idempotent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.emergencies.models import DutyShift
from xianfeng.emergencies.services_duty import duty_shift_create, duty_shift_void, duty_shifts_bulk
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories_people import DAY, TODAY, people_world


@pytest.fixture
def w(world):
    return people_world(world)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def shift(w, **kwargs):
    values = {
        "acting_user": w.clerk,
        "emergency": w.emergency,
        "site": "隔离病区A",
        "member": w.wang,
        "starts_at": at(TODAY, 8),
        "ends_at": at(TODAY, 16),
    }
    values.update(kwargs)
    return duty_shift_create(**values)


def test_shift_with_transport(w):
    s = shift(w, vehicle="辽F12345", pickup_place="医院东门", pickup_at=at(TODAY, 7, 20))
    assert s.pk and s.pickup_place == "医院东门"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": at(TODAY, 7)}, "ends_at"),
        ({"ends_at": at(TODAY + DAY, 9)}, "ends_at"),
        ({"pickup_place": "东门", "pickup_at": at(TODAY, 9)}, "pickup_at"),
        ({"pickup_place": "东门"}, "pickup_place"),
        ({"starts_at": at(TODAY - 30 * DAY, 8), "ends_at": at(TODAY - 30 * DAY, 16)}, "starts_at"),
    ],
)
def test_bad_times_refused(w, changes, field):
    with pytest.raises(ValidationError) as exc:
        shift(w, **changes)
    assert field in exc.value.message_dict
    assert not DutyShift.objects.exists()


def test_overlap_refused_void_frees_the_slot(w):
    first = shift(w)
    with pytest.raises(ValidationError) as exc:
        shift(w, site="卡口1", starts_at=at(TODAY, 15), ends_at=at(TODAY, 20))
    assert "重叠" in str(exc.value) and "隔离病区A" in str(exc.value)
    shift(w, member=w.li)  # another member at the same time is fine
    duty_shift_void(acting_user=w.clerk, shift=first, reason="排错")
    assert shift(w, site="卡口1", starts_at=at(TODAY, 15), ends_at=at(TODAY, 20)).pk


def test_bulk_team_days_idempotent(w):
    team = TeamFactory(name="隔离病区医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - 5 * DAY)
    MembershipFactory(team=team, member=w.li, start_on=TODAY - 5 * DAY)
    kwargs = {
        "acting_user": w.clerk,
        "emergency": w.emergency,
        "team": team,
        "date_from": TODAY,
        "date_to": TODAY + 2 * DAY,
        "start_time": datetime.time(20, 0),
        "end_time": datetime.time(8, 0),  # a night shift into the next morning
        "site": "隔离病区B",
        "vehicle": "通勤车1",
        "pickup_place": "职工宿舍",
        "pickup_minutes_before": 40,
    }
    result = duty_shifts_bulk(**kwargs)
    assert len(result.created) == 6 and result.skipped == 0
    night = DutyShift.objects.filter(member=w.wang).order_by("starts_at").first()
    assert timezone.localtime(night.ends_at).date() == TODAY + DAY
    assert timezone.localtime(night.pickup_at).time() == datetime.time(19, 20)
    again = duty_shifts_bulk(**kwargs)
    assert again.created == [] and again.skipped == 6
    assert DutyShift.objects.count() == 6


def test_bulk_all_or_nothing_on_overlap(w):
    team = TeamFactory(name="病区队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - 5 * DAY)
    MembershipFactory(team=team, member=w.li, start_on=TODAY - 5 * DAY)
    shift(w, member=w.li, starts_at=at(TODAY + DAY, 9), ends_at=at(TODAY + DAY, 11))
    with pytest.raises(ValidationError, match="李护士"):
        duty_shifts_bulk(
            acting_user=w.clerk,
            emergency=w.emergency,
            team=team,
            date_from=TODAY,
            date_to=TODAY + DAY,
            start_time=datetime.time(8, 0),
            end_time=datetime.time(16, 0),
            site="病区C",
        )
    assert DutyShift.objects.count() == 1

"""The daily situation report (services_daily): cumulative counts that never decrease, a
back-filled day between its neighbours, one live report per day, corrections with a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.emergencies import daily_selectors
from xianfeng.emergencies import services_daily as services
from xianfeng.emergencies.models import DailyReport
from xianfeng.emergencies.report_form import default_fields

from .factories_command import START, make_emergency, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


D1, D2, D3 = START, START + datetime.timedelta(1), START + datetime.timedelta(2)


def counts(**values):
    base = {f["code"]: 0 for f in default_fields()}
    base.update(values)
    return base


def file(world, emergency, day, **values):
    return services.daily_report_file(acting_user=world.clerk, emergency=emergency, day=day, counts=counts(**values))


def test_three_days_and_their_series(world, emergency):
    file(world, emergency, D1, screened=100, confirmed=2)
    file(world, emergency, D2, screened=180, confirmed=5)
    file(world, emergency, D3, screened=260, confirmed=5)
    data = daily_selectors.series(user=world.member, emergency=emergency)  # the branch reads it
    assert [r["day"] for r in data["rows"]] == [D1, D2, D3]
    assert [r["cumulative"]["confirmed"] for r in data["rows"]] == [2, 5, 5]
    assert [r["new"]["confirmed"] for r in data["rows"]] == [2, 3, 0]
    assert [r["new"]["screened"] for r in data["rows"]] == [100, 80, 80]
    latest = daily_selectors.latest(user=world.member, emergency=emergency)
    assert latest["day"] == D3
    assert {i["code"]: i["cumulative"] for i in latest["items"]}["screened"] == 260


def test_a_decreasing_count_is_refused_naming_the_field_and_both_numbers(world, emergency):
    file(world, emergency, D1, screened=100, confirmed=5)
    with pytest.raises(ValidationError) as err:
        file(world, emergency, D2, screened=120, confirmed=4)
    message = err.value.message_dict["confirmed"][0]
    assert "确诊" in message and "4" in message and "5" in message and "2020-01-23" in message
    assert "screened" not in err.value.message_dict
    assert DailyReport.objects.count() == 1


def test_a_back_filled_day_must_fit_between_its_neighbours(world, emergency):
    file(world, emergency, D1, confirmed=2)
    file(world, emergency, D3, confirmed=10)
    with pytest.raises(ValidationError) as err:
        file(world, emergency, D2, confirmed=11)
    assert "2020-01-25" in err.value.message_dict["confirmed"][0] and "10" in err.value.message_dict["confirmed"][0]
    with pytest.raises(ValidationError):
        file(world, emergency, D2, confirmed=1)
    file(world, emergency, D2, confirmed=6)
    assert DailyReport.objects.count() == 3


def test_one_report_per_day_a_retry_returns_it(world, emergency):
    first = file(world, emergency, D1, confirmed=2)
    again = file(world, emergency, D1, confirmed=2)
    assert first.created and not again.created and again.report.pk == first.report.pk
    with pytest.raises(services.DayAlreadyReported) as err:
        file(world, emergency, D1, confirmed=3)
    assert "更正" in err.value.message_dict["day"][0]
    assert DailyReport.objects.count() == 1


def test_correction_voids_and_refiles_under_the_same_rules(world, emergency):
    file(world, emergency, D1, confirmed=2)
    wrong = file(world, emergency, D2, confirmed=50).report
    file(world, emergency, D3, confirmed=60)
    with pytest.raises(ValidationError):  # below the day before: nothing happens
        services.daily_report_correct(
            acting_user=world.clerk, report=wrong, counts=counts(confirmed=1), reason="录入错误"
        )
    assert not DailyReport.objects.get(pk=wrong.pk).is_voided
    with pytest.raises(ValidationError):  # a reason is needed
        services.daily_report_correct(acting_user=world.clerk, report=wrong, counts=counts(confirmed=5), reason="")
    fixed = services.daily_report_correct(
        acting_user=world.clerk, report=wrong, counts=counts(confirmed=5), reason="多录了一个0"
    )
    assert fixed.day == D2 and fixed.counts["confirmed"] == 5
    old = DailyReport.objects.get(pk=wrong.pk)
    assert old.is_voided and old.void_reason == "多录了一个0"
    assert DailyReport.objects.filter(voided_at__isnull=True).count() == 3


@pytest.mark.parametrize(
    ("value", "problem"),
    [(-1, "负数"), ("abc", "整数"), (1.5, "整数"), (10**30, "超出范围"), (None, "请填写"), (True, "整数")],
)
def test_counts_are_whole_non_negative_numbers(world, emergency, value, problem):
    values = counts()
    values["confirmed"] = value
    with pytest.raises(ValidationError) as err:
        services.daily_report_file(acting_user=world.clerk, emergency=emergency, day=D1, counts=values)
    assert problem in err.value.message_dict["confirmed"][0]
    assert not DailyReport.objects.exists()


def test_the_day_is_within_the_emergency_and_not_in_the_future(world, emergency):
    with pytest.raises(ValidationError) as err:
        file(world, emergency, START - datetime.timedelta(1))
    assert "day" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        file(world, emergency, timezone.localdate() + datetime.timedelta(1))
    assert "晚于今天" in err.value.message_dict["day"][0]


def test_unknown_and_switched_off_fields(world, emergency):
    emergency.report_fields = [{**f, "enabled": f["code"] != "deaths"} for f in default_fields()]
    emergency.save()
    values = counts(deaths=1)
    with pytest.raises(ValidationError) as err:
        services.daily_report_file(acting_user=world.clerk, emergency=emergency, day=D1, counts=values)
    assert "停用" in err.value.message_dict["deaths"][0]
    values.pop("deaths")
    values["nonsense"] = 3
    with pytest.raises(ValidationError) as err:
        services.daily_report_file(acting_user=world.clerk, emergency=emergency, day=D1, counts=values)
    assert "counts" in err.value.message_dict
    values.pop("nonsense")
    report = services.daily_report_file(acting_user=world.clerk, emergency=emergency, day=D1, counts=values).report
    assert "deaths" not in report.counts


def test_readers_cannot_file(world, emergency):
    for user in (world.member, world.secretary, world.leader, world.outsider):
        with pytest.raises(PermissionDenied):
            services.daily_report_file(acting_user=user, emergency=emergency, day=D1, counts=counts())
    assert not DailyReport.objects.exists()

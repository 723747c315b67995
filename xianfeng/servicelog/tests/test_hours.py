"""The volunteer hours ledgers (hours.py) and their pages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.servicelog import hours, services
from xianfeng.servicelog.models import Activity, ActivityParticipant
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories import ActivityFactory, ServiceRecordFactory, service_type

JAN1 = datetime.date(2025, 1, 1)
DEC31 = datetime.date(2025, 12, 31)
PLACE = "210681101200"


def record(member, org, day, hours_=Decimal("1.5"), code="free_clinic", team=None):
    return ServiceRecordFactory(
        service_type=service_type(code),
        org=org,
        served_on=day,
        place=PLACE,
        team=team,
        provider=member,
        provider__hours=hours_,
    )


def participate(member, org, day, hours_=Decimal("3.0"), status=Activity.Status.HELD, title="义诊活动", teams=()):
    activity = ActivityFactory(
        title=title,
        org=org,
        status=status,
        start_at=timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9, 0)),
    )
    activity.served_on = day
    activity.save()
    activity.teams.set(teams)
    row = ActivityParticipant(activity=activity, member=member, hours=hours_, counted=activity.counts)
    row.copy_place(activity)
    row.save()
    return activity


@pytest.fixture
def people(world):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王小明", branch=world.branch_a, user=volunteer, volunteer_no="ZY0001")
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    return volunteer, member, secretary


def test_member_hours_sum_records_and_activities_and_leave_out_voided_and_cancelled(world, people):
    volunteer, member, _secretary = people
    record(member, world.branch_a, datetime.date(2025, 3, 5), Decimal("1.5"))
    voided = record(member, world.branch_a, datetime.date(2025, 3, 6), Decimal("2.0"))
    services.record_void(acting_user=world.owner, record=voided, reason="重复登记")
    participate(member, world.branch_a, datetime.date(2025, 4, 10), Decimal("3.0"))
    participate(member, world.branch_a, datetime.date(2025, 4, 11), Decimal("4.0"), status=Activity.Status.CANCELLED)
    participate(member, world.branch_a, datetime.date(2025, 4, 12), Decimal("5.0"), status=Activity.Status.PLANNED)

    ledger = hours.member_hours(user=volunteer, member=member, start=JAN1, end=DEC31)

    assert ledger.total == Decimal("4.5")
    assert (ledger.record_hours, ledger.activity_hours) == (Decimal("1.5"), Decimal("3.0"))
    assert [(r.served_on, r.kind, r.hours) for r in ledger.rows] == [
        (datetime.date(2025, 4, 10), "activity", Decimal("3.0")),
        (datetime.date(2025, 3, 5), "record", Decimal("1.5")),
    ]
    assert len(ledger.months) == 12
    months = {m: h for m, h, _pct in ledger.months}
    assert months[datetime.date(2025, 3, 1)] == Decimal("1.5") and months[datetime.date(2025, 4, 1)] == Decimal("3.0")
    assert ("义诊", 1, Decimal("1.5")) in ledger.by_type
    assert "义诊 1 次" in ledger.summary()


def test_period_boundaries_are_inclusive(world, people):
    volunteer, member, _secretary = people
    for day in (datetime.date(2024, 12, 31), JAN1, DEC31, datetime.date(2026, 1, 1)):
        record(member, world.branch_a, day, Decimal("1.0"))
    ledger = hours.member_hours(user=volunteer, member=member, start=JAN1, end=DEC31)
    assert ledger.total == Decimal("2.0")
    assert {r.served_on for r in ledger.rows} == {JAN1, DEC31}


def test_own_ledger_includes_own_rows_outside_the_grant_but_a_reader_sees_only_their_scope(world, people):
    volunteer, member, secretary = people
    record(member, world.branch_a, datetime.date(2025, 5, 1), Decimal("1.0"))
    record(member, world.branch_b, datetime.date(2025, 5, 2), Decimal("2.0"))  # entered by another branch
    own = hours.member_hours(user=volunteer, member=member, start=JAN1, end=DEC31)
    assert own.total == Decimal("3.0")
    seen_by_secretary = hours.member_hours(user=secretary, member=member, start=JAN1, end=DEC31)
    assert seen_by_secretary.total == Decimal("1.0")


def test_health_level_rows_are_not_named_to_a_reader_without_the_health_level(world, people):
    volunteer, member, secretary = people
    record(member, world.branch_a, datetime.date(2025, 5, 1), Decimal("1.0"), code="followup_home")
    assert hours.member_hours(user=secretary, member=member, start=JAN1, end=DEC31).total == 0
    own = hours.member_hours(user=volunteer, member=member, start=JAN1, end=DEC31)
    assert own.total == Decimal("1.0")
    assert [r.what for r in own.rows] == ["健康服务"]


def test_team_ledger_follows_membership_dates_and_counts_only_the_team(world, people):
    volunteer, member, secretary = people
    team = TeamFactory(name="内科先锋队", owner_org=world.branch_a)
    other_team = TeamFactory(name="外科突击队", owner_org=world.branch_a)
    leaver = MemberFactory(name="李离队", branch=world.branch_a)
    MembershipFactory(team=team, member=member, start_on=datetime.date(2025, 6, 1))
    MembershipFactory(team=team, member=leaver, start_on=datetime.date(2024, 1, 1), end_on=datetime.date(2025, 3, 31))
    MembershipFactory(team=team, member=MemberFactory(branch=world.branch_a), start_on=datetime.date(2026, 2, 1))

    record(member, world.branch_a, datetime.date(2025, 5, 31), Decimal("1.0"), team=team)  # before joining
    record(member, world.branch_a, datetime.date(2025, 6, 1), Decimal("2.0"), team=team)  # first day
    record(member, world.branch_a, datetime.date(2025, 6, 2), Decimal("8.0"), team=other_team)  # another team
    participate(member, world.branch_a, datetime.date(2025, 7, 1), Decimal("3.0"), teams=[team])
    participate(member, world.branch_a, datetime.date(2025, 7, 2), Decimal("9.0"))  # no team named
    record(leaver, world.branch_a, datetime.date(2025, 3, 31), Decimal("1.5"), team=team)  # last day
    record(leaver, world.branch_a, datetime.date(2025, 4, 1), Decimal("4.0"), team=team)  # after leaving

    ledger = hours.team_hours(user=secretary, team=team, start=JAN1, end=DEC31)

    assert [(row.member.name, row.record_hours, row.activity_hours) for row in ledger.rows] == [
        ("王小明", Decimal("2.0"), Decimal("3.0")),
        ("李离队", Decimal("1.5"), Decimal("0")),
    ]  # the member who joins in 2026 is not in the 2025 ledger
    assert ledger.total == Decimal("6.5")


def test_org_ledger_is_one_query_sorted_by_hours(world, people, django_assert_num_queries):
    _volunteer, member, secretary = people
    others = [MemberFactory(name=f"成员{n}", branch=world.group_a) for n in range(5)]
    MemberFactory(name="外科成员", branch=world.branch_b)
    record(member, world.branch_a, datetime.date(2025, 5, 1), Decimal("1.0"))
    record(others[2], world.group_a, datetime.date(2025, 5, 1), Decimal("2.0"))
    participate(others[2], world.group_a, datetime.date(2025, 5, 2), Decimal("3.0"))
    list(hours.org_hours(user=secretary, start=JAN1, end=DEC31))  # the user's grants, read once per request
    with django_assert_num_queries(1):
        rows = list(hours.org_hours(user=secretary, start=JAN1, end=DEC31))
    assert [(m.name, m.hours) for m in rows[:2]] == [("成员2", Decimal("5.0")), ("王小明", Decimal("1.0"))]
    assert len(rows) == 6 and "外科成员" not in {m.name for m in rows}
    assert [m.name for m in hours.org_hours(user=secretary, start=JAN1, end=DEC31, query="王")] == ["王小明"]
    ascending = list(hours.org_hours(user=secretary, start=JAN1, end=DEC31, sort="-hours"))
    assert ascending[-1].name == "成员2"


# --- pages ---------------------------------------------------------------------------------


def test_a_volunteer_sees_their_hours_and_the_certificate_button(client, world, people):
    volunteer, member, _secretary = people
    record(member, world.branch_a, datetime.date(2025, 5, 1), Decimal("2.5"))
    client.force_login(volunteer)
    response = client.get(reverse("servicelog:hours"), {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "我的志愿服务时长" in text and "2.5" in text and "开具志愿服务证明" in text
    assert "人员时长台账" not in text  # a volunteer does not see other members
    assert client.get(reverse("servicelog:hours_member", args=[member.pk])).status_code == 404


def test_the_period_presets_and_bad_dates(client, world, people):
    volunteer, _member, _secretary = people
    client.force_login(volunteer)
    assert client.get(reverse("servicelog:hours")).status_code == 200  # this year
    for preset in ("month", "year", "last_year"):
        assert client.get(reverse("servicelog:hours"), {"period": preset}).status_code == 200
    response = client.get(reverse("servicelog:hours"), {"period": "custom", "start": "2025-13-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "起始日期" in response.content.decode()
    response = client.get(reverse("servicelog:hours"), {"start": "2025-06-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "截止日期不能早于起始日期" in response.content.decode()
    response = client.get(reverse("servicelog:hours"), {"start": "99999999-01-01", "end": "2025-01-01"})
    assert response.status_code == 400


def test_a_secretary_sees_the_ledger_of_members_in_scope(client, world, people):
    _volunteer, member, secretary = people
    MemberFactory(name="外科成员", branch=world.branch_b)
    record(member, world.branch_a, datetime.date(2025, 5, 1), Decimal("2.5"))
    team = TeamFactory(name="内科先锋队", owner_org=world.branch_a)
    client.force_login(secretary)
    period = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
    text = client.get(reverse("servicelog:hours"), period).content.decode()
    assert "人员时长台账" in text and "王小明" in text and "外科成员" not in text
    only_group = client.get(reverse("servicelog:hours"), {**period, "org": world.group_a.pk}).content.decode()
    assert "王小明" not in only_group  # a member of branch_a, not of the group below it
    response = client.get(reverse("servicelog:hours"), {**period, "team": team.pk})
    assert response.status_code == 302 and reverse("servicelog:hours_team", args=[team.pk]) in response["Location"]
    member_page = client.get(reverse("servicelog:hours_member", args=[member.pk]), period)
    assert member_page.status_code == 200 and "2.5" in member_page.content.decode()
    team_page = client.get(reverse("servicelog:hours_team", args=[team.pk]), period)
    assert team_page.status_code == 200 and "内科先锋队" in team_page.content.decode()


def test_the_ledger_page_does_not_query_per_member(client, world, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _volunteer, _member, secretary = people
    client.force_login(secretary)
    period = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
    client.get(reverse("servicelog:hours"), period)  # caches the user's grants
    counts = []
    for n in (2, 12):
        for i in range(n):
            other = MemberFactory(name=f"队员{n}-{i}", branch=world.group_a)
            record(other, world.group_a, datetime.date(2025, 5, 1), Decimal("1.0"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("servicelog:hours"), period).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_detail_rows_are_paginated(client, world, people):
    volunteer, member, _secretary = people
    for day in range(55):
        record(member, world.branch_a, JAN1 + datetime.timedelta(days=day), Decimal("1.0"))
    client.force_login(volunteer)
    period = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
    first = client.get(reverse("servicelog:hours"), period)
    assert first.context["rows"].paginator.num_pages == 2 and "rows_page=2" in first.content.decode()
    second = client.get(reverse("servicelog:hours"), {**period, "rows_page": "2"})
    assert len(second.context["rows"].object_list) == 5
    assert "55.0" in second.content.decode()  # the total covers every row

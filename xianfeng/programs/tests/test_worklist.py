"""The worklist selectors: buckets around today, open and unvoided only, mine vs all, filters,
health rows only for health holders, and one aggregate for the counts."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.programs import registry
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.worklist import due_soon, mine, worklist, worklist_counts, worklist_groups
from xianfeng.residents.tests.factories import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, ResidentFactory
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories import CheckInProgram

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


class HealthCheckIn(CheckInProgram):
    """Stands in for a health program (严重精神障碍): its rows need "programs.health"."""

    code = "test_health"
    name = "测试精防随访"
    health = True


@pytest.fixture
def health_program():
    registry.register(HealthCheckIn)
    yield registry.get_program(HealthCheckIn.code)
    registry.unregister(HealthCheckIn.code)


def enrol(people, *, due, status=Status.ACTIVE, program="test_checkin", village=VILLAGE_A, org=None, **extra):
    """An enrollment as the services leave it (the worklist only reads stored columns)."""
    resident = ResidentFactory(village_id=village)
    enrollment = Enrollment(
        program=program,
        resident=resident,
        org=org or people.world.branch_a,
        status=status,
        enrolled_on=TODAY - 200 * DAY,
        next_due_on=due,
        health=program == "test_health",
        **extra,
    )
    enrollment.set_place(village)
    enrollment.save()
    return enrollment


@pytest.fixture
def scene(people, checkin_program, health_program):
    return build_scene(people)


def build_scene(people):
    """Enrollments of branch A's volunteer around today, and a few that never show."""
    member = people.member
    rows = SimpleNamespace(
        today=enrol(people, due=TODAY, responsible_member=member),
        plus6=enrol(people, due=TODAY + 6 * DAY, responsible_member=member),
        plus7=enrol(people, due=TODAY + 7 * DAY, responsible_member=member),
        minus1=enrol(people, due=TODAY - DAY, status=Status.ENROLLED, responsible_member=member),
        lost=enrol(people, due=TODAY - 30 * DAY, status=Status.LOST, responsible_member=member),
        # Someone else's, in the same branch and township.
        other=enrol(people, due=TODAY - 3 * DAY, responsible_member=people.doctor_member),
        # Never on a worklist.
        exited=enrol(people, due=TODAY - DAY, status=Status.EXITED, responsible_member=member),
        deceased=enrol(people, due=TODAY, status=Status.DECEASED, responsible_member=member),
        voided=enrol(people, due=TODAY, responsible_member=member, voided_at=timezone.now()),
        # A health row (严重精神障碍) assigned to the volunteer, and one in the other township.
        health=enrol(people, due=TODAY - 2 * DAY, program="test_health", responsible_member=member),
        health_b=enrol(
            people, due=TODAY - 2 * DAY, program="test_health", village=VILLAGE_B, org=people.world.branch_b
        ),
    )
    return people, rows


def ids(qs):
    return [e.pk for e in qs]


def test_buckets_split_the_dates_around_today(scene):
    people, rows = scene
    doctor = people.doctor
    assert ids(worklist(doctor, bucket="today", today=TODAY)) == [rows.today.pk]
    # Today counts in the week; +6 is the week's last day, +7 is next week's.
    assert ids(worklist(doctor, bucket="week", today=TODAY)) == [rows.today.pk, rows.plus6.pk]
    # Soonest (most overdue) first; the lost one has its own tab.
    assert ids(worklist(doctor, bucket="overdue", today=TODAY)) == [rows.other.pk, rows.health.pk, rows.minus1.pk]
    assert ids(worklist(doctor, bucket="lost", today=TODAY)) == [rows.lost.pk]


def test_closed_and_voided_enrollments_never_appear(scene):
    people, rows = scene
    buckets = ("today", "week", "overdue", "lost")
    shown = {pk for bucket in buckets for pk in ids(worklist(people.doctor, bucket=bucket))}
    assert shown.isdisjoint({rows.exited.pk, rows.deceased.pk, rows.voided.pk, rows.plus7.pk})


def test_counts_match_the_lists_in_one_query(scene):
    people, _rows = scene
    with CaptureQueriesContext(connection) as captured:
        counts = worklist_counts(people.doctor, today=TODAY)
    assert counts == {"today": 1, "week": 2, "overdue": 3, "lost": 1}
    assert len([q for q in captured.captured_queries if '"programs_enrollment"' in q["sql"]]) == 1
    for bucket, n in counts.items():
        assert worklist(people.doctor, bucket=bucket, today=TODAY).count() == n


def test_mine_keeps_the_users_own_and_their_teams_work(scene):
    people, rows = scene
    team = TeamFactory(owner_org=people.world.branch_a)
    MembershipFactory(team=team, member=people.member)
    by_team = enrol(people, due=TODAY - 5 * DAY, responsible_team=team)
    overdue_mine = ids(worklist(people.volunteer, bucket="overdue", mine=True))
    assert overdue_mine == [by_team.pk, rows.minus1.pk]  # not the doctor's, nor the health row
    # "All" within the volunteer's scope (their organization) includes the doctor's patient.
    assert rows.other.pk in ids(worklist(people.volunteer, bucket="overdue"))
    assert set(ids(mine(people.volunteer))) >= {rows.today.pk, rows.lost.pk, by_team.pk}
    # A former team's work is no longer theirs.
    team_b = TeamFactory(owner_org=people.world.branch_a)
    MembershipFactory(team=team_b, member=people.member, end_on=TODAY - 10 * DAY)
    gone = enrol(people, due=TODAY - 5 * DAY, responsible_team=team_b)
    people.volunteer.__dict__.pop("_worklist_mine", None)
    assert gone.pk not in ids(worklist(people.volunteer, bucket="overdue", mine=True))


def test_a_user_without_a_member_has_no_own_list(scene):
    people, _rows = scene
    assert worklist_counts(people.world.owner, mine=True) == {"today": 0, "week": 0, "overdue": 0, "lost": 0}


def test_filters_by_program_member_team_org_and_place(scene):
    people, rows = scene
    doctor = people.doctor
    assert ids(worklist(doctor, bucket="overdue", program="test_health")) == [rows.health.pk]
    assert ids(worklist(doctor, bucket="overdue", member=people.doctor_member)) == [rows.other.pk]
    assert ids(worklist(doctor, bucket="overdue", member=people.member.pk)) == [rows.health.pk, rows.minus1.pk]
    team = TeamFactory(owner_org=people.world.branch_a)
    by_team = enrol(people, due=TODAY - 9 * DAY, responsible_team=team)
    assert ids(worklist(doctor, bucket="overdue", team=team)) == [by_team.pk]
    # An organization includes the ones below it.
    in_group = enrol(people, due=TODAY - 8 * DAY, org=people.world.group_a)
    assert ids(worklist(doctor, bucket="overdue", org=people.world.group_a)) == [in_group.pk]
    assert in_group.pk in ids(worklist(doctor, bucket="overdue", org=people.world.branch_a))
    assert in_group.pk in ids(worklist(doctor, bucket="overdue", org=people.world.branch_a.pk))
    # Township, village and county codes.
    assert worklist_counts(doctor, township=TOWN_A)["overdue"] == 5
    assert worklist_counts(doctor, township=TOWN_B)["overdue"] == 0
    assert worklist_counts(doctor, township=VILLAGE_A)["overdue"] == 5
    assert worklist_counts(doctor, township=TOWN_A[:6])["overdue"] == 5


def test_a_volunteer_never_sees_a_health_row_even_their_own(scene):
    people, rows = scene
    for bucket in ("today", "week", "overdue", "lost"):
        assert rows.health.pk not in ids(worklist(people.volunteer, bucket=bucket))
        assert rows.health.pk not in ids(worklist(people.volunteer, bucket=bucket, mine=True))
    assert worklist_counts(people.volunteer, mine=True)["overdue"] == 1  # minus1 only
    assert rows.health.pk in ids(worklist(people.doctor, bucket="overdue"))


def test_a_doctor_in_another_township_sees_none_of_this_one(scene):
    people, rows = scene
    other_doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_B, username="doc_b")
    assert worklist_counts(other_doctor) == {"today": 0, "week": 0, "overdue": 1, "lost": 0}
    assert ids(worklist(other_doctor, bucket="overdue")) == [rows.health_b.pk]
    # And branch B's clerk sees nothing of branch A.
    assert worklist_counts(people.world.outsider) == {"today": 0, "week": 0, "overdue": 0, "lost": 0}


def test_groups_count_each_bucket_per_township_and_per_team(scene):
    people, _rows = scene
    admin = people.world.admin
    by_town = {g["key"]: g for g in worklist_groups(admin, by="township", today=TODAY)}
    assert (by_town[TOWN_A]["overdue"], by_town[TOWN_A]["today"], by_town[TOWN_A]["lost"]) == (3, 1, 1)
    assert by_town[TOWN_B]["overdue"] == 1
    team = TeamFactory(owner_org=people.world.branch_a)
    enrol(people, due=TODAY, responsible_team=team)
    by_team = worklist_groups(admin, by="team", today=TODAY)
    assert by_team == [{"key": team.pk, "today": 1, "week": 1, "overdue": 0, "lost": 0}]


def test_due_soon_lists_overdue_first_then_the_week(scene):
    people, rows = scene
    assert [e.pk for e in due_soon(people.volunteer, limit=3)] == [rows.minus1.pk, rows.today.pk, rows.plus6.pk]


def test_an_unknown_bucket_is_refused(scene):
    people, _rows = scene
    with pytest.raises(ValueError, match="bucket"):
        worklist(people.doctor, bucket="someday")

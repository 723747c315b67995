"""The daily digest of due and overdue work: who gets it, what it holds, never twice, and how
the daily run schedules itself."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from xianfeng.programs import reminders, schedule, services
from xianfeng.programs.models import Digest, Enrollment
from xianfeng.residents.tests.factories import VILLAGE_A, ResidentFactory
from xianfeng.teams.models import Team, TeamMembership

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def overdue(people, checkin_program):
    """The volunteer is responsible for one enrollment overdue by 10 days and one due today."""
    people.volunteer.email = "vol@example.org"
    people.volunteer.save()
    made = []
    for name, enrolled in (("张大娘", TODAY - 10 * DAY), ("赵大爷", TODAY)):
        resident = ResidentFactory(name=name, village_id=VILLAGE_A)
        made.append(
            services.enrollment_create(
                acting_user=people.volunteer,
                program="test_checkin",
                resident=resident,
                responsible_member=people.member,
                enrolled_on=enrolled,
            )
        )
    return people, made


@override_settings(REMINDER_CHANNELS=["email"])
def test_the_responsible_member_gets_one_digest_of_due_and_overdue_work(overdue):
    people, _made = overdue
    assert reminders.send_daily_digests(TODAY)["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vol@example.org"]
    assert "今日到期 1 项，逾期 1 项" in message.subject
    assert "张大娘（逾期 10 天）" in message.body and "赵大爷（今日到期）" in message.body
    assert reminders.send_daily_digests(TODAY)["sent"] == 0  # a second run the same day: nothing new
    assert len(mail.outbox) == 1
    assert Digest.objects.get().overdue_count == 1


@override_settings(REMINDER_CHANNELS=["email"])
def test_a_volunteer_is_never_sent_health_work_they_may_not_see(overdue):
    people, made = overdue
    Enrollment.objects.filter(pk=made[0].pk).update(health=True)  # as a psychiatric follow-up is
    reminders.send_daily_digests(TODAY)
    assert "张大娘" not in mail.outbox[0].body
    assert "赵大爷" in mail.outbox[0].body


@override_settings(REMINDER_CHANNELS=["email"])
def test_team_work_without_a_named_member_goes_to_the_team_leader(people, checkin_program, world):
    leader_user = people.volunteer
    leader_user.email = "lead@example.org"
    leader_user.save()
    team = Team.objects.create(name="先锋队", owner_org=world.branch_a)
    TeamMembership.objects.create(
        team=team, member=people.member, role=TeamMembership.Role.LEADER, start_on=TODAY - 30 * DAY
    )
    resident = ResidentFactory(name="钱奶奶", village_id=VILLAGE_A)
    services.enrollment_create(
        acting_user=world.owner,  # the party office assigns the team
        program="test_checkin",
        resident=resident,
        responsible_team=team,
        enrolled_on=TODAY - 2 * DAY,
    )
    reminders.send_daily_digests(TODAY)
    assert [m.to for m in mail.outbox] == [["lead@example.org"]]
    assert "钱奶奶" in mail.outbox[0].body


@override_settings(REMINDER_CHANNELS=["email"])
def test_a_member_without_an_address_is_logged_as_failed_and_not_retried(overdue):
    people, _made = overdue
    people.volunteer.email = ""
    people.volunteer.save()
    assert reminders.send_daily_digests(TODAY)["failed"] == 1
    assert "no e-mail" in Digest.objects.get().error
    assert reminders.send_daily_digests(TODAY)["already"] == 1


def test_the_next_run_is_at_the_reminder_hour_today_or_tomorrow():
    tz = timezone.get_current_timezone()
    early = datetime.datetime(2026, 11, 24, 5, 0, tzinfo=tz)
    late = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=tz)
    with override_settings(REMINDER_HOUR=7):
        assert schedule.next_run_at(early) == datetime.datetime(2026, 11, 24, 7, 0, tzinfo=tz)
        assert schedule.next_run_at(late) == datetime.datetime(2026, 11, 25, 7, 0, tzinfo=tz)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_scheduling_twice_keeps_one_waiting_run(db):
    first = schedule.schedule_next_reminders()
    second = schedule.schedule_next_reminders()
    assert first is not None
    assert str(second.id) == str(first.id)
    assert schedule.pending_run().run_after == schedule.next_run_at()

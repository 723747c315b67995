"""防返贫监测: household enrollment with risk factors, visits at the configured interval, a visit
that finds the risk eliminated (suggests 结案, does not close), and exit with a reason."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xianfeng.programs import services
from xianfeng.programs.models import Status
from xianfeng.programs.poverty import poverty_exit, suggests_exit
from xianfeng.programs.services_settings import program_setting_change
from xianfeng.residents.tests.factories import HouseholdFactory, ResidentFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def watched(people):
    household = HouseholdFactory()
    head = ResidentFactory(name="孙户主", household=household)
    enrollment = services.enrollment_create(
        acting_user=people.volunteer,
        program="poverty_watch",
        household=household,
        responsible_member=people.member,
        enrolled_on=TODAY - 60 * DAY,
        data={
            "risk_factors": ["serious_illness", "慢性病负担重"],
            "income_per_capita": "5600.5",
            "contact_cadre": "周干部",
        },
    )
    return people, household, head, enrollment


def visit(people, enrollment, on, service_type=None, **data):
    return services.enrollment_record_visit(
        acting_user=people.volunteer,
        enrollment=enrollment,
        kind="visit",
        visited_on=on,
        data=data,
        service_type=service_type,
    )


def test_a_household_is_enrolled_with_its_risk_factors(watched):
    _people, household, _head, enrollment = watched
    assert enrollment.household == household and enrollment.resident is None
    assert enrollment.data["risk_factors"] == ["serious_illness", "chronic_burden"]  # labels accepted too
    assert enrollment.data["income_per_capita"] == "5600.5"
    assert enrollment.next_due_on == TODAY - 60 * DAY


def test_enrollment_without_risk_factors_or_of_a_resident_is_refused(people):
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(acting_user=people.volunteer, program="poverty_watch", household=household, data={})
    assert "risk_factors" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(
            acting_user=people.volunteer,
            program="poverty_watch",
            resident=people.resident,
            data={"risk_factors": ["accident"]},
        )
    assert "resident" in exc.value.message_dict


def test_a_visit_is_a_household_service_and_the_next_is_due_after_the_interval(watched):
    people, household, _head, enrollment = watched
    v = visit(people, enrollment, TODAY - 20 * DAY, situation="stable", measures=["medical_aid", "低保"])
    enrollment.refresh_from_db()
    assert v.record.service_type.code == "household_visit"
    assert v.record.household == household
    assert v.record.result["measures"] == ["medical_aid", "dibao"]
    assert enrollment.next_due_on == TODAY + 10 * DAY
    assert enrollment.state == "stable"
    phone = visit(people, enrollment, TODAY - 5 * DAY, service_type="phone_survey", situation="worsening")
    enrollment.refresh_from_db()
    assert phone.record.service_type.code == "phone_survey"
    assert (enrollment.state, enrollment.next_due_on) == ("worsening", TODAY + 25 * DAY)


def test_a_visit_needs_the_situation(watched):
    people, _household, _head, enrollment = watched
    with pytest.raises(ValidationError) as exc:
        visit(people, enrollment, TODAY, measures=["employment"])
    assert "situation" in exc.value.message_dict


def test_risk_eliminated_suggests_closing_but_leaves_the_case_open_until_exited(watched):
    people, _household, _head, enrollment = watched
    visit(people, enrollment, TODAY - 3 * DAY, situation="improving", risk_eliminated=True)
    enrollment.refresh_from_db()
    assert enrollment.is_open and enrollment.state == "risk_eliminated"
    assert suggests_exit(enrollment)
    closed = poverty_exit(acting_user=people.volunteer, enrollment=enrollment, reason="risk_eliminated")
    assert (closed.status, closed.end_reason, closed.next_due_on) == (Status.EXITED, "风险消除", None)
    assert not suggests_exit(closed)


def test_exit_needs_a_known_reason_and_a_note_for_other(watched):
    people, _household, _head, enrollment = watched
    with pytest.raises(ValidationError) as exc:
        poverty_exit(acting_user=people.volunteer, enrollment=enrollment, reason="bored")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        poverty_exit(acting_user=people.volunteer, enrollment=enrollment, reason="other")
    assert "note" in exc.value.message_dict
    closed = poverty_exit(acting_user=people.volunteer, enrollment=enrollment, reason="moved", note="迁往县城")
    assert closed.end_reason == "迁出：迁往县城"


def test_the_visit_interval_is_a_setting(watched, world, django_capture_on_commit_callbacks):
    people, _household, _head, enrollment = watched
    visit(people, enrollment, TODAY - 20 * DAY, situation="stable")
    with django_capture_on_commit_callbacks(execute=True):
        program_setting_change(acting_user=world.admin, program="poverty_watch", key="visit_days", value="14")
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == TODAY - 6 * DAY  # now overdue

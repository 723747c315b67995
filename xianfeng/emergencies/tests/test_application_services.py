"""Front-line applications flow into the membership pipeline; its errors come back as field errors."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.emergencies.models import FrontLineApplication
from xianfeng.emergencies.services_applications import application_receive
from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.tests.factories import MemberFactory

from .factories_people import DAY, TODAY, people_world


@pytest.fixture
def w(world):
    return people_world(world)


def test_application_records_the_apply_step(w):
    app = application_receive(
        acting_user=w.secretary, emergency=w.emergency, member=w.chen, applied_on=TODAY, letter="火线入党"
    )
    assert app.step.step == Step.APPLY and app.step.member == w.chen
    w.chen.refresh_from_db()
    assert w.chen.party_stage == Stage.APPLICANT
    assert w.chen.next_step == Step.TALK and w.chen.next_due_on is not None


def test_party_member_refused_duplicate_refused(w):
    with pytest.raises(ValidationError) as exc:
        application_receive(acting_user=w.secretary, emergency=w.emergency, member=w.wang, applied_on=TODAY)
    assert "member" in exc.value.message_dict
    application_receive(acting_user=w.secretary, emergency=w.emergency, member=w.chen, applied_on=TODAY)
    with pytest.raises(ValidationError):
        application_receive(acting_user=w.secretary, emergency=w.emergency, member=w.chen, applied_on=TODAY)
    assert FrontLineApplication.objects.count() == 1


def test_dates_and_scope(w):
    with pytest.raises(ValidationError) as exc:
        application_receive(acting_user=w.secretary, emergency=w.emergency, member=w.chen, applied_on=TODAY - 30 * DAY)
    assert "applied_on" in exc.value.message_dict
    with pytest.raises((ValidationError, PermissionDenied)):
        application_receive(acting_user=w.wang_user, emergency=w.emergency, member=w.chen, applied_on=TODAY)
    assert not FrontLineApplication.objects.exists()


def test_pipeline_errors_come_back_nothing_saved(w):
    minor = MemberFactory(
        name="小刘", branch=w.branch_a, party_stage=Stage.NONE, birth_date=TODAY.replace(year=TODAY.year - 16)
    )
    with pytest.raises(ValidationError) as exc:
        application_receive(acting_user=w.secretary, emergency=w.emergency, member=minor, applied_on=TODAY)
    assert "十八周岁" in exc.value.message_dict["applied_on"][0]
    assert not FrontLineApplication.objects.exists() and not minor.party_steps.exists()

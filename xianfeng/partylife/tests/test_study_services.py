"""Study services: pushing items, a member marking their own study, a secretary recording it for
their branch, the refusals a user would notice (twice, too many hours, a colleague's study)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.partylife import services_study as services
from xianfeng.partylife.models import StudyCompletion, StudyItem

from .factories_study import DAY, TODAY, study_world


@pytest.fixture
def w(world):
    return study_world(world)


def test_clerk_pushes_an_item_to_the_branch(w):
    item = services.study_item_create(
        acting_user=w.owner, org=w.branch_a, title="  学习二十大报告 ", hours="1.5", due_on=TODAY + 7 * DAY
    )
    assert item.title == "学习二十大报告" and item.hours == Decimal("1.5") and item.published_on == TODAY
    assert ChangeLog.objects.filter(model="partylife.StudyItem", object_id=str(item.pk), action="create").exists()


def test_item_outside_the_users_orgs_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.study_item_create(acting_user=w.outsider, org=w.branch_a, title="越权推送")
    assert "org" in exc.value.message_dict
    assert not StudyItem.objects.filter(title="越权推送").exists()


@pytest.mark.parametrize("hours", ["0", "-1", "100", "1.25", "1e400", "abc", "99999999999999999999"])
def test_bad_hours_are_a_field_error(w, hours):
    with pytest.raises(ValidationError) as exc:
        services.study_item_create(acting_user=w.owner, org=w.branch_a, title="学时错误", hours=hours)
    assert "hours" in exc.value.message_dict


def test_due_before_push_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.study_item_create(
            acting_user=w.owner, org=w.branch_a, title="期限错误", published_on=TODAY, due_on=TODAY - DAY
        )
    assert "due_on" in exc.value.message_dict


def test_member_marks_their_own_study_with_the_items_hours(w):
    done = services.study_complete(acting_user=w.vol, item=w.branch_item, note="收获很大")
    assert done.created
    c = done.completion
    assert (c.member, c.hours, c.completed_on, c.note) == (w.member, Decimal("2.0"), TODAY, "收获很大")
    assert ChangeLog.objects.filter(model="partylife.StudyCompletion", action="create").count() == 1


def test_member_studies_what_the_committee_pushed(w):
    done = services.study_complete(acting_user=w.vol, item=w.committee_item, hours="0.5")
    assert done.completion.hours == Decimal("0.5")


def test_completing_twice_is_refused_clearly(w):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    with pytest.raises(ValidationError) as exc:
        services.study_complete(acting_user=w.vol, item=w.branch_item)
    assert "不能重复登记" in str(exc.value)
    assert StudyCompletion.objects.count() == 1


def test_a_retry_with_an_idempotency_key_returns_the_completion(w):
    first = services.study_complete(acting_user=w.vol, item=w.branch_item, idempotency_key="k1")
    again = services.study_complete(acting_user=w.vol, item=w.branch_item, idempotency_key="k1")
    assert not again.created and again.completion.pk == first.completion.pk


def test_hours_beyond_twice_the_item_are_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.study_complete(acting_user=w.vol, item=w.branch_item, hours="4.1")
    assert "hours" in exc.value.message_dict
    assert not StudyCompletion.objects.exists()
    assert services.study_complete(acting_user=w.vol, item=w.branch_item, hours="4.0").created


def test_future_date_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.study_complete(acting_user=w.vol, item=w.branch_item, completed_on=TODAY + DAY)
    assert "completed_on" in exc.value.message_dict


def test_a_member_cannot_complete_for_a_colleague(w):
    with pytest.raises(PermissionDenied):
        services.study_complete(acting_user=w.vol, item=w.branch_item, member=w.colleague)
    assert not StudyCompletion.objects.exists()


def test_secretary_records_for_a_member_of_their_branch(w):
    done = services.study_complete(acting_user=w.secretary, item=w.committee_item, member=w.probationary)
    assert done.completion.member == w.probationary


def test_another_branchs_secretary_cannot_record(w):
    with pytest.raises((PermissionDenied, ValidationError)):
        services.study_complete(acting_user=w.secretary_b, item=w.branch_item, member=w.member)
    assert not StudyCompletion.objects.exists()


def test_item_not_pushed_to_the_members_org_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.study_complete(acting_user=w.owner, item=w.branch_item, member=w.member_b)
    assert "member" in exc.value.message_dict


def test_uncomplete_own_and_not_a_colleagues(w):
    mine = services.study_complete(acting_user=w.vol, item=w.branch_item).completion
    theirs = services.study_complete(acting_user=w.colleague_user, item=w.branch_item).completion
    with pytest.raises(PermissionDenied):
        services.study_uncomplete(acting_user=w.vol, completion=theirs)
    services.study_uncomplete(acting_user=w.vol, completion=mine, reason="误点")
    assert list(StudyCompletion.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert ChangeLog.objects.filter(model="partylife.StudyCompletion", action="delete", note="误点").exists()


def test_voided_item_takes_no_completion(w):
    services.study_item_void(acting_user=w.owner, item=w.branch_item, reason="重复推送")
    with pytest.raises(ValidationError) as exc:
        services.study_complete(acting_user=w.vol, item=w.branch_item)
    assert "已作废" in str(exc.value)


def test_org_stays_once_studied(w):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    with pytest.raises(ValidationError) as exc:
        services.study_item_update(acting_user=w.owner, item=w.branch_item, org=w.group_a)
    assert "org" in exc.value.message_dict
    item = services.study_item_update(acting_user=w.owner, item=w.branch_item, title="支部学习文件（修订）")
    assert item.title == "支部学习文件（修订）"


def test_secretary_cannot_change_the_committees_item(w):
    with pytest.raises(PermissionDenied):
        services.study_item_update(acting_user=w.secretary, item=w.committee_item, title="改")

"""The needs ledger through its services: a need's life, evidence required, reasons required,
transitions refused, scope, idempotency, the ChangeLog."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.needs import services
from xianfeng.needs.models import Category, Need, Status
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_B, ResidentFactory
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.services import record_void
from xianfeng.servicelog.tests.factories import service_type
from xianfeng.teams.tests.factories import TeamFactory

from .factories import DAY, TODAY, delivery, needs_world


@pytest.fixture
def w(world):
    return needs_world(world)


def _need(w, user=None, **kwargs):
    fields = dict(title="更换轮椅", category=Category.ASSISTIVE, resident=w.resident, raised_on=TODAY - 5 * DAY)
    fields.update(kwargs)
    return services.need_create(acting_user=user or w.volunteer, **fields).need


def _history(need):
    return list(ChangeLog.objects.filter(model="needs.Need", object_id=str(need.pk)).order_by("pk"))


def test_a_volunteer_records_a_wheelchair_need_for_a_resident(w):
    need = _need(w)
    assert need.status == Status.OPEN
    assert need.household == w.household  # a resident brings their household
    assert (need.village_code, need.township_code) == (VILLAGE_A, VILLAGE_A[:9])
    assert need.org == w.branch_a  # the recorder's branch
    assert need.recorded_by_member == w.member
    assert [log.action for log in _history(need)] == ["create"]


def test_a_need_needs_a_resident_or_a_household(w):
    with pytest.raises(ValidationError) as exc:
        services.need_create(acting_user=w.volunteer, title="修路", category=Category.OTHER)
    assert "resident" in exc.value.message_dict
    assert not Need.objects.exists()


def test_a_resident_outside_the_users_scope_is_refused(w):
    far = ResidentFactory(name="前阳居民", village_id=VILLAGE_B)
    with pytest.raises(ValidationError) as exc:
        _need(w, resident=far)
    assert "resident" in exc.value.message_dict


def test_raised_in_the_future_or_due_before_raised_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        _need(w, raised_on=TODAY + DAY)
    assert "raised_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _need(w, due_on=TODAY - 10 * DAY)
    assert "due_on" in exc.value.message_dict


def test_the_same_idempotency_key_records_one_need(w):
    first = services.need_create(
        acting_user=w.volunteer, title="代购药品", category=Category.MEDICINE, resident=w.resident, idempotency_key="k1"
    )
    again = services.need_create(
        acting_user=w.volunteer, title="代购药品", category=Category.MEDICINE, resident=w.resident, idempotency_key="k1"
    )
    assert first.created and not again.created and again.need.pk == first.need.pk
    assert Need.objects.count() == 1


def test_an_outsider_cannot_write_a_need_into_another_branch(w):
    # The outsider (clerk of branch_b) cannot see 李大爷 at all.
    with pytest.raises(ValidationError):
        _need(w, user=w.outsider)
    # Nor name branch_a as the responsible organization for a resident they could see.
    with pytest.raises((ValidationError, PermissionDenied)):
        _need(w, user=w.outsider, org=w.branch_a)
    assert not Need.objects.exists()


def test_assigning_puts_the_need_in_progress_with_a_due_date(w):
    need = _need(w, user=w.secretary)
    need = services.need_assign(acting_user=w.secretary, need=need, member=w.member, due_on=TODAY + 7 * DAY)
    assert need.status == Status.IN_PROGRESS
    assert need.assigned_member == w.member and need.due_on == TODAY + 7 * DAY
    with pytest.raises(ValidationError):
        services.need_assign(acting_user=w.secretary, need=need)  # nobody named
    with pytest.raises(ValidationError) as exc:
        services.need_assign(acting_user=w.secretary, need=need, member=w.member, due_on=TODAY - 30 * DAY)
    assert "due_on" in exc.value.message_dict


def test_a_team_out_of_scope_cannot_be_assigned(w):
    need = _need(w, user=w.secretary)
    other = TeamFactory(name="外科突击队", owner_org=w.branch_b)
    with pytest.raises(ValidationError) as exc:
        services.need_assign(acting_user=w.secretary, need=need, team=other)
    assert "assigned_team" in exc.value.message_dict


def test_the_assigned_member_reaches_the_need_even_outside_their_org(w):
    need = _need(w, user=w.owner)  # the clerk over branch_a's subtree
    need = services.need_assign(acting_user=w.owner, need=need, member=w.member)
    need.org = w.group_a  # a group the volunteer's 本组织 grant does not cover
    need.save(update_fields=["org"])
    # The volunteer still works it: the member a need is assigned to always reaches it.
    resolved = services.need_resolve(acting_user=w.volunteer, need=need, records=[delivery(w, resident=w.resident)])
    assert resolved.status == Status.RESOLVED


def test_resolving_needs_evidence(w):
    need = _need(w)
    with pytest.raises(ValidationError) as exc:
        services.need_resolve(acting_user=w.volunteer, need=need, records=[], resolution_note="已解决")
    assert "records" in exc.value.message_dict
    need.refresh_from_db()
    assert need.status == Status.OPEN and need.closed_on is None


def test_evidence_must_be_for_the_same_person_live_and_after_the_need_was_raised(w):
    need = _need(w)
    stranger = ResidentFactory(name="张三", village_id=VILLAGE_A)
    cases = [
        delivery(w, resident=stranger),  # someone else
        delivery(w, resident=w.resident, served_on=TODAY - 10 * DAY),  # before the need was raised
    ]
    voided = delivery(w, resident=w.resident)
    record_void(acting_user=w.volunteer, record=voided, reason="录错")
    cases.append(voided)
    for record in cases:
        with pytest.raises(ValidationError) as exc:
            services.need_resolve(acting_user=w.volunteer, need=need, records=[record])
        assert "records" in exc.value.message_dict
    assert not need.records.exists()


def test_evidence_out_of_the_users_view_is_refused(w):
    need = _need(w)
    elsewhere = delivery(w, resident=w.resident, org=w.branch_b)  # 外科's record: the volunteer cannot see it
    with pytest.raises(ValidationError) as exc:
        services.need_resolve(acting_user=w.volunteer, need=need, records=[elsewhere])
    assert "不在您的权限范围内" in str(exc.value)


def test_a_household_need_is_resolved_by_a_record_for_any_member(w):
    need = _need(w, resident=None, household=w.household, title="危房修缮", category=Category.HOUSING)
    record = delivery(w, resident=w.wife)
    need = services.need_resolve(acting_user=w.volunteer, need=need, records=[record], resolution_note="已修缮")
    assert need.status == Status.RESOLVED and need.closed_on == TODAY
    assert list(need.records.all()) == [record]
    assert _history(need)[-1].after["records"] == [record.pk]


def test_closing_unresolved_needs_a_reason_and_reopen_needs_one_too(w):
    need = _need(w)
    with pytest.raises(ValidationError) as exc:
        services.need_close_unresolved(acting_user=w.volunteer, need=need, reason="  ")
    assert "reason" in exc.value.message_dict
    need = services.need_close_unresolved(acting_user=w.volunteer, need=need, reason="不符合补助政策")
    assert need.status == Status.UNRESOLVED and need.close_reason == "不符合补助政策"
    with pytest.raises(ValidationError):
        services.need_reopen(acting_user=w.volunteer, need=need, reason="")
    need = services.need_reopen(acting_user=w.volunteer, need=need, reason="政策调整，可以申请")
    assert need.status == Status.OPEN and need.closed_on is None and need.close_reason == ""
    assert "政策调整" in _history(need)[-1].note


@pytest.mark.parametrize("closing", ["resolve", "close"])
def test_a_closed_need_takes_no_second_closing_nor_edits(w, closing):
    need = _need(w)
    if closing == "resolve":
        services.need_resolve(acting_user=w.volunteer, need=need, records=[delivery(w, resident=w.resident)])
    else:
        services.need_close_unresolved(acting_user=w.volunteer, need=need, reason="本人放弃")
    with pytest.raises(ValidationError):
        services.need_resolve(acting_user=w.volunteer, need=need, records=[delivery(w, resident=w.resident)])
    with pytest.raises(ValidationError):
        services.need_close_unresolved(acting_user=w.volunteer, need=need, reason="再关一次")
    with pytest.raises(ValidationError):
        services.need_update(acting_user=w.volunteer, need=need, title="改标题")
    with pytest.raises(ValidationError):
        services.need_reopen(acting_user=w.volunteer, need=_need(w, title="另一件"), reason="未办结的不用重开")


def test_a_voided_need_takes_no_action(w):
    need = _need(w)
    with pytest.raises(ValidationError):
        services.need_void(acting_user=w.volunteer, need=need, reason="")
    need = services.need_void(acting_user=w.volunteer, need=need, reason="重复登记")
    assert need.is_voided
    with pytest.raises(ValidationError):
        services.need_resolve(acting_user=w.volunteer, need=need, records=[delivery(w, resident=w.resident)])
    with pytest.raises(ValidationError):
        services.need_start(acting_user=w.volunteer, need=need)
    with pytest.raises(ValidationError):
        services.need_void(acting_user=w.volunteer, need=need, reason="再作废")


def test_a_reader_cannot_write_and_an_outsider_cannot_reach(w):
    need = _need(w)
    with pytest.raises(PermissionDenied):
        services.need_start(acting_user=w.reader, need=need)  # 领导: view only
    with pytest.raises(PermissionDenied):
        services.need_close_unresolved(acting_user=w.outsider, need=need, reason="越权")
    need.refresh_from_db()
    assert need.status == Status.OPEN


def test_update_corrects_and_logs_what_it_was(w):
    need = _need(w)
    need = services.need_update(acting_user=w.volunteer, need=need, title="更换电动轮椅", resident=w.wife)
    assert need.title == "更换电动轮椅" and need.resident == w.wife and need.household == w.household
    before = _history(need)[-1].before
    assert before["title"] == "更换轮椅"


def test_resolving_with_a_service_recorded_on_the_spot_is_one_step(w):
    need = _need(w)
    need = services.need_resolve_with_new_record(
        acting_user=w.volunteer,
        need=need,
        record_fields={"service_type": service_type("assistive_device"), "quantity": 1, "note": "送去新轮椅"},
        resolution_note="已更换",
    )
    record = need.records.get()
    assert need.status == Status.RESOLVED
    assert record.resident == w.resident and record.service_type.code == "assistive_device"


def test_a_failed_on_the_spot_record_leaves_nothing_half_saved(w):
    need = _need(w)
    with pytest.raises(ValidationError):
        services.need_resolve_with_new_record(
            acting_user=w.volunteer,
            need=need,
            record_fields={"service_type": service_type("assistive_device"), "served_on": TODAY + 3 * DAY},
        )
    need.refresh_from_db()
    assert need.status == Status.OPEN
    assert not ServiceRecord.objects.exists()

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from xianfeng.audit.models import AccessLog
from xianfeng.members import selectors, services
from xianfeng.members.models import Member, PartyStep
from xianfeng.members.pipeline import Stage, Step

from .factories import MemberFactory, make_id_number

D = datetime.date


def create(world, **kwargs):
    kwargs.setdefault("name", "张三")
    kwargs.setdefault("branch", world.branch_a)
    return services.member_create(acting_user=world.owner, **kwargs)


def record(world, member, step, on_date, **kwargs):
    return services.party_step_record(acting_user=world.owner, member=member, step=step, on_date=on_date, **kwargs)


def test_member_create_fills_birth_and_gender_from_id_and_stores_it_encrypted(world):
    member = create(world, id_number="２１０６８１１９９００３０７１２３" + make_id_number()[-1], phone="138 1234 5678")
    member.refresh_from_db()
    assert member.birth_date == D(1990, 3, 7)
    assert member.gender == "M"
    assert member.id_number == make_id_number()
    assert member.phone == "13812345678"
    assert member.id_number_masked == "2106" + "*" * 14  # no digit of birth date, sequence or check digit
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_member WHERE id = %s", [member.pk])
        raw = cursor.fetchone()
    assert make_id_number() not in raw[0] and "13812345678" not in raw[1]  # ciphertext at rest


def test_bad_id_checksum_is_refused_and_nothing_saved(world):
    bad = make_id_number()[:-1] + ("0" if make_id_number()[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        create(world, id_number=bad)
    assert "校验位" in exc.value.message_dict["id_number"][0]
    assert not Member.objects.exists()


def test_same_id_number_twice_is_refused(world):
    create(world, id_number=make_id_number())
    with pytest.raises(ValidationError, match="已登记"):
        create(world, name="张三丰", id_number=make_id_number())


def test_volunteers_get_a_volunteer_number(world):
    first = create(world, category=Member.Category.VOLUNTEER)
    second = create(world, name="李四", category=Member.Category.VOLUNTEER)
    year = datetime.date.today().year
    assert first.volunteer_no == f"ZY{year}000001"
    assert second.volunteer_no == f"ZY{year}000002"
    assert first.public_id == first.volunteer_no


def test_outsider_cannot_create_in_another_branch(world):
    with pytest.raises(PermissionDenied):
        services.member_create(acting_user=world.outsider, name="王五", branch=world.branch_a)
    assert not Member.objects.exists()


def test_pipeline_through_services_keeps_stage_and_next_due(world):
    member = create(world, id_number=make_id_number())
    record(world, member, Step.APPLY, D(2023, 1, 10))
    member.refresh_from_db()
    assert (member.party_stage, member.next_step, member.next_due_on) == (Stage.APPLICANT, Step.TALK, D(2023, 2, 10))
    record(world, member, Step.TALK, D(2023, 2, 1))
    record(world, member, Step.ACTIVIST, D(2023, 3, 1))
    member.refresh_from_db()
    assert (member.party_stage, member.next_step, member.next_due_on) == (Stage.ACTIVIST, Step.REVIEW, D(2023, 9, 1))
    with pytest.raises(ValidationError) as exc:
        record(world, member, Step.CANDIDATE, D(2024, 2, 1))
    assert "2024-03-01" in exc.value.message_dict["on_date"][0]
    record(world, member, Step.CANDIDATE, D(2024, 3, 1))
    record(world, member, Step.POLITICAL_REVIEW, D(2024, 5, 1))
    with pytest.raises(ValidationError) as exc:
        record(world, member, Step.ADMIT, D(2024, 6, 1), introducers="王明")
    assert "introducers" in exc.value.message_dict
    record(world, member, Step.ADMIT, D(2024, 6, 1), introducers="王明、李红")
    member.refresh_from_db()
    assert (member.party_stage, member.next_step, member.next_due_on) == (
        Stage.PROBATIONARY,
        Step.FULL,
        D(2025, 6, 1),
    )
    with pytest.raises(ValidationError) as exc:
        record(world, member, Step.EXTEND, D(2025, 5, 1), extension_months=18)
    assert "extension_months" in exc.value.message_dict
    record(world, member, Step.EXTEND, D(2025, 5, 1), extension_months=6)
    member.refresh_from_db()
    assert member.next_due_on == D(2025, 12, 1)
    assert PartyStep.objects.filter(member=member).count() == 7


def test_a_refused_step_saves_nothing(world):
    member = create(world)
    record(world, member, Step.APPLY, D(2023, 1, 10))
    with pytest.raises(ValidationError):
        record(world, member, Step.TALK, D(2023, 1, 9))  # before the application
    member.refresh_from_db()
    assert member.party_steps.count() == 1
    assert member.next_step == Step.TALK


def test_undo_removes_the_latest_step(world):
    member = create(world)
    record(world, member, Step.APPLY, D(2023, 1, 10))
    record(world, member, Step.TALK, D(2023, 1, 20))
    services.party_step_undo(acting_user=world.owner, member=member, reason="录错")
    member.refresh_from_db()
    assert member.next_step == Step.TALK and member.party_steps.count() == 1


def test_transfer_keeps_the_history(world, django_user_model):
    member = create(world, branch=world.group_a)
    record(world, member, Step.APPLY, D(2023, 1, 10))
    services.member_transfer(acting_user=world.owner, member=member, to_branch=world.branch_a, on_date=D(2024, 1, 1))
    member.refresh_from_db()
    assert member.branch == world.branch_a
    assert member.transfers.get().from_branch == world.group_a
    step = member.party_steps.get()
    assert step.branch == world.group_a  # the step stays where it was taken
    # Moving a member out of one's own scope is refused and rolled back.
    with pytest.raises(PermissionDenied):
        services.member_transfer(
            acting_user=world.owner, member=member, to_branch=world.branch_b, on_date=D(2024, 2, 1)
        )
    member.refresh_from_db()
    assert member.branch == world.branch_a and member.transfers.count() == 1


def test_search_by_traditional_characters_and_pinyin_initials(world):
    create(world, name="张三")
    create(world, name="陈大文")
    names = lambda q: [m.name for m in selectors.member_list(user=world.owner, query=q)]  # noqa: E731
    assert names("zs") == ["张三"]
    assert names("陳大文") == ["陈大文"]
    assert names("cdw") == ["陈大文"]


def test_worklist_lists_overdue_first(world):
    late = create(world, name="甲")
    record(world, late, Step.APPLY, D(2023, 1, 10))
    soon = create(world, name="乙")
    record(world, soon, Step.APPLY, D(2024, 1, 10))
    create(world, name="丙")  # not in the pipeline
    other = MemberFactory(branch=world.branch_b, party_stage=Stage.APPLICANT, next_due_on=D(2020, 1, 1))
    worklist = list(selectors.member_worklist(user=world.owner))
    assert worklist == [late, soon]
    assert other not in worklist


# Pages


def test_list_and_detail_show_masked_personal_data(world, login):
    member = create(world, id_number=make_id_number(), phone="13812345678")
    client = login(world.reader)
    page = client.get(reverse("members:list")).content.decode()
    assert "张三" in page and "138****5678" in page and "13812345678" not in page
    detail = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert make_id_number() not in detail and "2106**********" in detail


def test_outsider_gets_404_and_reader_403_on_edit(world, login):
    member = create(world)
    assert login(world.outsider).get(reverse("members:detail", args=[member.pk])).status_code == 404
    assert login(world.reader).get(reverse("members:edit", args=[member.pk])).status_code == 403


def test_reveal_needs_a_reason_and_is_logged(world, login):
    member = create(world, id_number=make_id_number())
    url = reverse("members:reveal", args=[member.pk])
    assert login(world.reader).post(url, {"reason": "核对"}).status_code == 403
    client = login(world.owner)
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "核对入党材料"})
    assert make_id_number() in response.content.decode()
    log = AccessLog.objects.get(kind=AccessLog.Kind.REVEAL)
    assert log.reason == "核对入党材料" and log.user == world.owner


def test_record_step_page_shows_the_rule_that_failed(world, login):
    member = create(world)
    client = login(world.owner)
    url = reverse("members:step_create", args=[member.pk])
    response = client.post(url, {"step": Step.TALK, "on_date": "2023-01-01"})
    assert response.status_code == 400
    assert "当前为“群众”" in response.content.decode()
    response = client.post(url, {"step": Step.APPLY, "on_date": "2023-01-01"})
    assert response.status_code == 302
    worklist = client.get(reverse("members:worklist")).content.decode()
    assert "张三" in worklist and "已逾期" in worklist


def test_create_form_reports_bad_id(world, login):
    response = login(world.owner).post(
        reverse("members:create"),
        {"name": "张三", "branch": world.branch_a.pk, "id_number": "210681199003071230", "category": "staff"},
    )
    assert response.status_code == 400
    assert "校验位" in response.content.decode()
    assert not Member.objects.exists()


def test_export_masks_unless_revealed_and_logs(world, login):
    import io

    from openpyxl import load_workbook

    create(world, id_number=make_id_number(), phone="13812345678")
    client = login(world.owner)
    response = client.get(reverse("members:export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][4] == "2106" + "*" * 14 and rows[1][5] == "138****5678"
    assert client.get(reverse("members:export") + "?reveal=1").status_code == 403  # no reason given
    response = client.get(reverse("members:export") + "?reveal=1&reason=上报")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][4] == make_id_number()
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).count() == 2
    assert login(world.reader).get(reverse("members:export")).status_code == 403

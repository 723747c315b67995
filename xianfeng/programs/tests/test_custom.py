"""Custom interval programs: an administrator defines one (eligible tags, interval, typed visit
fields), residents are enrolled and visited, the due date follows the interval and its changes;
bad field definitions are refused with a message naming the item; only administrators write."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.programs import custom, registry, services
from xianfeng.programs.models import CustomProgram, Enrollment
from xianfeng.programs.services_custom import custom_program_create, custom_program_update
from xianfeng.residents.models import ResidentTag
from xianfeng.servicelog.models import ServiceType

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
CODE = "custom_pregnancy_mental"

FIELDS = [
    {"key": "mood", "label": "情绪", "kind": "choice", "required": True, "choices": [["ok", "良好"], ["low", "低落"]]},
    {"key": "epds", "label": "EPDS 评分", "kind": "integer"},
]


@pytest.fixture(autouse=True)
def forget_custom_programs():
    yield
    for code in registry.registered_codes():
        if code.startswith(custom.PREFIX):
            registry.unregister(code)


def create(user, **overrides):
    fields = dict(
        code="pregnancy_mental",
        name="孕产妇心理随访",
        eligible_tags=["pregnant"],
        interval_days=14,
        service_type=ServiceType.objects.get(code="home_nursing_edu"),
        visit_fields=FIELDS,
    )
    fields.update(overrides)
    return custom_program_create(acting_user=user, **fields)


def test_lifecycle_create_enroll_visit_due(people, world):
    row = create(world.admin)
    program = registry.get_program(CODE)
    assert program.name == "孕产妇心理随访"
    assert CODE in {p.code for p in registry.all_programs()}
    assert ChangeLog.objects.filter(model="programs.CustomProgram", action=ChangeLog.Action.CREATE).exists()

    with pytest.raises(ValidationError) as exc:  # not tagged 孕产妇
        services.enrollment_create(acting_user=people.volunteer, program=CODE, resident=people.resident)
    assert "李大爷" in exc.value.message_dict["resident"][0] and "孕产妇" in exc.value.message_dict["resident"][0]

    ResidentTag.objects.create(resident=people.resident, tag="pregnant", valid_from=TODAY - 100 * DAY)
    enrollment = services.enrollment_create(
        acting_user=people.volunteer,
        program=CODE,
        resident=people.resident,
        responsible_member=people.member,
        enrolled_on=TODAY - 30 * DAY,
    )
    assert enrollment.next_due_on == TODAY - 30 * DAY
    visit = services.enrollment_record_visit(
        acting_user=people.volunteer,
        enrollment=enrollment,
        kind="visit",
        visited_on=TODAY - 5 * DAY,
        data={"mood": "低落", "epds": "12"},
    )
    enrollment.refresh_from_db()
    assert visit.record.service_type.code == "home_nursing_edu"
    assert visit.record.result == {"mood": "low", "epds": 12}
    assert enrollment.next_due_on == TODAY + 9 * DAY
    assert row.health is False and enrollment.health is False

    with pytest.raises(ValidationError) as exc:
        services.enrollment_record_visit(
            acting_user=people.volunteer, enrollment=enrollment, kind="visit", data={"epds": 3}
        )
    assert "mood" in exc.value.message_dict  # required by the administrator's definition


def test_changing_the_interval_recomputes_and_deactivating_stops_new_enrollments(
    people, world, django_capture_on_commit_callbacks
):
    row = create(world.admin, eligible_tags=[])  # anyone
    enrollment = services.enrollment_create(
        acting_user=people.volunteer, program=CODE, resident=people.resident, enrolled_on=TODAY - 20 * DAY
    )
    services.enrollment_record_visit(
        acting_user=people.volunteer,
        enrollment=enrollment,
        kind="visit",
        visited_on=TODAY - 10 * DAY,
        data={"mood": "ok"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        custom_program_update(acting_user=world.admin, custom_program=row, interval_days=30)
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == TODAY + 20 * DAY
    assert registry.get_program(CODE).interval_days == 30

    custom_program_update(acting_user=world.admin, custom_program=row, active=False)
    services.enrollment_end(acting_user=people.volunteer, enrollment=enrollment, status="exited", reason="产后满一年")
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(acting_user=people.volunteer, program=CODE, resident=people.resident)
    assert "停用" in exc.value.message_dict["resident"][0]
    assert str(Enrollment.objects.get(pk=enrollment.pk))  # its history stays readable


def test_a_program_changed_by_another_process_is_reloaded(people, world):
    row = create(world.admin)
    registry.unregister(CODE)  # another web process never saw it
    custom._stale()  # what the next request does
    assert registry.get_program(CODE).interval_days == 14
    CustomProgram.objects.filter(pk=row.pk).update(interval_days=7, updated_at=timezone.now())
    custom._stale()
    assert registry.get_program(CODE).interval_days == 7


def test_a_health_service_type_makes_a_health_program(world):
    row = create(world.admin, service_type=ServiceType.objects.get(code="psych_screen_pregnancy"))
    assert row.health is True
    assert registry.get_program(CODE).health is True


@pytest.mark.parametrize(
    "fields, words",
    [
        ([{"key": "mood", "label": "情绪", "kind": "choice"}], ["第 1 项", "情绪", "选项"]),
        (
            [{"key": "x", "label": "甲", "kind": "text"}, {"key": "x", "label": "乙", "kind": "text"}],
            ["第 2 项", "重复"],
        ),
        ([{"key": "Mood!", "label": "情绪", "kind": "text"}], ["第 1 项", "Mood!"]),
        ([{"key": "mood", "label": "情绪", "kind": "colour"}], ["第 1 项", "类型"]),
        ([{"key": "mood", "label": "", "kind": "text"}], ["名称必填"]),
        ([{"key": "reached", "label": "见到", "kind": "boolean"}], ["系统"]),
        (
            [{"key": "m", "label": "情绪", "kind": "choice", "choices": [["a", "好"], ["a", "坏"]]}],
            ["选项代码", "重复"],
        ),
        ([{"key": "n", "label": "次数", "kind": "integer", "choices": [["a", "好"]]}], ["不是选择题"]),
    ],
)
def test_bad_field_definitions_are_refused_with_a_clear_message(world, fields, words):
    with pytest.raises(ValidationError) as exc:
        create(world.admin, visit_fields=fields)
    message = exc.value.message_dict["visit_fields"][0]
    assert all(word in message for word in words), message
    assert not CustomProgram.objects.exists()


def test_other_bad_input_is_refused_naming_the_field(world):
    for overrides, field in (
        ({"code": "Bad Code"}, "code"),
        ({"eligible_tags": ["astronaut"]}, "eligible_tags"),
        ({"service_type": ServiceType.objects.get(code="household_visit")}, "service_type"),
        ({"interval_days": 0}, "interval_days"),
    ):
        with pytest.raises(ValidationError) as exc:
            create(world.admin, **overrides)
        assert field in exc.value.message_dict, overrides
    row = create(world.admin)
    with pytest.raises(ValidationError) as exc:
        custom_program_update(acting_user=world.admin, custom_program=row, code="other")
    assert "code" in exc.value.message_dict


def test_only_an_administrator_over_everything_writes(world):
    with pytest.raises(PermissionDenied):
        create(world.owner)  # 党办干事
    row = create(world.admin)
    with pytest.raises(PermissionDenied):
        custom_program_update(acting_user=world.reader, custom_program=row, interval_days=3)

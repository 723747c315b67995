"""Objects of the programs area for the generated access matrix (xianfeng/core/tests/access.py).

Beside every ordinary enrollment (结对帮扶 of a resident) the maker writes a health one (严重精神障碍
患者管理) of a resident whose name holds HEALTH_MARKERS["programs"]: no role without 健康 may ever
see that name on a programs page, list or API answer. Enrollments belong to the relation's
organization and lie in its village; OWN: the user under test is the responsible member (the
programs exception of 表三), placed elsewhere. Written directly, without services (no consent,
no scope check): the matrix needs objects where no user may put them.
"""

import itertools

from django.utils import timezone

from xianfeng.core.tests.access import HEALTH_MARKERS, LABELS, OWN, object_maker
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs import registry
from xianfeng.programs.configuration import program_settings
from xianfeng.programs.models import CustomProgram, Enrollment, Period, Status, Visit
from xianfeng.residents.tests.factories import ResidentFactory
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

HEALTH_MARKERS["programs"] = "精防患者"
ORDINARY_PROGRAM = "pairing"
HEALTH_PROGRAM = "smd"

_numbers = itertools.count(1)


def _responsible(world, relation, user):
    if relation != OWN:
        return None
    member = Member.objects.filter(user=user).first()
    return member or MemberFactory(name=f"{LABELS[OWN]}责任人{next(_numbers)}", branch=world.orgs[OWN], user=user)


def _enroll(world, relation, user, *, name: str, health: bool) -> Enrollment | None:
    if relation == OWN and user is None:
        return None
    code = HEALTH_PROGRAM if health else ORDINARY_PROGRAM
    resident = ResidentFactory(name=name, village_id=world.villages[relation])
    today = timezone.localdate()
    if health:
        data = {"diagnosis": "schizophrenia"}
    else:  # the program's defaults (a contact frequency), as enrolling would store them
        data = registry.get_program(code).clean_enrollment(
            {}, subject=resident, enrolled_on=today, settings=program_settings(code)
        )
    enrollment = Enrollment(
        program=code,
        resident=resident,
        org=world.orgs[relation],
        responsible_member=_responsible(world, relation, user),
        status=Status.ACTIVE,
        data=data,
        enrolled_on=today,
        next_due_on=today,
        health=health,
    )
    enrollment.set_place(world.villages[relation])
    enrollment.save()
    return enrollment


@object_maker(Enrollment, marker=lambda e: e.resident.name)
def enrollment(world, relation, user):
    n = next(_numbers)
    _enroll(world, relation, user, name=f"{LABELS[relation]}{HEALTH_MARKERS['programs']}{n}", health=True)
    return _enroll(world, relation, user, name=f"{LABELS[relation]}帮扶对象{n}", health=False)


@object_maker(Visit, marker=lambda v: v.enrollment.resident.name)
def visit(world, relation, user):
    owner = _enroll(world, relation, user, name=f"{LABELS[relation]}联系对象{next(_numbers)}", health=False)
    if owner is None:
        return None
    record = ServiceRecordFactory(
        service_type=service_type("medicine_delivery"),
        resident=owner.resident,
        org=owner.org,
        served_on=owner.enrolled_on,
        result={},
    )
    return Visit.objects.create(enrollment=owner, record=record, kind="contact", visited_on=record.served_on)


@object_maker(Period, marker=lambda p: p.place)
def period(world, relation, user):
    owner = _enroll(world, relation, user, name=f"{LABELS[relation]}外出对象{next(_numbers)}", health=False)
    if owner is None:
        return None
    return Period.objects.create(
        enrollment=owner, kind=Period.Kind.AWAY, start_on=owner.enrolled_on, place=f"{LABELS[relation]}务工地"
    )


@object_maker(CustomProgram, marker=lambda row: row.name)
def custom_program(world, relation, user):
    # Configuration (programsettings, read by all, changed by administrators over 全部), in no
    # organization or place: one row per relation, none owned by anyone.
    if relation == OWN:
        return None
    row, _created = CustomProgram.objects.get_or_create(
        code=f"matrix_{relation}",
        defaults={"name": f"{LABELS[relation]}自定义随访", "service_type": service_type("medicine_delivery")},
    )
    return row

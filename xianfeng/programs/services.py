"""Writes of enrollments and visits (DESIGN.md §4.1): keyword-only, atomic, scope re-checked
after the write, ChangeLog in the same transaction.

A visit is recorded as a service record (servicelog.services.record_create, which checks the
resident, providers and team against the user's scope and writes the record's ChangeLog) plus
a Visit row; the enrollment's state, next due date and misses are then derived again by its
program's rule (``enrollment_recompute``). Voiding the record (on the service log's pages)
takes the visit out and recomputes too (hooks.py).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.residents.models import Consent, Household, Resident
from xianfeng.servicelog.models import ServiceType
from xianfeng.servicelog.selectors import provider_queryset
from xianfeng.servicelog.services import PROGRAM_RESULT, record_create
from xianfeng.teams.models import Team

from .configuration import program_settings
from .derivation import derive, visit_facts
from .models import CLOSED_STATUSES, OPEN_STATUSES, Enrollment, Status, Visit
from .registry import Program, Subject, get_program

ENROLLMENT_EDITABLE = {"data", "org", "responsible_member", "responsible_team"}


def _snapshot(enrollment: Enrollment) -> dict:
    return snapshot(enrollment, exclude=("village_code", "township_code", "county_code"))


# --- enrolling -------------------------------------------------------------------------------


@transaction.atomic
def enrollment_create(
    *,
    acting_user,
    program: str,
    resident: Resident | None = None,
    household: Household | None = None,
    region: Region | None = None,
    org=None,
    responsible_member: Member | None = None,
    responsible_team: Team | None = None,
    enrolled_on: datetime.date | None = None,
    data: dict | None = None,
) -> Enrollment:
    """Enroll one resident, household or place in ``program`` (a registered code).

    Refused with errors keyed by field: a subject outside the user's scope or not eligible, no
    consent where the program needs it, a second open enrollment in the same program, a date in
    the future or after death, data the program does not accept.
    """
    prog = get_program(program)
    today = timezone.localdate()
    enrolled_on = enrolled_on or today
    if enrolled_on > today:
        raise ValidationError({"enrolled_on": _("纳入日期不能晚于今天")})
    subject = _subject(acting_user, prog, resident, household, region)
    settings = program_settings(prog.code)
    if isinstance(subject, Resident):
        if subject.deceased_on and subject.deceased_on <= enrolled_on:
            raise ValidationError({"resident": _("该居民已于 %(d)s 死亡") % {"d": subject.deceased_on}})
        if subject.birth_date and enrolled_on < subject.birth_date:
            raise ValidationError({"enrolled_on": _("纳入日期早于出生日期")})
    reason = prog.ineligible_reason(subject, enrolled_on, settings)
    if reason:
        raise ValidationError({_subject_field(subject): reason})
    if prog.consent_kind and isinstance(subject, Resident) and not has_consent(subject, prog.consent_kind, enrolled_on):
        label = dict(Consent.Kind.choices).get(prog.consent_kind, prog.consent_kind)
        raise ValidationError(
            {"consent": _("纳入“%(p)s”须先登记本人或监护人的知情同意（%(k)s）") % {"p": prog.name, "k": label}}
        )
    _refuse_second(prog, resident=subject if isinstance(subject, Resident) else None, household=household)
    enrollment = Enrollment(
        program=prog.code,
        resident=subject if isinstance(subject, Resident) else None,
        household=household if household is not None else None,
        region=subject if isinstance(subject, Region) else None,
        enrolled_on=enrolled_on,
        health=prog.health,
        created_by=acting_user,
    )
    _assign(acting_user, enrollment, org=org, member=responsible_member, team=responsible_team)
    if prog.requires_responsible and responsible_member is None and responsible_team is None:
        raise ValidationError({"responsible_member": _("请指定责任人或责任队伍")})
    enrollment.data = prog.clean_enrollment(data, subject=subject, enrolled_on=enrolled_on, settings=settings)
    enrollment.set_place(_place_of(subject))
    derive(enrollment, prog, visits=[], settings=settings)
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:  # a concurrent enrollment of the same person
        raise ValidationError({_subject_field(subject): _("该对象已在“%(p)s”中管理") % {"p": prog.name}}) from None
    ensure_in_scope(acting_user, enrollment, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=enrollment, after=_snapshot(enrollment))
    return enrollment


def _subject(user, prog: Program, resident, household, region):
    given = [
        s for s, v in ((Subject.RESIDENT, resident), (Subject.HOUSEHOLD, household), (Subject.REGION, region)) if v
    ]
    if resident is not None and household is not None and Subject.HOUSEHOLD in prog.subjects:
        given = [Subject.HOUSEHOLD]  # a household enrollment may name the person it is about
    if not given:
        field = prog.subjects[0]
        raise ValidationError({field: _("请选择纳入的对象")})
    kind = given[0]
    if kind not in prog.subjects:
        raise ValidationError({kind: _("“%(p)s”不能纳入这类对象") % {"p": prog.name}})
    if kind == Subject.RESIDENT:
        if not scoped(user, Resident, VIEW).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": _("未找到该居民（或不在您的权限范围内）")})
        if resident.merged_into_id:
            raise ValidationError({"resident": _("该居民记录已合并到另一条记录，请在合并后的记录上登记")})
        return resident
    if kind == Subject.HOUSEHOLD:
        if not scoped(user, Household, VIEW).filter(pk=household.pk).exists():
            raise ValidationError({"household": _("未找到该户（或不在您的权限范围内）")})
        if resident is not None and resident.household_id != household.pk:
            raise ValidationError({"resident": _("该居民不属于所选的户")})
        return household
    if len(region.code) < 9:
        raise ValidationError({"region": _("请选择乡镇（街道）或村（社区）")})
    return region


def _subject_field(subject) -> str:
    if isinstance(subject, Resident):
        return "resident"
    if isinstance(subject, Household):
        return "household"
    return "region"


def _place_of(subject) -> str:
    if isinstance(subject, Region):
        return subject.code
    return subject.village_id or ""


def has_consent(resident: Resident, kind: str, on: datetime.date) -> bool:
    """Whether the resident's latest consent of ``kind`` on or before ``on`` is a yes."""
    latest = Consent.objects.filter(resident=resident, kind=kind, on_date__lte=on).order_by("-on_date", "-id").first()
    return latest is not None and latest.granted


def _refuse_second(prog: Program, *, resident, household) -> None:
    open_ = Enrollment.objects.live().filter(program=prog.code, status__in=OPEN_STATUSES)
    if resident is not None and open_.filter(resident=resident).exists():
        raise ValidationError({"resident": _("该居民已在“%(p)s”中管理，不能重复纳入") % {"p": prog.name}})
    if resident is None and household is not None and open_.filter(household=household, resident=None).exists():
        raise ValidationError({"household": _("该户已在“%(p)s”中管理，不能重复纳入") % {"p": prog.name}})


def _assign(user, enrollment: Enrollment, *, org, member, team) -> None:
    """The responsible organization, member and team, each within the user's scope."""
    if team is not None and not scoped(user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"responsible_team": _("未找到该队伍（或不在您的权限范围内）")})
    # The members a user may name as providers of a service may be made responsible too.
    if member is not None and not provider_queryset(user).filter(pk=member.pk).exists():
        raise ValidationError({"responsible_member": _("未找到该成员（或不在您的权限范围内）")})
    if org is None:
        own = Member.objects.filter(user=user).select_related("branch").first() if user is not None else None
        org = (team.owner_org if team else None) or (member.branch if member else None) or (own.branch if own else None)
    if org is None:
        raise ValidationError({"org": _("请选择责任组织")})
    enrollment.org = org
    enrollment.responsible_member = member
    enrollment.responsible_team = team


@transaction.atomic
def enrollment_update(*, acting_user, enrollment: Enrollment, **changes) -> Enrollment:
    """Change what an enrollment holds or who is responsible; the ChangeLog keeps what it was."""
    unknown = set(changes) - ENROLLMENT_EDITABLE
    if unknown:
        raise TypeError(f"enrollment_update cannot change {sorted(unknown)}")
    enrollment = locked_enrollment(acting_user, enrollment)
    prog = get_program(enrollment.program)
    before = _snapshot(enrollment)
    if {"org", "responsible_member", "responsible_team"} & set(changes):
        _assign(
            acting_user,
            enrollment,
            org=changes.get("org", enrollment.org if "responsible_team" not in changes else None),
            member=changes.get("responsible_member", enrollment.responsible_member),
            team=changes.get("responsible_team", enrollment.responsible_team),
        )
    settings = program_settings(prog.code)
    if "data" in changes:
        subject = enrollment.resident or enrollment.household or enrollment.region
        enrollment.data = prog.clean_enrollment(
            changes["data"], subject=subject, enrolled_on=enrollment.enrolled_on, settings=settings
        )
    derive(enrollment, prog, visits=visit_facts(enrollment), settings=settings)
    enrollment.save()
    ensure_in_scope(acting_user, enrollment, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=enrollment, before=before, after=_snapshot(enrollment)
    )
    return enrollment


def locked_enrollment(user, enrollment: Enrollment) -> Enrollment:
    """The enrollment locked for a write, in the user's change scope and not voided."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    ensure_in_scope(user, enrollment, CHANGE)
    if enrollment.is_voided:
        raise ValidationError(_("该项目登记已作废"))
    return enrollment


@transaction.atomic
def enrollment_end(
    *, acting_user, enrollment: Enrollment, status: str, ended_on: datetime.date | None = None, reason: str = ""
) -> Enrollment:
    """Close an enrollment: moved away, deceased or exited (结案), with the date and reason."""
    if status not in CLOSED_STATUSES:
        raise ValidationError({"status": _("请选择结案方式：已迁出、已死亡或已结案")})
    enrollment = locked_enrollment(acting_user, enrollment)
    if not enrollment.is_open:
        raise ValidationError({"status": _("该项目登记已于 %(d)s 结案") % {"d": enrollment.ended_on}})
    today = timezone.localdate()
    ended_on = ended_on or today
    if ended_on > today:
        raise ValidationError({"ended_on": _("结案日期不能晚于今天")})
    if ended_on < enrollment.enrolled_on:
        raise ValidationError({"ended_on": _("结案日期不能早于纳入日期（%(d)s）") % {"d": enrollment.enrolled_on}})
    last = enrollment.visits.filter(counted=True).order_by("-visited_on").values_list("visited_on", flat=True).first()
    if status == Status.DECEASED and last is not None and last > ended_on:
        raise ValidationError({"ended_on": _("死亡日期早于最近一次随访（%(d)s），请先核对随访记录") % {"d": last}})
    reason = (reason or "").strip()
    if status == Status.EXITED and not reason:
        raise ValidationError({"reason": _("请填写结案原因")})
    before = _snapshot(enrollment)
    enrollment.status = status
    enrollment.ended_on = ended_on
    enrollment.end_reason = reason[:200]
    enrollment.next_due_on = None
    enrollment.save()
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=enrollment,
        before=before,
        after=_snapshot(enrollment),
        note=enrollment.get_status_display(),
    )
    return enrollment


@transaction.atomic
def enrollment_void(*, acting_user, enrollment: Enrollment, reason: str) -> Enrollment:
    """An enrollment made by mistake leaves every count and every worklist (its visits stay
    service records; void those separately if they were wrong too)."""
    from xianfeng.servicelog.voiding import void

    return void(
        acting_user=acting_user,
        obj=enrollment,
        reason=reason,
        snapshot=_snapshot,
        already=_("该项目登记已于 %(t)s 作废"),
        uncount=lambda e: Enrollment.objects.filter(pk=e.pk).update(next_due_on=None),
    )


# --- visits ----------------------------------------------------------------------------------


@transaction.atomic
def enrollment_record_visit(
    *,
    acting_user,
    enrollment: Enrollment,
    kind: str,
    visited_on: datetime.date | None = None,
    data: dict | None = None,
    service_type: str | None = None,
    resident: Resident | None = None,
    providers: list[Member] | None = None,
    hours=None,
    team: Team | None = None,
    note: str = "",
    idempotency_key: str = "",
) -> Visit:
    """Record one visit (a follow-up, a check, a contact) as a service record carrying the
    program's validated data, and derive the enrollment's state and next due date again.

    ``service_type``: a code among the visit kind's service types (default its first);
    ``resident``: for an enrollment of a place, the patient seen (optional).
    """
    enrollment = locked_enrollment(acting_user, enrollment)
    prog = get_program(enrollment.program)
    today = timezone.localdate()
    visited_on = visited_on or today
    visit_kind = prog.visit_kind(kind)
    check_visit_date(enrollment, visited_on, today)
    settings = program_settings(prog.code)
    clean = prog.clean_visit(data, kind=kind, enrollment=enrollment, visited_on=visited_on, settings=settings)
    stype = _visit_type(visit_kind, service_type or prog.default_service_type(enrollment, visit_kind.code))
    clean = prog.clean_visit_type(clean, kind=visit_kind.code, service_type=stype.code)
    subject = _visit_subject(acting_user, enrollment, resident)
    saved = record_create(
        acting_user=acting_user,
        idempotency_key=idempotency_key,
        service_type=stype,
        served_on=visited_on,
        resident=subject.get("resident"),
        household=subject.get("household"),
        providers=providers,
        hours=hours,
        team=team or enrollment.responsible_team,
        note=note,
        **{PROGRAM_RESULT: clean},
    )
    if not saved.created:  # the same key again (a double tap, an outbox retry)
        return Visit.objects.get(record=saved.record)
    visit = Visit.objects.create(
        enrollment=enrollment,
        record=saved.record,
        kind=visit_kind.code,
        visited_on=visited_on,
        reached=prog.visit_reached(kind, clean),
        health=enrollment.health or saved.record.health,
    )
    derive(enrollment, prog, visits=visit_facts(enrollment), settings=settings)
    enrollment.save()
    return visit


def check_visit_date(enrollment: Enrollment, visited_on: datetime.date, today: datetime.date) -> None:
    if visited_on > today:
        raise ValidationError({"visited_on": _("随访日期不能晚于今天")})
    if visited_on < enrollment.enrolled_on:
        raise ValidationError(
            {"visited_on": _("随访日期早于纳入日期（%(d)s）") % {"d": enrollment.enrolled_on.isoformat()}}
        )
    died = enrollment.resident.deceased_on if enrollment.resident_id else None
    if enrollment.status == Status.DECEASED:
        died = min(filter(None, [died, enrollment.ended_on]))
    if died is not None and visited_on > died:
        raise ValidationError({"visited_on": _("该患者已于 %(d)s 死亡，不能登记此后的随访") % {"d": died.isoformat()}})
    if enrollment.status in CLOSED_STATUSES and visited_on > enrollment.ended_on:
        raise ValidationError(
            {
                "visited_on": _("该对象已于 %(d)s %(s)s")
                % {"d": enrollment.ended_on, "s": enrollment.get_status_display()}
            }
        )


def _visit_type(visit_kind, code: str | None) -> ServiceType:
    codes = visit_kind.service_types
    if code and code not in codes:
        raise ValidationError({"service_type": _("“%(k)s”不能登记为这种服务类型") % {"k": visit_kind.label}})
    chosen = code or codes[0]
    stype = ServiceType.objects.filter(code=chosen).first()
    if stype is None:
        raise ValidationError({"service_type": _("服务类型“%(c)s”不存在，请联系管理员") % {"c": chosen}})
    return stype


def _visit_subject(user, enrollment: Enrollment, resident: Resident | None) -> dict:
    if enrollment.resident_id:
        return {"resident": enrollment.resident, "household": None}
    if enrollment.household_id:
        if resident is not None and resident.household_id != enrollment.household_id:
            raise ValidationError({"resident": _("该居民不属于这一户")})
        return {"resident": resident, "household": enrollment.household}
    if resident is not None and not (resident.village_id or "").startswith(enrollment.place_code):
        raise ValidationError({"resident": _("该居民不在帮扶地区内")})
    return {"resident": resident, "household": None}

"""Closing the screening path (DESIGN.md §4.1: keyword-only, atomic, scope re-checked, logged).

A diagnosed person is registered for management: with their (or their guardian's) consent to
follow-up, an "smd" enrollment is created with the diagnosis, and the screening enrollment is
closed (已结案) with the reason "已确诊并纳入管理" — both or neither. An excluded (or negative) one
is closed with its reason. The screening's records stay counted either way.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write
from xianfeng.members.models import Member
from xianfeng.teams.models import Team

from .. import derivation
from .. import services as program_services
from ..models import Enrollment, Status
from . import screening
from .program import CODE as SMD

REGISTERED_REASON = "已确诊并纳入管理"


def _open_screening(acting_user, enrollment: Enrollment) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    ensure_in_scope(acting_user, enrollment, CHANGE)
    if enrollment.program != screening.CODE:
        raise ValidationError({"program": _("这不是疑似严重精神障碍筛查的登记")})
    if not enrollment.is_open:
        raise ValidationError({"status": _("该筛查登记已结案或作废")})
    return enrollment


def _close(acting_user, enrollment: Enrollment, *, outcome: str, reason: str, ended_on, extra: dict) -> None:
    program_services.enrollment_end(
        acting_user=acting_user, enrollment=enrollment, status=Status.EXITED, ended_on=ended_on, reason=reason
    )
    enrollment.refresh_from_db()
    before = {"data": dict(enrollment.data), "state": enrollment.state}
    enrollment.data = {**enrollment.data, "outcome": outcome, **extra}
    enrollment.state = outcome
    enrollment.save(update_fields=["data", "state", "updated_at"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=enrollment,
        before=before,
        after={"data": enrollment.data, "state": enrollment.state},
        note=reason,
    )


@transaction.atomic
def screening_register(
    *,
    acting_user,
    enrollment: Enrollment,
    enrolled_on: datetime.date | None = None,
    guardian: str = "",
    org=None,
    responsible_member: Member | None = None,
    responsible_team: Team | None = None,
) -> Enrollment:
    """Register a diagnosed person (the screening ``enrollment``) for management; returns the
    new "smd" enrollment. Refused naming ``state`` before a diagnosis, ``consent`` without the
    consent to follow-up, ``resident`` when already managed."""
    enrollment = _open_screening(acting_user, enrollment)
    facts = derivation.visit_facts(enrollment)
    diagnosis = screening.latest_diagnosis(facts)
    if enrollment.state != screening.DIAGNOSED or diagnosis is None:
        raise ValidationError({"state": _("尚未确诊，不能纳入管理：请先登记诊断结果")})
    enrolled_on = enrolled_on or timezone.localdate()
    if enrolled_on < diagnosis.on:
        raise ValidationError({"enrolled_on": _("纳入日期不能早于确诊日期（%(d)s）") % {"d": diagnosis.on}})
    data = {"diagnosis": diagnosis.data["diagnosis"], "diagnosed_on": diagnosis.on.isoformat()}
    if diagnosis.data.get("diagnosed_by"):
        data["diagnosed_by"] = diagnosis.data["diagnosed_by"]
    if guardian:
        data["guardian"] = guardian
    managed = program_services.enrollment_create(
        acting_user=acting_user,
        program=SMD,
        resident=enrollment.resident,
        org=org if org is not None else (None if responsible_member or responsible_team else enrollment.org),
        responsible_member=responsible_member or enrollment.responsible_member,
        responsible_team=responsible_team or enrollment.responsible_team,
        enrolled_on=enrolled_on,
        data=data,
    )
    _close(
        acting_user,
        enrollment,
        outcome=screening.REGISTERED,
        reason=REGISTERED_REASON,
        ended_on=enrolled_on,
        extra={"smd_enrollment": managed.pk},
    )
    return managed


@transaction.atomic
def screening_exclude(
    *, acting_user, enrollment: Enrollment, reason: str = "", ended_on: datetime.date | None = None
) -> Enrollment:
    """Close the path of a person excluded by diagnosis (or screened negative); the reason
    defaults to the diagnosis record's. Any other state needs a reason given here."""
    enrollment = _open_screening(acting_user, enrollment)
    if enrollment.state == screening.DIAGNOSED:
        raise ValidationError({"state": _("已确诊的患者应纳入管理；如本人或监护人不同意，请在项目页面结案并注明")})
    reason = (reason or "").strip()
    if not reason:
        diagnosis = screening.latest_diagnosis(derivation.visit_facts(enrollment))
        if enrollment.state == screening.EXCLUDED and diagnosis is not None:
            reason = _("排除诊断：%(r)s") % {"r": diagnosis.data.get("reason", "")}
        elif enrollment.state == screening.NEGATIVE:
            reason = _("筛查阴性")
        else:
            raise ValidationError({"reason": _("请填写结案原因")})
    _close(acting_user, enrollment, outcome=screening.EXCLUDED, reason=reason, ended_on=ended_on, extra={})
    enrollment.refresh_from_db()
    return enrollment

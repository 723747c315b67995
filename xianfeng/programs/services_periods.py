"""Periods of an enrollment in hospital or away (DESIGN.md §4.1): recorded, ended, audited; each
change derives the enrollment's state and next due date again (a patient in hospital is not due)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot

from .derivation import enrollment_recompute
from .models import Enrollment, Period
from .services import locked_enrollment


@transaction.atomic
def period_add(
    *,
    acting_user,
    enrollment: Enrollment,
    kind: str,
    start_on: datetime.date,
    end_on: datetime.date | None = None,
    place: str = "",
    note: str = "",
) -> Period:
    enrollment = locked_enrollment(acting_user, enrollment)
    if start_on > timezone.localdate():
        raise ValidationError({"start_on": _("开始日期不能晚于今天")})
    if start_on < enrollment.enrolled_on:
        raise ValidationError({"start_on": _("开始日期早于纳入日期（%(d)s）") % {"d": enrollment.enrolled_on}})
    if end_on is not None and end_on < start_on:
        raise ValidationError({"end_on": _("结束日期不能早于开始日期")})
    overlapping = enrollment.periods.filter(kind=kind, start_on__lte=end_on or datetime.date.max).exclude(
        end_on__lt=start_on
    )
    if overlapping.exists():
        raise ValidationError({"start_on": _("与已登记的一段时间重叠")})
    period = Period(enrollment=enrollment, kind=kind, start_on=start_on, end_on=end_on, place=place, note=note)
    period.created_by = acting_user
    period.full_clean(exclude=["enrollment", "created_by"])
    period.save()
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=period, after=snapshot(period))
    enrollment_recompute(enrollment)
    return period


@transaction.atomic
def period_end(*, acting_user, period: Period, end_on: datetime.date) -> Period:
    enrollment = locked_enrollment(acting_user, period.enrollment)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if end_on < period.start_on:
        raise ValidationError({"end_on": _("结束日期不能早于开始日期")})
    if end_on > timezone.localdate():
        raise ValidationError({"end_on": _("结束日期不能晚于今天")})
    before = snapshot(period)
    period.end_on = end_on
    period.save(update_fields=["end_on"])
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=period, before=before, after=snapshot(period)
    )
    enrollment_recompute(enrollment)
    return period

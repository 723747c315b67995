"""Service records on the resident's and household's timelines (issue 9 §8).

Records are read through ``scoped(user, ServiceRecord)``: health-level records (follow-ups,
screenings) appear only to users holding the health level, without a check here. Each record
is one event, newest first: the type's name (or "参加活动：<title>" for a record made at an
activity), its quantity, result and providers, a link to the record's page; a voided record
stays on the timeline, struck through and marked 已作废 with its reason.

A household's timeline holds the records of the household itself and those of its members
(that the user may see), each marked with the member's name.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped
from xianfeng.residents.models import Resident
from xianfeng.residents.timeline import TimelineEvent, register_household_timeline_source, register_timeline_source

from . import hooks
from .models import Activity, ServiceRecord, Unit
from .rules import result_display

LIMIT = 200  # the timeline shows the latest events; the record list has them all


def _records(user, subject: Q):
    return (
        scoped(user, ServiceRecord)
        .filter(subject)
        .select_related("service_type", "activity", "resident", "created_by")
        .prefetch_related("providers__member")
        .order_by("-served_on", "-id")[:LIMIT]
    )


def _quantity(record: ServiceRecord) -> str:
    unit = record.service_type.unit
    if unit in (Unit.PERSON_TIME, Unit.HOUSEHOLD) and record.quantity == 1:
        return ""  # one service to the person or household: nothing to add
    return f"{record.quantity.normalize():f} {unit}"


def _events(user, records, *, household=None):
    records = list(records)
    activity_ids = {r.activity_id for r in records if r.activity_id}
    visible = (
        set(scoped(user, Activity).filter(pk__in=activity_ids).values_list("pk", flat=True)) if activity_ids else set()
    )
    results = hooks.results_shown(records, lambda r: result_display(r.service_type.result_fields, r.result))
    for record in records:
        stype = record.service_type
        if record.activity_id in visible:
            title = _("参加活动：%(a)s") % {"a": record.activity.title}
            parts = [stype.name]
        else:
            title, parts = stype.name, []
        if household is not None and record.resident_id:
            title = f"{title} · {record.resident.name}"
        if quantity := _quantity(record):
            parts.append(quantity)
        parts += [f"{label}：{value}" for label, value in results[record.pk]]
        names = "、".join(p.member.name for p in record.providers.all())
        if names:
            parts.append(_("服务人员：%(n)s") % {"n": names})
        if record.is_voided:
            parts.insert(0, _("已作废（%(r)s）") % {"r": record.void_reason} if record.void_reason else _("已作废"))
        yield TimelineEvent(
            at=record.served_on,
            kind="service_voided" if record.is_voided else ("activity" if record.activity_id else "service"),
            title=title,
            detail=" · ".join(parts),
            url=reverse("servicelog:record_detail", args=[record.pk]),
            icon="x-circle" if record.is_voided else ("people" if record.activity_id else "heart-pulse"),
            actor=str(record.created_by or ""),
            struck=record.is_voided,
        )


@register_timeline_source
def service_records(*, user, resident):
    return _events(user, _records(user, Q(resident=resident)))


@register_household_timeline_source
def household_service_records(*, user, household):
    members = scoped(user, Resident).filter(household=household).values("pk")
    return _events(user, _records(user, Q(household=household) | Q(resident__in=members)), household=household)

"""Enrollments on the resident's and household's timelines (issue 10; residents/timeline.py).

One event when the person (or household) was enrolled, with the status, the derived state, the
next due date and how many visits were counted; one more when the enrollment was closed. The
visits themselves are service records, already on the timeline through the service log's
source (with the program's data), so they are not repeated here. Read through
``scoped(user, Enrollment)``: a severe-mental-disorder enrollment appears only to users holding
"programs.health". A voided enrollment stays, struck through.

Registered from ``ProgramsConfig.ready()`` by importing this module.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped
from xianfeng.residents.models import Resident
from xianfeng.residents.timeline import TimelineEvent, register_household_timeline_source, register_timeline_source

from . import registry
from .models import Enrollment

LIMIT = 100


def _enrollments(user, subject: Q):
    return (
        scoped(user, Enrollment)
        .filter(subject)
        .select_related("resident", "created_by")
        .annotate(counted_visits=Count("visits", filter=Q(visits__counted=True)))
        .order_by("-enrolled_on", "-id")[:LIMIT]
    )


def _events(enrollments, *, household=None):
    programs = {p.code: p for p in registry.all_programs()}
    for enrollment in enrollments:
        program = programs.get(enrollment.program)
        name = str(program.name) if program else enrollment.program
        url = reverse("programs:enrollment_detail", args=[enrollment.pk])
        who = f" · {enrollment.resident.name}" if household is not None and enrollment.resident_id else ""
        parts = [str(enrollment.get_status_display())]
        if enrollment.state and program is not None:
            parts.append(str(program.state_label(enrollment.state)))
        if enrollment.next_due_on:
            parts.append(_("下次随访 %(d)s") % {"d": enrollment.next_due_on.isoformat()})
        parts.append(_("已随访 %(n)d 次") % {"n": enrollment.counted_visits})
        if enrollment.is_voided:
            parts.insert(
                0, _("已作废（%(r)s）") % {"r": enrollment.void_reason} if enrollment.void_reason else _("已作废")
            )
        yield TimelineEvent(
            at=enrollment.enrolled_on,
            kind="program",
            title=_("纳入：%(p)s") % {"p": name} + who,
            detail=" · ".join(parts),
            url=url,
            icon="clipboard2-pulse",
            actor=str(enrollment.created_by or ""),
            struck=enrollment.is_voided,
        )
        if enrollment.ended_on and not enrollment.is_voided:
            yield TimelineEvent(
                at=enrollment.ended_on,
                kind="program",
                title=_("%(p)s：%(s)s") % {"p": name, "s": enrollment.get_status_display()} + who,
                detail=enrollment.end_reason,
                url=url,
                icon="box-arrow-right",
            )


@register_timeline_source
def resident_enrollments(*, user, resident):
    return _events(_enrollments(user, Q(resident=resident)))


@register_household_timeline_source
def household_enrollments(*, user, household):
    members = scoped(user, Resident).filter(household=household).values("pk")
    return _events(_enrollments(user, Q(household=household) | Q(resident__in=members)), household=household)

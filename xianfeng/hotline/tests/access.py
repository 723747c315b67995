"""Objects of the hotline areas for the generated access matrix (xianfeng/core/tests/access.py).

Two areas (access_expectations.md 表七): the duty roster (Shift, ShiftAssignment, SwapRequest:
``hotlineroster``, ordinary data of a 热线值守组 owned by the relation's organization) and the
calls with their escalations (Call, Escalation: ``hotline``, health data, like a service record
in the relation's organization and village).

* Roster rows belong to a team, hence to an organization, never to a place: none in IN_REGION.
  A shift has no owner (none in OWN); OWN assignment: the user under test's own duty, and OWN
  swap request: one the user asked for, both in a team of an organization nobody is granted.
* Calls: OWN is a call the user under test logged (``created_by``), placed elsewhere; an
  escalation is reached like its call.
* Every call's note carries HEALTH_MARKERS["hotline"]: no role without 健康 on the hotline may
  read it anywhere, and roster pages (which list the calls logged to a shift) must show such a
  reader the count only (HEALTH_SEEN_IN): the shift maker logs one call to each shift.

Written directly with the models, without services (no roster rules, no scope checks, no
derived service record: ``record`` stays None): the matrix needs objects where no user may put
them.
"""

import datetime
import itertools

from django.utils import timezone

from xianfeng.core.tests.access import HEALTH_MARKERS, HEALTH_SEEN_IN, IN_REGION, LABELS, OWN, object_maker
from xianfeng.hotline.models import Call, Escalation, Outcome, RiskLevel, Shift, ShiftAssignment, SwapRequest, Topic
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

HEALTH_MARKERS["hotline"] = "来电者自述轻生念头"
HEALTH_SEEN_IN["hotlineroster"] = {"hotline"}

_numbers = itertools.count(1)


def _member(world, relation, user, kind: str) -> Member:
    """A member of the relation's organization; OWN: the user under test's own member."""
    if relation == OWN and user is not None:
        own = Member.objects.filter(user=user).first()
        if own is not None:
            return own
    return MemberFactory(
        name=f"{LABELS[relation]}{kind}{next(_numbers)}",
        branch=world.orgs[relation],
        user=user if relation == OWN else None,
    )


def _shift(world, relation, note: str) -> Shift:
    org = world.orgs[relation]
    team = TeamFactory(name=f"{LABELS[relation]}热线值守组{next(_numbers)}", kind=Team.Kind.HOTLINE, owner_org=org)
    return Shift.objects.create(
        team=team,
        date=timezone.localdate() + datetime.timedelta(days=1),
        start_time=datetime.time(8, 0),
        end_time=datetime.time(16, 0),
        seats=2,
        note=note,
    )


def _call(world, relation, user, *, note: str, shift: Shift | None = None, high: bool = False) -> Call:
    org = world.orgs[relation]
    started = timezone.now() - datetime.timedelta(hours=2)
    call = Call(
        org=org,
        served_on=timezone.localdate(started),
        started_at=started,
        duration_minutes=25,
        taken_by=_member(world, relation, user, "接线员"),
        team=shift.team if shift is not None else None,
        shift=shift,
        topic=Topic.DEPRESSION,
        suicidal_ideation=high,
        suicide_plan=high,
        means_access=high,
        risk_level=RiskLevel.HIGH if high else RiskLevel.LOW,
        outcome=Outcome.CRISIS if high else Outcome.ADVICE,
        intervention="倾听、情绪疏导",
        note=f"{note}，{HEALTH_MARKERS['hotline']}",
        created_by=user if relation == OWN else None,
    )
    call.set_place(world.villages[relation])
    call.save()
    return call


# --- the roster (hotlineroster) -------------------------------------------------------------


@object_maker(Shift, marker=lambda shift: shift.note)
def shift(world, relation, user):
    if relation in (IN_REGION, OWN):  # a shift belongs to a team's organization and has no owner
        return None
    row = _shift(world, relation, f"{LABELS[relation]}值班{next(_numbers)}")
    _call(world, relation, None, note=f"{LABELS[relation]}班上来电{next(_numbers)}", shift=row)
    return row


def _assignment(world, relation, user) -> ShiftAssignment:
    row = _shift(world, relation, f"{LABELS[relation]}安排所在班{next(_numbers)}")
    member = _member(world, relation, user, "值守员")
    MembershipFactory(team=row.team, member=member, start_on=datetime.date(2020, 1, 1))
    return ShiftAssignment.objects.create(shift=row, member=member)


@object_maker(ShiftAssignment, marker=lambda assignment: assignment.member.name)
def assignment(world, relation, user):
    # OWN: the user's own duty (its member is the user's), in a team nobody is granted.
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    return _assignment(world, relation, user)


@object_maker(SwapRequest, marker=lambda swap: swap.reason)
def swap_request(world, relation, user):
    # OWN: a request the user asked for (to hand over their own duty), in a team nobody is granted.
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    duty = _assignment(world, relation, user)
    colleague = _member(world, relation, None, "接班人")
    MembershipFactory(team=duty.shift.team, member=colleague, start_on=datetime.date(2020, 1, 1))
    return SwapRequest.objects.create(
        assignment=duty,
        to_member=colleague,
        reason=f"{LABELS[relation]}换班原因{next(_numbers)}",
        requested_by=user if relation == OWN else None,
    )


# --- calls and escalations (hotline, health data) -------------------------------------------


# The call log lists a call by its number, time, topic and who took it: the taker (one member per
# call) marks it; its note (the caller's words, health data) shows on its page.
@object_maker(Call, marker=lambda call: call.taken_by.name)
def call(world, relation, user):
    if relation == OWN and user is None:
        return None
    return _call(world, relation, user, note=f"{LABELS[relation]}来电{next(_numbers)}")


@object_maker(Escalation, marker=lambda escalation: escalation.supervisor.name)
def escalation(world, relation, user):
    # An open crisis follow-up of a high-risk call; OWN: of a call the user logged.
    if relation == OWN and user is None:
        return None
    crisis = _call(world, relation, user, note=f"{LABELS[relation]}危机来电{next(_numbers)}", high=True)
    return Escalation.objects.create(
        call=crisis,
        supervisor=_member(world, relation, None, "督导"),
        raised_at=crisis.started_at,
        due_at=crisis.started_at + datetime.timedelta(minutes=30),
    )

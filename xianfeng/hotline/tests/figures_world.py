"""A small hand-counted hotline world for the figures tests (rows written directly: the calls
helper's services are built in parallel; these tests are about counting).

Period 2025 (all times local, Asia/Shanghai):

    C1 branch_a 2025-03-10 Mon 09:30 phone  sleep   none  VILLAGE_A   (callback phone)
    C2 branch_a 2025-03-10 Mon 22:15 online family  high  no place    E1 closed in time (20 min)
    C3 branch_a 2025-03-12 Wed 09:05 phone  grief   high  no place    E2 closed late (90 min)
    C4 branch_b 2025-03-12 Wed 14:00 phone  grief   high  no place    E3 open, past due
    C7 branch_a 2025-03-14 Fri 16:00 phone  sleep   high  no place    E4 open, due tomorrow
    C5 branch_a 2025-03-11 voided; C6 branch_a 2024-12-31 (another period)
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from xianfeng.hotline.models import Call, Escalation
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.reports.tests.factories import VILLAGE_A, build_reports_base

CALLBACK = "13912345678"


def local(y, m, d, hh, mm):
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


def call(w, org, when, *, channel="phone", topic="sleep", risk="none", place="", voided=False, **extra):
    c = Call(
        org=org,
        served_on=when.date() if not timezone.is_aware(when) else timezone.localtime(when).date(),
        started_at=when,
        duration_minutes=15,
        channel=channel,
        taken_by=w.duty,
        topic=topic,
        risk_level=risk,
        outcome="crisis" if risk == "high" else "advice",
        created_by=w.clerk,
        **extra,
    )
    c.set_place(place)
    if voided:
        c.voided_at, c.voided_by, c.void_reason = timezone.now(), w.clerk, "录错"
    c.save()
    return c


def escalation(c, *, closed_after=None, due_after=30, minutes=None, due_at=None):
    return Escalation.objects.create(
        call=c,
        raised_at=c.started_at,
        due_at=due_at or c.started_at + datetime.timedelta(minutes=due_after),
        closed_at=None if closed_after is None else c.started_at + datetime.timedelta(minutes=closed_after),
        outcome="safe" if closed_after is not None else "",
        minutes_to_handle=minutes,
    )


def build_hotline_world() -> SimpleNamespace:
    w = build_reports_base()
    w.duty = MemberFactory(name="周值守", branch=w.branch_a)
    a, b = w.branch_a, w.branch_b
    w.c1 = call(w, a, local(2025, 3, 10, 9, 30), place=VILLAGE_A, callback_phone=CALLBACK)
    w.c2 = call(w, a, local(2025, 3, 10, 22, 15), channel="online", topic="family", risk="high")
    w.c3 = call(w, a, local(2025, 3, 12, 9, 5), topic="grief", risk="high")
    w.c4 = call(w, b, local(2025, 3, 12, 14, 0), topic="grief", risk="high")
    w.c7 = call(w, a, local(2025, 3, 14, 16, 0), risk="high")
    w.c5 = call(w, a, local(2025, 3, 11, 10, 0), voided=True, risk="high")
    w.c6 = call(w, a, local(2024, 12, 31, 10, 0))
    w.e1 = escalation(w.c2, closed_after=20, minutes=20)
    # minutes_to_handle left empty: the figures fall back to closing time − call start (90).
    w.e2 = escalation(w.c3, closed_after=90)
    w.e3 = escalation(w.c4)
    w.e4 = escalation(w.c7, due_at=timezone.now() + datetime.timedelta(days=1))
    escalation(w.c5, closed_after=5, minutes=5)  # its call is voided: not counted
    return w

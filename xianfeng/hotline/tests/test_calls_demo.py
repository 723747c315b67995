"""The demo call log (xianfeng/demo/seed_hotline_calls.py): a month of calls, four crises (two
closed in time, one late, one open today for the supervisor), idempotent."""

import datetime

from django.utils import timezone

from xianfeng.demo.seed_hotline_calls import seed_hotline_calls
from xianfeng.hotline.models import Call, Escalation, Shift
from xianfeng.servicelog.models import ServiceRecord

from .calls_world import build_calls_world


def test_the_demo_month_of_calls(world):
    cw = build_calls_world(world)
    # A roster two days ago (the whole day) with only 周值守 on it: the off-roster call is 李志愿's.
    two_days_ago = timezone.localdate() - datetime.timedelta(days=2)
    shift = Shift.objects.create(
        team=cw.team, date=two_days_ago, start_time=datetime.time(0), end_time=datetime.time(0)
    )
    shift.assignments.create(member=cw.duty_member)
    seed_hotline_calls(cw.admin, {})
    calls = Call.objects.filter(team=cw.team)
    assert 150 <= calls.count() <= 160
    assert calls.filter(channel="online").exists() and calls.filter(off_roster=True).count() == 1
    assert len(set(calls.values_list("topic", flat=True))) >= 8
    assert len({timezone.localtime(c.started_at).hour for c in calls}) >= 12
    assert calls.filter(started_at__gt=timezone.now() + datetime.timedelta(minutes=5)).count() == 0
    escalations = Escalation.objects.filter(call__team=cw.team)
    closed = [e for e in escalations if not e.is_open]
    assert escalations.count() == 4 and len(closed) == 3
    assert sorted(e.handled_in_time for e in closed) == [False, True, True]
    open_one = escalations.get(closed_at__isnull=True)
    assert open_one.supervisor == cw.doctor_member and open_one.call.served_on == timezone.localdate(
        open_one.call.started_at
    )
    records = ServiceRecord.objects.count()
    seed_hotline_calls(cw.admin, {})  # a second run changes nothing
    assert Call.objects.filter(team=cw.team).count() == calls.count() and ServiceRecord.objects.count() == records
    assert Escalation.objects.count() == 4

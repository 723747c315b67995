"""A quick entry never waits for a dashboard's rollup refresh, and what it writes meanwhile is
not lost (issue 15's soak bench: claiming the dirty partitions at the start of a refresh made
every write of the month wait 1–2 s behind it). PostgreSQL only (conftest.py): it is about row
locks between concurrent connections; SQLite has one writer at a time."""

import datetime
import threading

import pytest
from django.db import connection

from xianfeng.reports import rollups_refresh
from xianfeng.reports.facts import facts_for
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.metrics import metrics_for_reach, raw_metrics
from xianfeng.reports.models import RollupDirty
from xianfeng.reports.reach import reach_of
from xianfeng.reports.rollups_refresh import refresh_dirty

from .factories import DEC31, JAN1, VILLAGE_A, YEAR, build_reports_world, record

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL only: see conftest.py
MARCH = datetime.date(YEAR, 3, 1)


@pytest.fixture
def paused_refresh(monkeypatch):
    """A refresh (in its own thread and connection) that stops after recomputing, before it
    unmarks the partitions, until the test lets it go."""
    recomputed, go_on, errors = threading.Event(), threading.Event(), []
    real_apply = rollups_refresh._apply

    def apply_then_wait(cursor, partitions):
        real_apply(cursor, partitions)
        recomputed.set()
        go_on.wait(60)

    monkeypatch.setattr(rollups_refresh, "_apply", apply_then_wait)

    def run():
        try:
            refresh_dirty()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)

    def start():
        thread.start()
        assert recomputed.wait(60), "the refresh did not reach its recomputation"

    def finish():
        go_on.set()
        thread.join(60)
        assert not thread.is_alive() and errors == []

    yield start, finish
    go_on.set()
    thread.join(60)


def test_a_write_during_a_refresh_commits_at_once_and_stays_counted(settings, paused_refresh):
    settings.REPORTS_ROLLUPS = True
    start, finish = paused_refresh
    w = build_reports_world()
    record(org=w.branch_a, type_code="medicine_delivery", on=datetime.date(YEAR, 3, 15), place=VILLAGE_A)
    assert RollupDirty.objects.filter(month=MARCH).exists()

    start()  # a dashboard's refresh is recomputing March
    with connection.cursor() as cursor:  # a write that had to wait would fail instead of hanging
        cursor.execute("SET statement_timeout = 3000")
    record(org=w.branch_a, type_code="medicine_delivery", on=datetime.date(YEAR, 3, 20), place=VILLAGE_A)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    finish()

    # The refresh did not see the second record, so March stays marked for the next one.
    assert RollupDirty.objects.filter(month=MARCH).exists()
    flt, reach = ReportFilter(start=JAN1, end=DEC31), reach_of(w.leader)
    assert metrics_for_reach(flt, reach) == raw_metrics(facts_for(flt, reach))
    assert not RollupDirty.objects.exists()


def test_a_refresh_with_no_write_meanwhile_unmarks_what_it_recomputed(settings, paused_refresh):
    settings.REPORTS_ROLLUPS = True
    start, finish = paused_refresh
    w = build_reports_world()
    record(org=w.branch_a, type_code="medicine_delivery", on=datetime.date(YEAR, 3, 15), place=VILLAGE_A)
    start()
    finish()
    assert not RollupDirty.objects.exists()
    flt, reach = ReportFilter(start=JAN1, end=DEC31), reach_of(w.leader)
    assert metrics_for_reach(flt, reach) == raw_metrics(facts_for(flt, reach))

"""PostgreSQL only (on SQLite the writes of two connections are serialized by the file lock, so
there is no race to test; the test is not defined there rather than skipped): the same outbox
synced from two tabs at the same moment still makes one record per entry, and both tabs are told
which ones."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from xianfeng.devices.models import SyncedEntry
from xianfeng.programs import registry
from xianfeng.programs.models import Visit
from xianfeng.servicelog.models import ServiceRecord

from .sync_world import CheckIn30, build, client_of, delivery, enroll, entry, results, sync

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

if ON_POSTGRESQL:

    @pytest.fixture
    def w(world):
        registry.register(CheckIn30)
        yield build(world)
        registry.unregister(CheckIn30.code)

    @pytest.mark.django_db(transaction=True)
    def test_two_tabs_syncing_the_same_outbox_at_once_make_one_record_per_entry(w):
        enrollment = enroll(w)
        outbox = [entry("record", delivery(w, note=f"第{i}条"), user=w.volunteer) for i in range(6)]
        ids = [v.pk for v in w.villagers]
        roll_call = {"activity_id": w.activity.pk, "service_type": "health_consult", "resident_ids": ids}
        outbox.insert(3, entry("attendance", roll_call, user=w.volunteer))
        outbox.append(entry("visit", {"enrollment_id": enrollment.pk, "kind": "contact"}, user=w.volunteer))
        tabs = [client_of(w.volunteer), client_of(w.volunteer)]
        start = threading.Barrier(len(tabs))
        answers: dict[int, list] = {}
        errors: list[Exception] = []

        def run(n: int) -> None:
            try:
                start.wait()
                answers[n] = results(sync(tabs[n], outbox))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(n,)) for n in range(len(tabs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for first, second in zip(answers[0], answers[1], strict=True):
            assert sorted([first["status"], second["status"]]) == ["created", "duplicate"], (first, second)
            assert first["objects"] == second["objects"]  # both tabs name the same records
        assert ServiceRecord.objects.exclude(activity=w.activity).filter(program_visit__isnull=True).count() == 6
        assert ServiceRecord.objects.filter(activity=w.activity).count() == 12
        assert Visit.objects.count() == 1
        assert SyncedEntry.objects.count() == len(outbox)

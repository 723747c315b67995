"""Syncing an outbox as the offline app does: each entry saved once whatever the number of syncs,
refusals answered with their reason and audited, the batch applied in order."""

import datetime

import pytest
from django.utils import timezone

from xianfeng.accounts import services as account_services
from xianfeng.accounts.models import Grant
from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices import sync as sync_rules
from xianfeng.devices.models import Device, SyncedEntry
from xianfeng.devices.services import device_register, device_revoke
from xianfeng.servicelog.models import ServiceRecord

from .sync_world import DEVICE, SECRET, build, client_of, delivery, entry, results, sync

TODAY = timezone.localdate()


@pytest.fixture
def w(world):
    return build(world)


def refusals():
    return AccessLog.objects.filter(kind=AccessLog.Kind.SYNC_REFUSED)


# --- once, and only once --------------------------------------------------------------------


def test_an_entry_is_created_once_and_a_second_sync_answers_duplicate(w):
    client = client_of(w.volunteer)
    outbox = [entry("record", delivery(w, note="送降压药"), user=w.volunteer, date_defaulted=True)]
    response = sync(client, outbox, pending=3)
    first = results(response)
    assert first[0]["status"] == "created", first
    record = ServiceRecord.objects.get()
    assert first[0]["objects"] == [{"model": "servicelog.ServiceRecord", "id": record.pk}]
    assert record.served_on == TODAY and record.resident == w.resident and record.created_by == w.volunteer
    assert [p.member for p in record.providers.all()] == [w.member]
    assert record.idempotency_key == outbox[0]["client_id"]
    device = Device.objects.get(pk=w.device.pk)
    assert device.last_sync_at is not None and device.pending_count == 2

    again = results(sync(client, outbox))
    assert again[0]["status"] == "duplicate" and again[0]["objects"] == first[0]["objects"]
    assert "已同步" in again[0]["message"]
    assert ServiceRecord.objects.count() == 1 and SyncedEntry.objects.count() == 1
    receipt = SyncedEntry.objects.get()
    assert (receipt.user, receipt.device, receipt.kind) == (w.volunteer, w.device, "record")
    assert receipt.made == [["servicelog.ServiceRecord", record.pk]]


def test_a_payload_idempotency_key_is_ignored_for_the_entry_client_id(w):
    client = client_of(w.volunteer)
    a = entry("record", delivery(w, idempotency_key="same"), user=w.volunteer)
    b = entry("record", delivery(w, idempotency_key="same"), user=w.volunteer)
    assert [r["status"] for r in results(sync(client, [a, b]))] == ["created", "created"]
    assert set(ServiceRecord.objects.values_list("idempotency_key", flat=True)) == {a["client_id"], b["client_id"]}


def test_a_sync_racing_the_first_gets_the_first_ones_records(w, monkeypatch):
    """The second request checked for a receipt before the first one's was committed: its own
    write then meets the first one's record and receipt, and it answers with those."""
    client = client_of(w.volunteer)
    outbox = [entry("record", delivery(w), user=w.volunteer)]
    first = results(sync(client, outbox))[0]
    looked = []

    def not_yet(user, client_id):
        looked.append(client_id)
        return None if len(looked) == 1 else SyncedEntry.objects.filter(user=user, client_id=client_id).first()

    monkeypatch.setattr(sync_rules, "_receipt", not_yet)
    second = results(sync(client, outbox))[0]
    assert len(looked) == 2  # the receipt was looked up again after the conflict
    assert second["status"] == "duplicate" and second["objects"] == first["objects"]
    assert ServiceRecord.objects.count() == 1 and SyncedEntry.objects.count() == 1


def test_a_used_client_id_for_another_kind_is_refused_not_dropped(w):
    client = client_of(w.volunteer)
    first = entry("record", delivery(w), user=w.volunteer)
    results(sync(client, [first]))
    other = entry(
        "need", {"title": "想办低保", "category": "documents"}, user=w.volunteer, client_id=first["client_id"]
    )
    answer = results(sync(client, [other]))[0]
    assert answer["status"] == "refused" and "另一条记录" in answer["message"]


# --- order, and refusals that do not stop the rest -------------------------------------------


def test_one_refusal_in_the_middle_does_not_stop_the_others_and_order_is_kept(w):
    client = client_of(w.volunteer)
    outbox = [
        entry("record", delivery(w, note="第一条"), user=w.volunteer),
        entry("record", delivery(w, resident_id=w.stranger.pk), user=w.volunteer),
        entry("record", delivery(w, note="第三条"), user=w.volunteer),
        entry("meeting", {"title": "?"}, user=w.volunteer),
        entry("record", delivery(w, note="第五条"), user=w.volunteer),
    ]
    answers = results(sync(client, outbox, pending=5))
    assert [a["client_id"] for a in answers] == [e["client_id"] for e in outbox]
    assert [a["status"] for a in answers] == ["created", "refused", "created", "refused", "created"]
    assert "请更新离线应用" in answers[3]["message"]
    notes = list(ServiceRecord.objects.order_by("pk").values_list("note", flat=True))
    assert notes == ["第一条", "第三条", "第五条"]
    assert Device.objects.get(pk=w.device.pk).pending_count == 2  # the two refused stay on the phone
    assert refusals().count() == 2


def test_a_forged_resident_out_of_scope_is_refused_nothing_saved_and_audited(w):
    client = client_of(w.volunteer)
    forged = entry("record", delivery(w, resident_id=w.stranger.pk, note="外镇"), user=w.volunteer)
    answer = results(sync(client, [forged]))[0]
    assert answer["status"] == "refused" and answer["objects"] == []
    assert answer["errors"] == {"resident_id": ["未找到该居民（或不在您的权限范围内）"]}
    assert answer["message"] == "居民：未找到该居民（或不在您的权限范围内）"
    assert not ServiceRecord.objects.exists() and not SyncedEntry.objects.exists()
    log = refusals().get()
    assert (log.user, log.model, log.object_id) == (w.volunteer, "servicelog.ServiceRecord", forged["client_id"])
    assert log.fields == f"device:{DEVICE}" and log.reason == answer["message"]
    assert log.org_path == w.world.branch_a.path
    assert "外镇人" not in log.object_repr and "medicine_delivery" in log.object_repr
    # Existence is not revealed: an id that exists nowhere reads the same.
    ghost = entry("record", delivery(w, resident_id=w.stranger.pk + 10_000), user=w.volunteer)
    assert results(sync(client, [ghost]))[0]["errors"] == answer["errors"]


def test_an_entry_of_another_user_is_refused_without_naming_them(w):
    other = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, w.world.branch_a, username="zhangsan", display_name="张三")
    client = client_of(w.volunteer)
    tampered = entry("record", delivery(w), user=other)
    answer = results(sync(client, [tampered]))[0]
    assert answer["status"] == "refused"
    assert answer["message"].startswith("此记录由另一用户") and "不能以您的身份同步" in answer["message"]
    assert "张三" not in answer["message"] and "zhangsan" not in answer["message"]
    assert not ServiceRecord.objects.exists()
    assert refusals().get().object_id == tampered["client_id"]


def test_a_grant_withdrawn_while_offline_refuses_the_entry_which_stays_on_the_phone(w):
    client = client_of(w.volunteer)
    grant = Grant.objects.get(user=w.volunteer)
    account_services.grant_revoke(acting_user=w.world.admin, grant=grant)
    account_services.grant_create(
        acting_user=w.world.admin, user=w.volunteer, role=Role.LEADER, scope=Scope.ORG_ONLY, org=w.world.branch_a
    )
    outbox = [entry("record", delivery(w), user=w.volunteer)]
    answer = results(sync(client, outbox))[0]
    assert answer["status"] == "refused"
    assert answer["message"] == "您已没有登记此类记录的权限（授权可能已撤销）"
    assert not ServiceRecord.objects.exists() and refusals().count() == 1
    assert Device.objects.get(pk=w.device.pk).pending_count == 1


# --- the device ------------------------------------------------------------------------------


def test_a_revoked_device_is_told_to_wipe_and_nothing_is_saved(w):
    device_revoke(acting_user=w.world.admin, device=w.device, reason="手机丢失")
    response = sync(client_of(w.volunteer), [entry("record", delivery(w), user=w.volunteer)])
    assert response.status_code == 410
    assert response.json() == {
        "detail": "此设备已被管理员撤销，本机离线数据已清除",
        "errors": {},
        "wipe": True,
        "state": "revoked",
    }
    assert not ServiceRecord.objects.exists() and not SyncedEntry.objects.exists()


def test_an_unknown_device_or_another_users_device_is_422(w):
    other = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, w.world.branch_a, username="other")
    device_register(acting_user=other, client_id="phone-2", secret=SECRET)
    client = client_of(w.volunteer)
    for name in ("phone-9", "phone-2"):
        response = sync(client, [entry("record", delivery(w), user=w.volunteer)], device=name)
        assert response.status_code == 422 and "device" in response.json()["errors"]
    assert not ServiceRecord.objects.exists()


def test_signed_out_is_401(w):
    from django.test import Client

    response = sync(Client(), [entry("record", delivery(w), user=w.volunteer)])
    assert response.status_code == 401


def test_a_device_silent_beyond_the_offline_limit_is_told_to_wipe(w, settings):
    Device.objects.filter(pk=w.device.pk).update(
        last_contact_at=timezone.now() - datetime.timedelta(days=settings.OFFLINE_MAX_DAYS + 1)
    )
    response = sync(client_of(w.volunteer), [entry("record", delivery(w), user=w.volunteer)])
    assert response.status_code == 410
    assert response.json()["state"] == "lapsed" and response.json()["wipe"] is True
    assert not ServiceRecord.objects.exists()


def test_a_health_type_is_refused_to_a_volunteer_in_the_services_words(w):
    outbox = [entry("record", delivery(w, service_type="followup_home"), user=w.volunteer)]
    answer = results(sync(client_of(w.volunteer), outbox))[0]
    assert answer["status"] == "refused" and list(answer["errors"]) == ["service_type"]
    assert "没有登记健康类服务" in answer["message"]
    assert not ServiceRecord.objects.exists()

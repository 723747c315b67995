"""The offline app's device API as a phone uses it (contract A.1–A.3, A.5): register and receive the
data key, ask without a session whether to wipe, confirm the wipe, fetch the snapshot; and the
device list and revocation for whoever manages devices."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices import services
from xianfeng.devices.models import Device

from . import device_world as dw


@pytest.fixture
def w(world):
    return dw.build(world)


def _revoke(w, device, reason="手机丢失"):
    return services.device_revoke(acting_user=w.admin, device=device, reason=reason)


def test_register_gives_the_key_to_the_devices_own_user_and_the_same_key_again(w):
    client = dw.client_of(w.volunteer)
    first = dw.register(client)
    assert first.status_code == 201
    body = first.json()
    assert body["client_id"] == "phone-1" and body["max_offline_days"] == settings.OFFLINE_MAX_DAYS
    assert body["user"] == {"id": w.volunteer.pk, "username": "vol", "name": "王志愿"}
    assert len(__import__("base64").b64decode(body["key"])) == 32
    again = dw.register(client)
    assert again.status_code == 200 and again.json()["key"] == body["key"]
    # Another user naming the same device id (and even the same secret) gets a device and a key of
    # their own, never the first user's key.
    other = dw.register(dw.client_of(w.doctor))
    assert other.status_code == 201 and other.json()["key"] != body["key"]
    assert Device.objects.filter(client_id="phone-1").count() == 2
    device = Device.objects.get(user=w.volunteer)
    assert device.label == "我的手机" and "Android" in device.user_agent and device.last_contact_at is not None


def test_a_wrong_secret_for_a_registered_device_is_422_and_releases_no_key(w):
    client = dw.client_of(w.volunteer)
    dw.register(client)
    response = dw.register(client, secret="x" * 43)
    assert response.status_code == 422
    assert "secret" in response.json()["errors"] and "key" not in response.json()


@pytest.mark.parametrize(
    ("client_id", "secret", "field"),
    [("", dw.SECRET, "client_id"), ("p" * 65, dw.SECRET, "client_id"), ("phone-1", "short", "secret")],
)
def test_bad_ids_are_422_naming_the_field(w, client_id, secret, field):
    response = dw.register(dw.client_of(w.volunteer), client_id=client_id, secret=secret)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Device.objects.exists()


def test_register_needs_a_session_and_a_role_that_uses_the_offline_app(w):
    assert dw.register(Client()).status_code == 401
    # The leader (领导, read only) and the auditor record nothing in the field.
    leader = dw.client_of(w.world.reader)
    assert dw.register(leader).status_code == 403
    assert not Device.objects.exists()


def test_a_revoked_device_is_told_to_wipe_on_register_snapshot_and_status(w):
    client = dw.client_of(w.volunteer)
    dw.register(client)
    _revoke(w, Device.objects.get(user=w.volunteer))
    for response in (dw.register(client), dw.snapshot(client)):
        assert response.status_code == 410
        body = response.json()
        assert body["wipe"] is True and body["state"] == "revoked" and "撤销" in body["detail"]
        assert "key" not in body and "residents" not in body
    status = dw.status(pending=3)
    assert status.status_code == 200
    assert status.json()["state"] == "revoked" and status.json()["wipe"] is True
    assert "撤销" in status.json()["message"]


def test_status_works_without_a_session_and_reveals_nothing_for_an_unknown_id_or_wrong_secret(w):
    dw.register(dw.client_of(w.volunteer))
    ok = dw.status(pending=4)
    assert ok.status_code == 200
    assert ok.json()["state"] == "active" and ok.json()["wipe"] is False and ok.json()["message"] == ""
    assert Device.objects.get().pending_count == 4  # what the device reports, shown on the device list
    _revoke(w, Device.objects.get())
    for answer in (dw.status(client_id="phone-2"), dw.status(secret="y" * 43), dw.status(client_id="", secret="")):
        assert answer.status_code == 200
        assert answer.json()["state"] == "unknown" and answer.json()["wipe"] is False
        assert answer.json()["message"] == ""


def test_a_device_silent_for_more_than_the_allowed_days_has_lapsed(w):
    client = dw.client_of(w.volunteer)
    dw.register(client)
    days = settings.OFFLINE_MAX_DAYS
    Device.objects.update(last_contact_at=timezone.now() - datetime.timedelta(days=days, hours=1))
    lapsed = dw.status().json()
    assert (lapsed["state"], lapsed["wipe"]) == ("lapsed", True) and "未联网" in lapsed["message"]
    again = dw.register(client)
    assert again.status_code == 410 and again.json()["state"] == "lapsed"
    assert dw.snapshot(client).json()["state"] == "lapsed"
    # One day short of the limit it is still active.
    Device.objects.update(last_contact_at=timezone.now() - datetime.timedelta(days=days - 1))
    assert dw.status().json()["state"] == "active"


def test_a_deactivated_user_s_device_is_told_to_wipe(w):
    dw.register(dw.client_of(w.volunteer))
    w.volunteer.is_active = False
    w.volunteer.save(update_fields=["is_active"])
    body = dw.status().json()
    assert body["state"] == "user_inactive" and body["wipe"] is True and "停用" in body["message"]


def test_the_wipe_receipt_is_recorded_without_a_session(w):
    dw.register(dw.client_of(w.volunteer))
    _revoke(w, Device.objects.get())
    body = {"client_id": "phone-1", "secret": dw.SECRET}
    assert Client().post(dw.WIPED, body, content_type="application/json").status_code == 204
    assert Device.objects.get().wiped_at is not None
    unknown = {"client_id": "phone-1", "secret": "z" * 43}
    assert Client().post(dw.WIPED, unknown, content_type="application/json").status_code == 204


def test_the_snapshot_needs_a_registered_device_and_touches_it(w):
    client = dw.client_of(w.volunteer)
    assert dw.snapshot(client).status_code == 422  # no such device yet: register first
    assert client.get(dw.SNAPSHOT).status_code == 422  # no device header at all
    dw.register(client)
    Device.objects.update(last_contact_at=timezone.now() - datetime.timedelta(days=2))
    response = dw.snapshot(client)
    assert response.status_code == 200 and response.json()["user"]["id"] == w.volunteer.pk
    assert Device.objects.get().last_contact_at > timezone.now() - datetime.timedelta(minutes=1)
    # Another user's session cannot read with this device's id: it is not their device.
    assert dw.snapshot(dw.client_of(w.doctor)).status_code == 422


def test_the_device_list_is_scoped_and_searchable(w):
    dw.register(dw.client_of(w.volunteer), label="王的手机")
    dw.register(dw.client_of(w.doctor), label="赵的平板")
    outsider = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, w.world.branch_b, username="far")
    dw.register(dw.client_of(outsider), label="外科的手机")

    def labels(user, query=""):
        response = dw.client_of(user).get(dw.DEVICES + query)
        assert response.status_code == 200
        return sorted(d["label"] for d in response.json()["items"])

    assert labels(w.admin) == ["外科的手机", "王的手机", "赵的平板"]
    assert labels(w.world.owner) == ["王的手机", "赵的平板"]  # 党办 over branch_a's subtree
    assert labels(w.volunteer) == ["王的手机"]  # everyone else: their own only
    assert labels(w.admin, "?q=赵") == ["赵的平板"]
    assert labels(w.admin, "?q=far") == ["外科的手机"]
    assert dw.client_of(w.world.reader).get(dw.DEVICES).status_code == 403  # the leader: no devices


def test_revoking_over_the_api_needs_a_reason_and_the_device_in_reach(w):
    dw.register(dw.client_of(w.volunteer))
    device = Device.objects.get()
    url = f"{dw.DEVICES}{device.pk}/revoke/"
    doctor = dw.client_of(w.doctor)
    assert doctor.post(url, {"reason": "丢失"}, content_type="application/json").status_code == 404
    clerk = dw.client_of(w.world.owner)
    assert clerk.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    response = clerk.post(url, {"reason": "手机丢失"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    log = AccessLog.objects.get(kind=AccessLog.Kind.DEVICE_REVOKE)
    assert (log.user, log.object_id, log.reason) == (w.world.owner, str(device.pk), "手机丢失")
    assert clerk.post(url, {"reason": "再撤一次"}, content_type="application/json").status_code == 422

"""The device services (services.py): one key per device of one user, a status check by the secret
alone, revocation with a reason in the access log and the change log, lapse after the allowed
days without contact."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from xianfeng.audit.models import AccessLog, ChangeLog
from xianfeng.devices import services
from xianfeng.devices.models import Device

from . import device_world as dw


@pytest.fixture
def w(world):
    return dw.build(world)


def _register(user, client_id="phone-1", secret=dw.SECRET):
    return services.device_register(acting_user=user, client_id=client_id, secret=secret, label="手机")


def test_register_makes_one_key_per_device_and_finds_it_again(w):
    first = _register(w.volunteer)
    assert first.created and len(first.data_key) == 44  # base64 of 32 bytes
    again = _register(w.volunteer)
    assert not again.created and again.device.pk == first.device.pk and again.data_key == first.data_key
    assert _register(w.volunteer, client_id="phone-2").data_key != first.data_key
    # The key is stored encrypted and the secret only as its hash.
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_key, secret_hash FROM devices_device WHERE id = %s", [first.device.pk])
        stored_key, stored_hash = cursor.fetchone()
    assert first.data_key not in stored_key and dw.SECRET not in stored_hash
    assert (
        ChangeLog.objects.filter(
            action=ChangeLog.Action.CREATE, model="devices.Device", object_id=str(first.device.pk)
        ).count()
        == 1
    )


def test_register_refuses_another_secret_and_bad_ids(w):
    _register(w.volunteer)
    with pytest.raises(ValidationError) as exc:
        _register(w.volunteer, secret="q" * 40)
    assert "secret" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _register(w.volunteer, client_id="  ", secret="short")
    assert set(exc.value.message_dict) == {"client_id", "secret"}


def test_device_of_finds_only_the_user_s_own_active_device(w):
    device = _register(w.volunteer).device
    assert services.device_of(w.volunteer, "phone-1") == device
    with pytest.raises(ValidationError):
        services.device_of(w.doctor, "phone-1")
    services.device_revoke(acting_user=w.admin, device=device, reason="手机丢失")
    with pytest.raises(services.DeviceGone) as gone:
        services.device_of(w.volunteer, "phone-1")
    assert gone.value.state == "revoked"


def test_lapse_is_counted_from_the_last_contact(w):
    device = _register(w.volunteer).device
    now = timezone.now()
    limit = datetime.timedelta(days=settings.OFFLINE_MAX_DAYS)
    assert not services.lapsed(device, now + limit - datetime.timedelta(minutes=1))
    assert services.lapsed(device, now + limit + datetime.timedelta(minutes=1))
    assert services.gone_state(device, now + limit + datetime.timedelta(minutes=1)) == "lapsed"
    services.device_touch(device=device, ip="10.0.0.8", pending=7, synced=True)
    device.refresh_from_db()
    assert (device.last_ip, device.pending_count) == ("10.0.0.8", 7) and device.last_sync_at is not None


def test_status_answers_by_the_secret_alone(w):
    device = _register(w.volunteer).device
    assert services.device_status(client_id="phone-1", secret=dw.SECRET, pending=2) == ("active", device)
    assert services.device_status(client_id="phone-1", secret="wrong" * 8) == ("unknown", None)
    assert services.device_status(client_id="nobody", secret=dw.SECRET) == ("unknown", None)
    device.refresh_from_db()
    assert device.pending_count == 2


def test_revoke_needs_a_reason_and_is_logged(w):
    device = _register(w.volunteer).device
    with pytest.raises(ValidationError) as exc:
        services.device_revoke(acting_user=w.admin, device=device, reason="  ")
    assert "reason" in exc.value.message_dict
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.DEVICE_REVOKE).exists()
    services.device_revoke(acting_user=w.world.owner, device=device, reason="手机丢失")
    device.refresh_from_db()
    assert (device.state, device.revoked_by, device.revoke_reason) == ("revoked", w.world.owner, "手机丢失")
    log = AccessLog.objects.get(kind=AccessLog.Kind.DEVICE_REVOKE)
    assert (log.user, log.model, log.object_id, log.reason) == (
        w.world.owner,
        "devices.Device",
        str(device.pk),
        "手机丢失",
    )
    assert ChangeLog.objects.filter(
        action=ChangeLog.Action.UPDATE, model="devices.Device", object_id=str(device.pk)
    ).exists()
    with pytest.raises(ValidationError):  # once is enough
        services.device_revoke(acting_user=w.admin, device=device, reason="再次")


def test_revoke_out_of_reach_is_refused_and_changes_nothing(w):
    device = _register(w.volunteer).device
    with pytest.raises(PermissionDenied):
        services.device_revoke(acting_user=w.world.outsider, device=device, reason="不是我的")
    with pytest.raises(PermissionDenied):  # a colleague of the same branch: own devices only
        services.device_revoke(acting_user=w.doctor, device=device, reason="不是我的")
    device.refresh_from_db()
    assert device.state == "active" and not AccessLog.objects.exists()
    # Everyone may revoke their own lost device.
    services.device_revoke(acting_user=w.volunteer, device=device, reason="手机丢失")


def test_the_wipe_is_recorded_once(w):
    device = _register(w.volunteer).device
    services.device_confirm_wipe(device=device)
    first = Device.objects.get(pk=device.pk).wiped_at
    services.device_confirm_wipe(device=Device.objects.get(pk=device.pk))
    assert first is not None and Device.objects.get(pk=device.pk).wiped_at == first


def test_a_user_cannot_fill_the_table_with_made_up_devices(w):
    for n in range(services.MAX_DEVICES_IN_USE):
        _register(w.volunteer, client_id=f"phone-{n}")
    with pytest.raises(ValidationError) as exc:
        _register(w.volunteer, client_id="one-too-many")
    assert "撤销不再使用的设备" in exc.value.message_dict["client_id"][0]
    assert not Device.objects.filter(client_id="one-too-many").exists()
    # A device already registered still finds its key; a revoked or lapsed one frees a place.
    assert _register(w.volunteer, client_id="phone-0").data_key
    services.device_revoke(acting_user=w.admin, device=Device.objects.get(client_id="phone-1"), reason="丢失")
    Device.objects.filter(client_id="phone-2").update(
        last_contact_at=timezone.now() - datetime.timedelta(days=settings.OFFLINE_MAX_DAYS + 1)
    )
    _register(w.volunteer, client_id="new-phone-a")
    _register(w.volunteer, client_id="new-phone-b")
    with pytest.raises(ValidationError):
        _register(w.volunteer, client_id="new-phone-c")

"""Objects of the devices area for the generated access matrix (xianfeng/core/tests/access.py).

A device belongs to its user and, for 党办, to the organization that user was in when the device
registered (its org_path). The relation's device is that of a user of the relation's
organization; OWN is the user under test's own device, registered while in an organization
nobody is granted (表三: the owner always reaches it). Devices lie in no region: none in
IN_REGION. A synced entry (what a device delivered) belongs to its device and user alike.

Written directly with the models (no registration through a session): the matrix needs devices
where no user may put them.
"""

import itertools

from django.utils import timezone

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.core.tests.factories import UserFactory
from xianfeng.devices.models import Device, SyncedEntry
from xianfeng.devices.services import secret_hash

_numbers = itertools.count(1)


def _device(world, relation, user, kind: str) -> Device | None:
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    n = next(_numbers)
    org = world.orgs[relation]
    if relation != OWN:
        user = UserFactory(
            org=org, username=f"matrix-device-{relation}-{n}", display_name=f"{LABELS[relation]}设备用户{n}"
        )
    return Device.objects.create(
        user=user,
        client_id=f"matrix-{relation}-{n}",
        label=f"{LABELS[relation]}{kind}{n}",
        org_path=org.path,
        data_key="bWF0cml4LWtleS1ub3QtcmVhbC0wMDAwMDAwMDAwMDA=",
        secret_hash=secret_hash(f"matrix-secret-{n}"),
        last_contact_at=timezone.now(),
    )


@object_maker(Device, marker=lambda device: device.label)
def device(world, relation, user):
    return _device(world, relation, user, "手机")


@object_maker(SyncedEntry, marker=lambda entry: entry.client_id)
def synced_entry(world, relation, user):
    phone = _device(world, relation, user, "同步手机")
    if phone is None:
        return None
    return SyncedEntry.objects.create(
        device=phone,
        user=phone.user,
        client_id=f"{LABELS[relation]}离线记录{next(_numbers)}",
        kind="record",
        made_at=timezone.now(),
        org_path=phone.org_path,
    )

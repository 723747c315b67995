"""The demo's offline devices (xianfeng/demo/seed_devices.py) tell the story the device list shows."""

from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.demo.seed_devices import seed_devices
from xianfeng.devices.models import Device
from xianfeng.devices.selectors import standing

from . import device_world as dw


def test_the_demo_devices(world):
    dangyuan = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="dangyuan", display_name="张志愿")
    user_with_grant(Role.DOCTOR, Scope.REGION, None, region_prefixes="210681101", username="jingfang")
    assert seed_devices(world.admin) == 3
    assert seed_devices(world.admin) == 0  # idempotent
    new, old = Device.objects.filter(user=dangyuan).order_by("-registered_at")
    assert (standing(new).code, new.pending_count, standing(new).silent_days) == ("active", 0, 0)
    assert (old.state, old.revoke_reason, old.revoked_by, old.wiped_at) == ("revoked", "手机丢失", world.admin, None)
    log = AccessLog.objects.get(kind=AccessLog.Kind.DEVICE_REVOKE)
    assert (log.user, log.object_id, log.reason) == (world.admin, str(old.pk), "手机丢失")
    tablet = Device.objects.get(user__username="jingfang")
    assert (standing(tablet).code, standing(tablet).stale, tablet.pending_count) == ("active", True, 3)
    page = dw.client_of(world.admin).get(reverse("devices:list")).content.decode()
    assert "5 天未联系" in page and "张志愿的手机" in page and "赵医生的平板" in page

"""Demo offline devices (issue 14): the volunteer 张志愿 (dangyuan) uses the offline field app on a
new phone that synced two hours ago, after the phone before it was lost and revoked by the
administrator a week ago ("手机丢失", with its access-log row); the doctor 赵医生 (jingfang) has
been in the mountains for five days with three records waiting on her tablet — the device list
flags her in amber.

Registered and revoked through the services the app and the pages use; then the devices' own
contact times are set back to tell that story (the audit rows keep the time they were written:
an append-only log is never backdated). Idempotent: once dangyuan has a device, nothing is added.
"""

import datetime
import hashlib

from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.devices import services
from xianfeng.devices.models import Device

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1"
)
# (username, client id, label, browser, registered days ago, last contact hours ago, pending, revoked days ago)
DEVICES = [
    ("dangyuan", "demo-dangyuan-old-phone", "张志愿的旧手机", ANDROID, 60, 8 * 24, 0, 7),
    ("dangyuan", "demo-dangyuan-phone", "张志愿的手机", ANDROID, 7, 2, 0, None),
    ("jingfang", "demo-jingfang-tablet", "赵医生的平板", IPAD, 30, 5 * 24, 3, None),
]
LOST = "手机丢失"


def _secret(client_id: str) -> str:
    # Demo devices have no phone behind them: a fixed secret per id keeps the seed idempotent.
    return hashlib.sha256(f"xianfeng-demo-device:{client_id}".encode()).hexdigest()


def seed_devices(admin: User, orgs=None) -> int:
    """The demo devices; returns how many were added."""
    users = {u.username: u for u in User.objects.filter(username__in={d[0] for d in DEVICES})}
    if "dangyuan" not in users or Device.objects.filter(user=users["dangyuan"]).exists():
        return 0
    now = timezone.now()
    added = 0
    for username, client_id, label, browser, registered, contact_hours, pending, revoked in DEVICES:
        user = users.get(username)
        if user is None:
            continue
        device = services.device_register(
            acting_user=user, client_id=client_id, secret=_secret(client_id), label=label, user_agent=browser
        ).device
        if revoked is not None:
            services.device_revoke(acting_user=admin, device=device, reason=LOST)
        Device.objects.filter(pk=device.pk).update(
            registered_at=now - datetime.timedelta(days=registered),
            last_contact_at=now - datetime.timedelta(hours=contact_hours),
            last_sync_at=now - datetime.timedelta(hours=contact_hours),
            pending_count=pending,
            # The lost phone has not been online since: it will wipe on its next contact.
            revoked_at=now - datetime.timedelta(days=revoked) if revoked is not None else None,
        )
        added += 1
    return added

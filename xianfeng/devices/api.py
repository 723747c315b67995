"""The offline app's API under /api/offline/: devices (api_devices.py: register, status, snapshot,
list, revoke) and the sync of outboxes (api_sync.py)."""

from ninja import Router

from . import api_devices, api_sync

router = Router(tags=["离线设备"])
router.add_router("", api_devices.router)
router.add_router("", api_sync.router)

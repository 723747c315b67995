"""The answer every offline-app operation gives when the device must wipe its data (contract A):
410 with ``{"detail", "errors": {}, "wipe": true, "state"}``. Shared by api_devices.py (register,
snapshot) and api_sync.py (sync), so the phone reads one shape wherever it learns it is gone.

Also the device header every signed-in request of the offline app carries, as one type, so each
operation documents it in the OpenAPI schema and bounds its size the same way.
"""

from typing import Literal

from django.http import JsonResponse
from ninja import Header, Schema

from .services import DeviceGone

DEVICE_HEADER = "X-Xianfeng-Device"
GONE = 410


def device_header():
    """The device header as an operation parameter, documented and bounded (1–64 characters, else
    422): ``def op(request, ..., device: str = device_header())``."""
    return Header(
        ..., alias=DEVICE_HEADER, min_length=1, max_length=64, description="本机设备编号（离线应用登记时生成）"
    )


class GoneOut(Schema):
    """The device was revoked, lapsed or its user deactivated: the phone wipes its data."""

    detail: str
    errors: dict[str, list[str]]
    wipe: Literal[True]
    state: Literal["revoked", "lapsed", "user_inactive"]


def gone_body(exc: DeviceGone) -> dict:
    return {"detail": str(exc), "errors": {}, "wipe": True, "state": exc.state}


def gone_response(request, exc: DeviceGone) -> JsonResponse:
    """410 with the wipe instruction (``request`` kept for symmetry with ninja's handlers)."""
    return JsonResponse(gone_body(exc), status=GONE)

"""The offline app's devices over the API (contract A.1–A.3, A.5): register a device and receive
its data key, ask without a session whether it must wipe, confirm the wipe, fetch the snapshot,
and, for whoever manages devices, list them and revoke one.

A device belongs to one user: register and snapshot find it by (session user, device id), so a
key is only ever released to its own user's session. A device that must wipe (revoked, silent
for more than OFFLINE_MAX_DAYS, its user deactivated) gets 410 with ``wipe: true`` everywhere
(api_gone.py, shared with the sync).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404
from xianfeng.api.types import Id, Pagination
from xianfeng.core.middleware import client_ip

from . import selectors, services
from .api_devices_schemas import (
    DeviceFilters,
    DeviceOut,
    RegisterIn,
    RegisterOut,
    RevokeIn,
    SnapshotOut,
    StatusIn,
    StatusOut,
    WipedIn,
)
from .api_gone import GONE, GoneOut, device_header, gone_response
from .models import Device
from .services import DeviceGone
from .snapshot import build_snapshot

router = Router()


def _user_ref(user) -> dict:
    return {"id": user.pk, "username": user.username, "name": str(user)}


def _now() -> str:
    return timezone.localtime().isoformat()


@router.post(
    "/devices/register/",
    response={200: RegisterOut, 201: RegisterOut, GONE: GoneOut},
    summary="登记本机（离线应用）",
    description=(
        "离线应用在登录状态下登记本机：client_id 由本机生成，secret 为本机保存的 32–200 位随机串（服务器只存散列）。"
        "返回本机数据密钥 key（AES-GCM，base64）：只发给本设备用户自己的登录会话；"
        "同一用户、同一设备、同一密钥再次登记时返回同一把密钥（201 为新登记，200 为已登记）。密钥不符 422；"
        "设备已撤销、超期未联系或账号停用时 410（wipe: true，本机须清除离线数据）。"
    ),
)
def register_device(request, payload: RegisterIn):
    user = request.user
    if not can(user, CHANGE, Device):
        raise PermissionDenied(_("您没有使用离线外勤的权限"))
    try:
        registered = services.device_register(
            acting_user=user,
            client_id=payload.client_id,
            secret=payload.secret,
            label=payload.label,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except DeviceGone as exc:
        return gone_response(request, exc)
    services.device_touch(device=registered.device, ip=client_ip())
    body = {
        "client_id": registered.device.client_id,
        "key": registered.data_key,
        "max_offline_days": settings.OFFLINE_MAX_DAYS,
        "server_time": _now(),
        "user": _user_ref(user),
    }
    return Status(201 if registered.created else 200, body)


@router.post(
    "/status/",
    auth=None,
    response=StatusOut,
    summary="本机状态（无需登录）",
    description=(
        "本机凭 client_id 和 secret 询问能否保留离线数据，无需登录（登录早已过期的丢失手机也能得知已被撤销）。"
        "state：active 正常；revoked 已撤销、lapsed 超期未联系、user_inactive 账号已停用"
        "（这三种 wipe 为 true，本机须清除数据）；"
        "unknown 未登记或密钥不符（保留数据，登录后重新登记）。pending 为本机待同步记录数，管理员在设备列表中可见。"
    ),
)
def device_status(request, payload: StatusIn):
    state, _device = services.device_status(client_id=payload.client_id, secret=payload.secret, pending=payload.pending)
    wipe = state in services.GONE_MESSAGES
    return {
        "state": state,
        "wipe": wipe,
        "server_time": _now(),
        "message": services.gone_message(state) if wipe else "",
    }


@router.post(
    "/wiped/",
    auth=None,
    response={204: None},
    summary="本机已清除数据（无需登录）",
    description="本机清除离线数据后报告（凭 client_id 和 secret）；管理员在设备页面看到“已清除”。总是返回 204。",
)
def device_wiped(request, payload: WipedIn):
    _state, device = services.device_status(client_id=payload.client_id, secret=payload.secret)
    if device is not None:
        services.device_confirm_wipe(device=device)
    return Status(204, None)


@router.get(
    "/snapshot/",
    response={200: SnapshotOut, GONE: GoneOut},
    summary="离线数据快照",
    description=(
        "本机离线工作所需的数据：可登记的服务类型、本人队伍、近期活动、工作清单及其居民和户、分派给本人的民情诉求、热线选项。"
        "只含调用者范围内、当前工作需要的居民（最多 OFFLINE_MAX_RESIDENTS 位）；证件号和手机号一律打码，不含任何标签；"
        "没有健康权限的用户不含任何健康类项目、服务类型和随访。"
        "须带 X-Xianfeng-Device 头；本设备须已登记，否则 422；须清除时 410。"
    ),
)
def snapshot(request, device: str = device_header()):
    try:
        found = services.device_of(request.user, device)
    except DeviceGone as exc:
        return gone_response(request, exc)
    services.device_touch(device=found, ip=client_ip())
    return build_snapshot(request.user)


@router.get(
    "/devices/",
    response=list[DeviceOut],
    summary="离线设备列表",
    description=(
        "调用者范围内的离线设备，最近联系的在前：系统管理员看全部，党办干事看本组织及以下用户的设备，其他角色只看本人的设备。"
        "q 按用户名、姓名、设备名称或浏览器查找；state 筛选 active、revoked、lapsed。"
    ),
)
@paginate(Pagination, page_size=50)
def list_devices(request, filters: Query[DeviceFilters]):
    if not can(request.user, VIEW, Device):
        raise PermissionDenied
    return selectors.device_list(user=request.user, query=filters.q, state=filters.state)


@router.post(
    "/devices/{device_id}/revoke/",
    response=DeviceOut,
    summary="撤销离线设备",
    description=(
        "撤销后该设备不再得到密钥、数据和同步，下次联网时清除本机离线数据；须填写原因，记入访问日志。"
        "范围外的设备 404；已撤销的 422。"
    ),
)
def revoke_device(request, device_id: Id, payload: RevokeIn):
    device = get_scoped_or_404(request.user, Device, CHANGE, pk=device_id)
    return services.device_revoke(acting_user=request.user, device=device, reason=payload.reason)

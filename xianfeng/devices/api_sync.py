"""``POST /api/offline/sync/`` (contract A.4): a batch of the phone's outbox, applied in order.

The device named by the header must be the session user's and still active: a revoked or lapsed
device, or a deactivated user, gets 410 with the wipe instruction and nothing is applied. The
body is bounded (at most OFFLINE_SYNC_BATCH entries, every text and number capped), so an
oversized or absurd request is a 422 in the one error shape, never a 500. Each entry is then
answered on its own (sync.py): one refusal does not stop the others.
"""

import datetime
import json
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import AfterValidator, field_validator

from xianfeng.api.types import MAX_ID
from xianfeng.core.middleware import ip_from_request

from . import services, sync
from .api_gone import GoneOut, device_header, gone_response

router = Router()

MAX_PENDING = 1_000_000
MAX_PAYLOAD_KEYS = 60
MAX_PAYLOAD_CHARS = 100_000  # 1000 attendees' ids fit many times over; a 10 MB string does not
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2199, 12, 31, tzinfo=datetime.UTC)


def _phone_time(value: datetime.datetime) -> datetime.datetime:
    """A time read on the phone: aware (a time without offset is the server's zone), and within
    reason, so correcting it by the skew cannot overflow."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value <= LATEST:
        raise ValueError(_("时间超出范围（2000–2199 年）"))
    return value


PhoneTime = Annotated[datetime.datetime, AfterValidator(_phone_time)]


class EntryIn(Schema):
    client_id: str = Field(max_length=200, description="离线记录的客户端编号（crypto.randomUUID()），1–64 个字符")
    kind: str = Field(max_length=40, description="record、attendance、visit、call 或 need")
    user_id: int = Field(ge=0, le=MAX_ID, description="在本机登记此记录的用户")
    made_at: PhoneTime = Field(description="登记时间（手机时钟）")
    date_defaulted: bool = Field(False, description="日期为默认的“今天”（同步时按服务器时间重算）")
    payload: dict[Annotated[str, Field(max_length=40)], Any] = Field(
        max_length=MAX_PAYLOAD_KEYS, description="与在线登记的请求体相同（见各类型的 API）"
    )

    @field_validator("payload")
    @classmethod
    def bounded(cls, value):
        # Each kind's own schema bounds its fields (a refusal naming the field); this bounds
        # the whole, so nothing absurd is even looked at.
        if len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_PAYLOAD_CHARS:
            raise ValueError(_("记录内容过大（最多 %(n)d 个字符）") % {"n": MAX_PAYLOAD_CHARS})
        return value


class SyncIn(Schema):
    sent_at: PhoneTime = Field(description="发送时间（手机时钟）：服务器据此计算手机时钟的偏差")
    pending: int = Field(0, ge=0, le=MAX_PENDING, description="本批发送前待同步的条数")
    entries: list[EntryIn] = Field(description="1 到 OFFLINE_SYNC_BATCH 条，按登记顺序")

    @field_validator("entries", mode="before")
    @classmethod
    def one_to_batch(cls, value):
        # Counted before the entries are parsed: an oversized batch is refused cheaply.
        batch = settings.OFFLINE_SYNC_BATCH
        if isinstance(value, list) and len(value) > batch:
            raise ValueError(_("一次最多同步 %(n)d 条，本次 %(m)d 条，请分批同步") % {"n": batch, "m": len(value)})
        if isinstance(value, list) and not value:
            raise ValueError(_("请至少提交一条记录"))
        return value


class ObjectOut(Schema):
    model: str
    id: int


class ResultOut(Schema):
    client_id: str
    status: Literal["created", "duplicate", "refused"]
    objects: list[ObjectOut]
    message: str
    errors: dict[str, list[str]]


class SyncOut(Schema):
    server_time: datetime.datetime
    clock_skew_seconds: int = Field(description="服务器时间减手机时间（秒）")
    results: list[ResultOut]


@router.post(
    "/sync/",
    response={200: SyncOut, 410: GoneOut},
    summary="同步离线记录",
    description=(
        "按顺序逐条保存离线应用待同步的记录，每条一个事务，一条被拒不影响其他各条。"
        "每条的结果：created（已保存）、duplicate（此前已同步，返回当时生成的记录）、refused（被拒，附原因）。"
        "同一用户的同一客户端编号只生成一次记录。设备已撤销、超期未联网或账号已停用时返回 410，本机须清除数据。"
    ),
)
def sync_outbox(request, payload: SyncIn, device: str = device_header()):
    try:
        found = services.device_of(request.user, device)
    except services.DeviceGone as exc:
        return gone_response(request, exc)
    entries = [
        sync.Entry(
            client_id=e.client_id,
            kind=e.kind,
            user_id=e.user_id,
            made_at=e.made_at,
            date_defaulted=e.date_defaulted,
            payload=e.payload,
        )
        for e in payload.entries
    ]
    clock, results = sync.sync_batch(request=request, device=found, sent_at=payload.sent_at, entries=entries)
    left = sum(1 for r in results if r.status != sync.REFUSED)
    services.device_touch(
        device=found, ip=ip_from_request(request), pending=max(0, payload.pending - left), synced=True
    )
    return {
        "server_time": timezone.localtime(clock.now),
        "clock_skew_seconds": clock.skew_seconds,
        "results": [r.as_dict() for r in results],
    }

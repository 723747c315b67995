"""The sync of an offline outbox (issue 14, contract A.4): the rules, as plain functions.

Each outbox entry is applied in the order the phone sent it, in its own transaction, and
answered on its own: "created", "duplicate" (a retry, a second sync or a second tab: the receipt
names what the first one made) or "refused" (with the reason, in the words of the services, and
the fields it concerns; the entry stays in the phone's outbox to fix or discard). One refusal
never stops the entries after it, and every refusal is written to the access log.

The phone's clock is not trusted: ``skew = server time − the phone's sent_at``. The time an
entry was made is corrected by it; a date the user left at its default ("today" on the phone) is
computed again from the corrected time, in the server's time zone; a date the user chose that is
later than the server's today is refused, naming the phone's clock.

The kinds' handlers (sync_kinds.py) call the very code of the web API, so an entry is validated
exactly as a form posted online would be; the idempotency key they give the services is always
the entry's client id, and the receipt (SyncedEntry, unique per user and client id) is written in
the same transaction as the records.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write

from . import sync_kinds
from .models import Device, SyncedEntry
from .sync_kinds import Refused, refusal_from

logger = logging.getLogger(__name__)

MAX_CLIENT_ID = 64
CREATED, DUPLICATE, REFUSED = "created", "duplicate", "refused"
# A defaulted call time is shifted by the skew; below this the correction is not worth a message.
NOTABLE_SKEW = datetime.timedelta(minutes=5)

# The entry's date field and what the user calls it (the clock rule's messages name it).
DATE_FIELDS = {
    "record": ("served_on", gettext_lazy("服务日期")),
    "visit": ("visited_on", gettext_lazy("随访日期")),
    "need": ("raised_on", gettext_lazy("反映日期")),
    "call": ("started_at", gettext_lazy("来电时间")),
}

# --- what comes in and what goes back -----------------------------------------------------


@dataclass
class Entry:
    client_id: str
    kind: str
    user_id: int
    made_at: datetime.datetime
    date_defaulted: bool
    payload: dict


@dataclass
class Result:
    client_id: str
    status: str
    objects: list[tuple[str, int]] = field(default_factory=list)
    message: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "status": self.status,
            "objects": [{"model": model, "id": pk} for model, pk in self.objects],
            "message": self.message,
            "errors": self.errors,
        }


# --- the phone's clock ----------------------------------------------------------------------


@dataclass
class Clock:
    now: datetime.datetime  # the server's
    skew: datetime.timedelta  # server − phone

    @property
    def skew_seconds(self) -> int:
        return round(self.skew.total_seconds())

    def corrected(self, phone_time: datetime.datetime) -> datetime.datetime:
        """A time read on the phone's clock, on the server's (never later than now: an entry
        is not made in the future)."""
        return min(phone_time + self.skew, self.now)


def clock_of(sent_at: datetime.datetime, now: datetime.datetime | None = None) -> Clock:
    now = now or timezone.now()
    return Clock(now=now, skew=now - sent_at)


def _span(delta: datetime.timedelta) -> str:
    """How far off a clock is, in words: "1 天", "3 小时", "12 分钟"."""
    minutes = round(abs(delta.total_seconds()) / 60)
    if minutes >= 23 * 60:  # 23 hours and more: a day wrong (a date set by hand)
        return _("%(n)d 天") % {"n": round(minutes / 1440) or 1}
    if minutes >= 60:
        return _("%(n)d 小时") % {"n": round(minutes / 60)}
    return _("%(n)d 分钟") % {"n": max(1, minutes)}


def _clock_words(skew: datetime.timedelta) -> str:
    # skew = server − phone: negative when the phone is ahead.
    if skew < datetime.timedelta(0):
        return _("手机时钟快了 %(span)s") % {"span": _span(skew)}
    return _("手机时钟慢了 %(span)s") % {"span": _span(skew)}


def _parse_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None  # the schema names it


def _parse_datetime(value) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def apply_clock(entry: Entry, clock: Clock) -> tuple[dict, str]:
    """The payload with its date as the server's clock has it, and the message telling the user
    (empty when nothing changed). Raises Refused for a date the user chose that is later than
    the server's today."""
    payload = dict(entry.payload)
    if entry.kind not in DATE_FIELDS:
        return payload, ""
    name, label = DATE_FIELDS[entry.kind]
    today = timezone.localdate(clock.now)
    if entry.kind == "call":
        return _call_time(entry, payload, clock, label)
    if entry.date_defaulted:
        corrected = timezone.localdate(clock.corrected(entry.made_at))
        phone_day = _parse_date(payload.get(name)) or timezone.localdate(entry.made_at)
        payload[name] = corrected.isoformat()
        if corrected != phone_day:
            message = _("%(clock)s：%(field)s已按服务器时间改为 %(day)s") % {
                "clock": _clock_words(clock.skew),
                "field": label,
                "day": corrected.isoformat(),
            }
            return payload, message
        return payload, ""
    chosen = _parse_date(payload.get(name))
    if chosen is not None and chosen > today:
        days = (chosen - today).days
        message = _("%(field)s晚于今天：手机时钟可能快了 %(n)d 天，请改正日期后重新同步") % {"field": label, "n": days}
        raise Refused(message, {name: [message]})
    return payload, ""


def _call_time(entry: Entry, payload: dict, clock: Clock, label) -> tuple[dict, str]:
    name = "started_at"
    given = _parse_datetime(payload.get(name))
    if entry.date_defaulted:
        # The time the form proposed, moved by the phone's error (the time the entry was made
        # when the phone sent none).
        moment = clock.corrected(given if given is not None else entry.made_at)
        payload[name] = moment.isoformat()
        if abs(clock.skew) >= NOTABLE_SKEW:
            local = timezone.localtime(moment)
            message = _("%(clock)s：%(field)s已按服务器时间改为 %(at)s") % {
                "clock": _clock_words(clock.skew),
                "field": label,
                "at": local.strftime("%Y-%m-%d %H:%M"),
            }
            return payload, message
        return payload, ""
    if given is not None and given > clock.now + NOTABLE_SKEW:
        message = _("%(field)s晚于现在：手机时钟可能快了 %(span)s，请改正时间后重新同步") % {
            "field": label,
            "span": _span(given - clock.now),
        }
        raise Refused(message, {name: [message]})
    return payload, ""


# --- one entry ------------------------------------------------------------------------------


def check_entry(entry: Entry, user) -> None:
    """The envelope: a kind the server knows, a client id of 1–64 characters, made by this user.
    An entry made on this phone by another user is refused without a word about that user."""
    if entry.kind not in sync_kinds.HANDLERS:
        message = _("未知的离线记录类型“%(k)s”，请更新离线应用") % {"k": entry.kind[:20]}
        raise Refused(message, {"kind": [message]})
    if not entry.client_id.strip() or len(entry.client_id) > MAX_CLIENT_ID:
        message = _("客户端编号应为 1–64 个字符")
        raise Refused(message, {"client_id": [message]})
    if entry.user_id != user.pk:
        message = _("此记录由另一用户（用户编号 %(id)s）在本机创建，不能以您的身份同步") % {"id": entry.user_id}
        raise Refused(message, {"user_id": [message]})


def check_grant(entry: Entry, user) -> None:
    """The user may still record this kind (a grant withdrawn while the phone was offline)."""
    if not can(user, CHANGE, sync_kinds.PERMISSION_MODEL[entry.kind]):
        raise Refused(_("您已没有登记此类记录的权限（授权可能已撤销）"))


def _receipt(user, client_id: str) -> SyncedEntry | None:
    return SyncedEntry.objects.filter(user=user, client_id=client_id).first()


def _duplicate(entry: Entry, receipt: SyncedEntry) -> Result:
    if receipt.kind != entry.kind:  # another entry under a used id: never drop it as done
        message = _("该客户端编号已用于另一条记录，请放弃此条后重新登记")
        raise Refused(message, {"client_id": [message]})
    objects = [(str(model), int(pk)) for model, pk in receipt.made]
    return Result(entry.client_id, DUPLICATE, objects, _("此记录此前已同步，未重复登记"))


def sync_entry(*, request, device: Device, entry: Entry, clock: Clock) -> Result:
    """Apply one outbox entry in its own transaction; a refusal is audited and answered."""
    user = request.user
    try:
        check_entry(entry, user)
        receipt = _receipt(user, entry.client_id)
        if receipt is not None:
            return _duplicate(entry, receipt)
        check_grant(entry, user)
        payload, message = apply_clock(entry, clock)
        return _apply(request, device, entry, clock, payload, message)
    except Refused as refusal:
        return refuse(user=user, device=device, entry=entry, refusal=refusal)


def _apply(request, device: Device, entry: Entry, clock: Clock, payload: dict, message: str) -> Result:
    user = request.user
    try:
        with transaction.atomic():
            made = sync_kinds.HANDLERS[entry.kind](request, payload, entry.client_id)
            SyncedEntry.objects.create(
                device=device,
                user=user,
                client_id=entry.client_id,
                kind=entry.kind,
                made_at=clock.corrected(entry.made_at),
                received_at=clock.now,
                clock_skew_seconds=clock.skew_seconds,
                made=[[model, pk] for model, pk in made.objects],
                org_path=device.org_path,
            )
    except IntegrityError:
        # Another request (a second tab, a retry racing the first) wrote the receipt first:
        # this transaction is rolled back and the first one's answer stands.
        receipt = _receipt(user, entry.client_id)
        if receipt is None:
            logger.exception("offline sync: integrity error without a receipt for %s", entry.client_id)
            raise Refused(_("保存时发生冲突，请稍后重新同步")) from None
        return _duplicate(entry, receipt)
    except Refused:
        raise
    except ValidationError as exc:
        raise refusal_from(exc) from None
    except PermissionDenied as exc:
        raise Refused(str(exc) if _is_ours(str(exc)) else _("不在您可登记的范围内")) from None
    except Http404:
        raise Refused(_("所登记的对象不存在或不在您的权限范围内")) from None
    except (DataError, OverflowError):
        logger.exception("offline sync: a value out of range reached the database for %s", entry.client_id)
        raise Refused(_("记录中有超出范围的数值，请检查后重新同步")) from None
    notes = [text for text in (message, made.message) if text]
    return Result(entry.client_id, CREATED if made.created else DUPLICATE, made.objects, "；".join(notes))


def _is_ours(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def refuse(*, user, device: Device, entry: Entry, refusal: Refused) -> Result:
    """Answer a refusal and write it to the access log: what (the kind and a summary without
    personal data), from which device, why."""
    kind = entry.kind if entry.kind in sync_kinds.HANDLERS else None
    accesslog_write(
        actor=user,
        kind=AccessLog.Kind.SYNC_REFUSED,
        model=sync_kinds.TARGET_MODEL.get(kind, SyncedEntry),
        object_id=entry.client_id[:MAX_CLIENT_ID],
        object_repr=sync_kinds.summary(kind, entry.payload),
        fields=f"device:{device.client_id}",
        reason=refusal.message,
        org_path=device.org_path,
    )
    return Result(entry.client_id, REFUSED, [], refusal.message, refusal.errors)


# --- a batch --------------------------------------------------------------------------------


def sync_batch(*, request, device: Device, sent_at: datetime.datetime, entries: list[Entry]) -> tuple[Clock, list]:
    """Every entry in order, each on its own; the clock and the results in the same order."""
    clock = clock_of(sent_at)
    return clock, [sync_entry(request=request, device=device, entry=entry, clock=clock) for entry in entries]

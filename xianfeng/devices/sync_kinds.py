"""One handler per kind of outbox entry (contract C), each calling the code the web API runs for
the same write, so an entry synced from a phone is validated exactly like a request sent online:

- record → ``servicelog.api_records.create_record`` (RecordIn)
- attendance → ``servicelog.services_attendees.activity_add_attendees``, the activity and the
  residents read through ``scoped()`` (an id out of reach is refused naming the field, the same
  words whether it exists or not)
- visit → ``programs.api.create_visit`` (VisitIn plus enrollment_id)
- call → ``hotline.api_calls.create_call`` (HotlineCallIn)
- need → ``needs.api.create_need`` (NeedIn)

The idempotency key given to the services is always the entry's client id (whatever the payload
says). A handler returns what it made as (model label, id) pairs and whether it made anything new;
it raises ValidationError (under the API's field names) or Refused.
"""

from dataclasses import dataclass

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from pydantic import field_validator

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.api.errors import translate
from xianfeng.api.types import Id
from xianfeng.hotline import api_calls
from xianfeng.hotline.api_calls_schemas import HotlineCallIn
from xianfeng.hotline.models import Call
from xianfeng.needs import api as needs_api
from xianfeng.needs.api_schemas import NeedIn
from xianfeng.needs.models import Need
from xianfeng.programs import api as programs_api
from xianfeng.programs.api_schemas import VisitIn
from xianfeng.programs.models import Enrollment, Visit
from xianfeng.programs.registry import get_program
from xianfeng.residents.models import Resident
from xianfeng.servicelog import api_records, services_attendees
from xianfeng.servicelog.api_records_schemas import RecordIn
from xianfeng.servicelog.api_shared import TypeCode, api_errors
from xianfeng.servicelog.models import Activity, ServiceRecord, ServiceType

# --- refusals -------------------------------------------------------------------------------

# The API's field names as the user knows them: a refusal's message names the field.
FIELD_LABELS = {
    "service_type": gettext_lazy("服务类型"),
    "served_on": gettext_lazy("服务日期"),
    "resident_id": gettext_lazy("居民"),
    "resident_ids": gettext_lazy("参加者"),
    "household_id": gettext_lazy("户"),
    "provider_ids": gettext_lazy("服务人员"),
    "hours": gettext_lazy("服务时长"),
    "team_id": gettext_lazy("队伍"),
    "org_id": gettext_lazy("组织"),
    "activity_id": gettext_lazy("活动"),
    "quantity": gettext_lazy("数量"),
    "unit": gettext_lazy("单位"),
    "result": gettext_lazy("结果"),
    "note": gettext_lazy("备注"),
    "enrollment_id": gettext_lazy("项目对象"),
    "kind": gettext_lazy("记录类型"),
    "visited_on": gettext_lazy("随访日期"),
    "data": gettext_lazy("随访内容"),
    "started_at": gettext_lazy("来电时间"),
    "duration_minutes": gettext_lazy("通话时长"),
    "channel": gettext_lazy("渠道"),
    "shift_id": gettext_lazy("班次"),
    "taken_by_id": gettext_lazy("接线人员"),
    "topic": gettext_lazy("主要问题"),
    "outcome": gettext_lazy("处理结果"),
    "intervention": gettext_lazy("干预措施"),
    "callback_phone": gettext_lazy("回访电话"),
    "region": gettext_lazy("地区"),
    "title": gettext_lazy("诉求"),
    "category": gettext_lazy("类别"),
    "description": gettext_lazy("详细情况"),
    "source": gettext_lazy("来源"),
    "raised_by_name": gettext_lazy("反映人"),
    "raised_on": gettext_lazy("反映日期"),
    "due_on": gettext_lazy("办结期限"),
    "assigned_member_id": gettext_lazy("责任人"),
    "assigned_team_id": gettext_lazy("责任队伍"),
    "idempotency_key": gettext_lazy("客户端编号"),
    "client_id": gettext_lazy("客户端编号"),
    "user_id": gettext_lazy("用户"),
}


class Refused(Exception):
    """An entry the server will not apply: the message shown to the user and the fields concerned."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.errors = errors or {}


def describe(errors: dict[str, list[str]], labels: dict | None = None) -> str:
    """The refusal's message: each field as the forms name it, e.g. "居民：未找到该居民（…）；
    服务日期：…" (an unlabelled one, such as ``provider_ids.0``, with its API name beside its
    group's label)."""
    labels = {**FIELD_LABELS, **(labels or {})}
    parts = []
    for name, messages in errors.items():
        text = "；".join(str(m) for m in messages)
        if name == "__all__":
            parts.append(text)
            continue
        label = labels.get(name)
        if label is None:
            group = labels.get(name.split(".", 1)[0])
            label = _("%(label)s（%(name)s）") % {"label": group, "name": name} if group else name
        parts.append(_("%(field)s：%(error)s") % {"field": label, "error": text})
    return "；".join(parts) or _("输入无效")


def refusal_from(exc: ValidationError, labels: dict | None = None) -> Refused:
    """A service's ValidationError, already under the API's field names, as a refusal."""
    if hasattr(exc, "error_dict"):
        errors = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return Refused(describe(errors, labels), errors)


def refused_on(name: str, message: str) -> Refused:
    return Refused(describe({name: [message]}), {name: [message]})


def parse(schema: type[Schema], data: dict) -> Schema:
    """The payload through the API's own request schema; its errors as the API words them."""
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error.get("loc", ())) or "__all__"
            errors.setdefault(name, []).append(translate(error))
        raise Refused(describe(errors), errors) from None


# --- what a handler made --------------------------------------------------------------------


@dataclass
class Made:
    objects: list[tuple[str, int]]
    created: bool  # False: the services named what the same client id made before
    message: str = ""


def _label(model) -> str:
    return model._meta.label


def _keyed(payload: dict, client_id: str) -> dict:
    # The entry's client id is the idempotency key, whatever the payload carries.
    return {**payload, "idempotency_key": client_id}


# --- record ---------------------------------------------------------------------------------


def record(request, payload: dict, client_id: str) -> Made:
    data = parse(RecordIn, _keyed(payload, client_id))
    answer = api_records.create_record(request, data)
    return Made([(_label(ServiceRecord), answer.value.pk)], answer.status_code == 201)


# --- attendance -----------------------------------------------------------------------------


class AttendanceIn(Schema):
    activity_id: Id
    service_type: TypeCode
    resident_ids: list[Id]
    note: str = Field("", max_length=500)

    @field_validator("resident_ids", mode="before")
    @classmethod
    def one_to_max(cls, value):
        # Counted before the items are parsed: an oversized list is refused cheaply.
        if isinstance(value, list) and len(value) > services_attendees.MAX_ATTENDEES:
            raise ValueError(
                _("一次最多登记 %(n)d 位参加者，本次 %(m)d 位，请分批签到")
                % {"n": services_attendees.MAX_ATTENDEES, "m": len(value)}
            )
        if isinstance(value, list) and not value:
            raise ValueError(_("请至少添加一位居民"))
        return value


def attendance(request, payload: dict, client_id: str) -> Made:
    user = request.user
    data = parse(AttendanceIn, payload)
    activity = scoped(user, Activity, VIEW).filter(pk=data.activity_id).first()
    if activity is None:
        raise refused_on("activity_id", _("未找到该活动（或不在您的权限范围内）"))
    stype = scoped(user, ServiceType).filter(code=data.service_type).first()
    if stype is None:
        raise refused_on("service_type", _("未知的服务类型代码“%(c)s”") % {"c": data.service_type})
    wanted = list(dict.fromkeys(data.resident_ids))
    # Encrypted columns decrypt on load: a roll call needs names and dates only.
    found = scoped(user, Resident, VIEW).defer("id_number", "phone").in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        shown = "、".join(missing[:10]) + ("…" if len(missing) > 10 else "")
        message = _("未找到居民（或不在您的权限范围内）：编号 %(ids)s") % {"ids": shown}
        raise refused_on("resident_ids", message)
    try:
        created = services_attendees.activity_add_attendees(
            acting_user=user,
            activity=activity,
            residents=[found[pk] for pk in wanted],
            service_type=stype,
            note=data.note,
            idempotency_key=client_id,
        )
    except PermissionDenied:
        raise refused_on("activity_id", _("您不能在该活动下登记参加者")) from None
    except ValidationError as exc:
        raise refusal_from(api_errors(exc, {"residents": "resident_ids"})) from None
    # Every attendee's record, new or made before (by this entry or a form), in the list's order.
    rows = dict(
        scoped(user, ServiceRecord)
        .filter(activity=activity, service_type=stype, resident__in=wanted, voided_at__isnull=True)
        .order_by("pk")
        .values_list("resident_id", "pk")
    )
    objects = [(_label(ServiceRecord), rows[pk]) for pk in wanted if pk in rows]
    before = len(wanted) - len(created)
    message = ""
    if before and created:
        message = _("其中 %(n)d 位此前已在该活动登记，未重复登记") % {"n": before}
    elif before:
        message = _("这些参加者此前都已在该活动登记，未重复登记")
    return Made(objects, bool(created), message)


# --- visit ----------------------------------------------------------------------------------


class VisitEntryIn(VisitIn):
    enrollment_id: Id


def _data_labels(user, enrollment_id: int) -> dict:
    """``data.<key>`` → the program field's label, so a refusal reads "危险性评估：…"."""
    code = scoped(user, Enrollment).filter(pk=enrollment_id).values_list("program", flat=True).first()
    try:
        program = get_program(code) if code else None
    except ValidationError:  # a program no longer registered
        program = None
    if program is None:
        return {}
    return {f"data.{f['key']}": f["label"] for kind in program.visit_kinds for f in kind.fields}


def visit(request, payload: dict, client_id: str) -> Made:
    data = parse(VisitEntryIn, _keyed(payload, client_id))
    try:
        answer = programs_api.create_visit(request, data.enrollment_id, data)
    except Http404:
        raise refused_on("enrollment_id", _("未找到该项目对象（或不在您的权限范围内）")) from None
    except PermissionDenied:
        raise refused_on("enrollment_id", _("您不能为该项目对象登记随访")) from None
    except ValidationError as exc:
        raise refusal_from(exc, _data_labels(request.user, data.enrollment_id)) from None
    made = answer.value
    objects = [(_label(Visit), made.pk), (_label(ServiceRecord), made.record_id)]
    return Made(objects, answer.status_code == 201)


# --- call and need --------------------------------------------------------------------------


def call(request, payload: dict, client_id: str) -> Made:
    data = parse(HotlineCallIn, _keyed(payload, client_id))
    answer = api_calls.create_call(request, data)
    made = answer.value
    objects = [(_label(Call), made.pk)]
    if made.record_id:
        objects.append((_label(ServiceRecord), made.record_id))
    return Made(objects, answer.status_code == 201)


def need(request, payload: dict, client_id: str) -> Made:
    data = parse(NeedIn, _keyed(payload, client_id))
    answer = needs_api.create_need(request, data)
    return Made([(_label(Need), answer.value.pk)], answer.status_code == 201)


HANDLERS = {"record": record, "attendance": attendance, "visit": visit, "call": call, "need": need}
# What a refusal is filed under in the access log.
TARGET_MODEL = {"record": ServiceRecord, "attendance": ServiceRecord, "visit": Visit, "call": Call, "need": Need}
# The model whose "change" permission the user must still hold (a grant withdrawn offline).
PERMISSION_MODEL = {"record": ServiceRecord, "attendance": Activity, "visit": Enrollment, "call": Call, "need": Need}
KIND_LABELS = {
    "record": gettext_lazy("服务记录"),
    "attendance": gettext_lazy("活动签到"),
    "visit": gettext_lazy("随访"),
    "call": gettext_lazy("热线来电"),
    "need": gettext_lazy("民情诉求"),
}


def _short(value) -> str:
    """A scalar of the payload, short; anything else (a list, a dict) as "?"."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value)[:30]
    return "?"


def summary(kind: str | None, payload: dict) -> str:
    """What the access log says the refused entry was: its kind and codes, ids and dates only —
    no name, no free text, nothing personal."""
    p = payload if isinstance(payload, dict) else {}
    if kind == "record":
        parts = [_short(p.get("service_type")), _short(p.get("served_on"))]
    elif kind == "attendance":
        ids = p.get("resident_ids")
        count = len(ids) if isinstance(ids, list) else 0
        parts = [_("活动 %(id)s") % {"id": _short(p.get("activity_id"))}, _("%(n)d 人") % {"n": count}]
    elif kind == "visit":
        parts = [_("项目对象 %(id)s") % {"id": _short(p.get("enrollment_id"))}, _short(p.get("kind"))]
        parts.append(_short(p.get("visited_on")))
    elif kind == "call":
        parts = [_short(p.get("started_at"))[:16], _short(p.get("topic"))]
    elif kind == "need":
        parts = [_short(p.get("category")), _short(p.get("raised_on"))]
    else:
        return _("离线记录（未知类型）")
    return " · ".join([str(KIND_LABELS[kind]), *[part for part in parts if part]])

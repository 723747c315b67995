"""Bodies of the call-log API (/api/hotline/). Names are prefixed ``HotlineCall`` /
``HotlineEscalation`` (ninja schema names are unique project-wide). Outputs never carry the
callback number in full (masked only); the caller stays anonymous."""

import datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema

from xianfeng.api.types import Date, Id

from .models import MAX_CALL_MINUTES, AgeGroup, Channel, Escalation, Outcome, RiskLevel, Topic

ChannelCode = Literal[tuple(Channel.values)]
TopicCode = Literal[tuple(Topic.values)]
OutcomeCode = Literal[tuple(Outcome.values)]
RiskCode = Literal[tuple(RiskLevel.values)]
EscalationOutcome = Literal[tuple(Escalation.Outcome.values)]
Minutes = Annotated[int, Field(ge=0, le=MAX_CALL_MINUTES, description="通话时长（分钟），0–600")]


class HotlineCallIn(Schema):
    started_at: datetime.datetime = Field(description="来电时间（带时区；不能晚于现在 5 分钟以上）")
    duration_minutes: Minutes = 0
    channel: ChannelCode = "phone"
    team_id: Id | None = Field(None, description="值守组（不填：班次的值守组，或您唯一可登记的值守组）")
    shift_id: Id | None = Field(None, description="班次（不填：按来电时间找值守组的班次）")
    taken_by_id: Id | None = Field(None, description="接线人员（不填：本人）")
    topic: TopicCode
    outcome: OutcomeCode
    intervention: Annotated[str, Field(max_length=2000)] = ""
    note: Annotated[str, Field(max_length=500)] = ""
    suicidal_ideation: bool = False
    suicide_plan: bool = False
    suicide_attempt: bool = False
    means_access: bool = False
    violence_risk: bool = False
    self_harm: bool = False
    caller_gender: Literal["", "M", "F"] = ""
    caller_age_group: Literal[tuple(AgeGroup.values)] = ""
    callback_phone: Annotated[str, Field(max_length=20)] = ""
    region: Annotated[str, Field(max_length=12, description="来电者所在行政区划代码（选填）")] = ""
    idempotency_key: Annotated[str, Field(max_length=64)] = ""


class HotlineCallOut(Schema):
    id: int
    started_at: datetime.datetime
    served_on: datetime.date
    duration_minutes: int
    channel: str
    org_id: int
    team_id: int | None
    shift_id: int | None
    taken_by_id: int
    taken_by_name: str
    off_roster: bool = Field(description="接线人员不在该班次的排班内")
    topic: str
    suicidal_ideation: bool
    suicide_plan: bool
    suicide_attempt: bool
    means_access: bool
    violence_risk: bool
    self_harm: bool
    risk_level: str
    intervention: str
    outcome: str
    note: str
    caller_gender: str
    caller_age_group: str
    region_code: str
    callback_phone_masked: str
    record_id: int | None
    escalation_id: int | None
    voided: bool
    void_reason: str

    # Read from the Call row itself (a page of the list is sliced in the database, then resolved).
    @staticmethod
    def resolve_taken_by_name(obj) -> str:
        return obj.taken_by.name

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.place_code

    @staticmethod
    def resolve_escalation_id(obj) -> int | None:
        escalation = getattr(obj, "escalation", None)  # a reverse one-to-one: AttributeError when none
        return escalation.pk if escalation is not None else None

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class HotlineCallFilters(Schema):
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    risk_level: RiskCode | None = None
    outcome: OutcomeCode | None = None
    topic: TopicCode | None = None
    channel: ChannelCode | None = None
    off_roster: bool | None = None
    include_voided: bool = False


class HotlineEscalationOut(Schema):
    id: int
    call_id: int
    supervisor_id: int | None
    supervisor_name: str
    raised_at: datetime.datetime
    due_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    outcome: str
    outcome_note: str
    minutes_to_handle: int | None
    handled_in_time: bool | None
    overdue: bool

    @staticmethod
    def resolve_supervisor_name(obj) -> str:
        return obj.supervisor.name if obj.supervisor_id else ""

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.closed_at is None and obj.due_at < timezone.now()


class HotlineEscalationCloseIn(Schema):
    outcome: EscalationOutcome | Literal[""] = Field(description="处理结果（必填）")
    outcome_note: Annotated[str, Field(max_length=2000)] = ""


class HotlineEscalationFilters(Schema):
    status: Literal["", "open", "closed"] = ""

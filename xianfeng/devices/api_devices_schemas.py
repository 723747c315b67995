"""Schemas of the offline devices API (contract A.1–A.3, A.5 and B). Every string and number a
request carries is bounded, so a huge value is a 422, never a 500."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from .selectors import standing

ClientId = Annotated[str, Field(min_length=1, max_length=64, description="设备编号（离线应用首次运行时生成）")]
Secret = Annotated[str, Field(min_length=32, max_length=200, description="设备密钥（只在本机保存，服务器只存其散列）")]
Pending = Annotated[int, Field(ge=0, le=1_000_000, description="本机待同步记录数")]


class RegisterIn(Schema):
    client_id: ClientId
    secret: Secret
    label: Annotated[str, Field(max_length=100)] = ""


class UserRef(Schema):
    id: int
    username: str
    name: str


class RegisterOut(Schema):
    client_id: str
    key: str = Field(description="本机数据密钥（base64，32 字节 AES-GCM 密钥），只发给本设备用户的登录会话")
    max_offline_days: int
    server_time: datetime.datetime
    user: UserRef


# The status check and the wipe receipt come without a session: anything is accepted (bounded) and
# an unknown id or a wrong secret answers "unknown" instead of an error that would reveal more.
class StatusIn(Schema):
    client_id: Annotated[str, Field(max_length=64)]
    secret: Annotated[str, Field(max_length=200)]
    pending: Pending = 0


class StatusOut(Schema):
    state: Literal["active", "revoked", "lapsed", "user_inactive", "unknown"]
    wipe: bool
    server_time: datetime.datetime
    message: str


class WipedIn(Schema):
    client_id: Annotated[str, Field(max_length=64)]
    secret: Annotated[str, Field(max_length=200)]


class DeviceFilters(Schema):
    q: Annotated[str, Field(max_length=50, description="用户名、姓名、设备名称或浏览器")] = ""
    state: Literal["active", "revoked", "lapsed", ""] = Field(
        "", description="active 正常；revoked 已撤销；lapsed 超期未联系"
    )


class DeviceOut(Schema):
    id: int
    user: UserRef
    label: str
    user_agent: str
    state: Literal["active", "revoked", "lapsed", "user_inactive"]
    registered_at: datetime.datetime
    last_contact_at: datetime.datetime | None
    last_sync_at: datetime.datetime | None
    pending_count: int
    revoked_at: datetime.datetime | None
    revoke_reason: str
    wiped_at: datetime.datetime | None

    @staticmethod
    def resolve_user(obj) -> dict:
        return {"id": obj.user.pk, "username": obj.user.username, "name": str(obj.user)}

    @staticmethod
    def resolve_state(obj) -> str:
        return standing(obj).code


class RevokeIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=200, description="撤销原因（如：手机丢失）")]


# --- the snapshot (contract B) -----------------------------------------------------------------


class FieldSpec(Schema):
    """A typed form field (programs/fields.py); extra keys (min, max, help…) pass through."""

    model_config = {"extra": "allow"}

    key: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: list[list[str]] = []


class SnapshotUser(Schema):
    id: int
    username: str
    name: str
    member_id: int | None


class Abilities(Schema):
    record: bool
    attendance: bool
    visit: bool
    call: bool
    need: bool


class ServiceTypeItem(Schema):
    code: str
    name: str
    category: str
    unit: str
    health: bool
    result_fields: list[FieldSpec]


class NamedItem(Schema):
    id: int
    name: str


class ActivityItem(Schema):
    id: int
    title: str
    served_on: datetime.date
    place: str
    org_id: int
    attendee_type: str | None


class ResidentItem(Schema):
    id: int
    name: str
    search: str
    gender: Literal["男", "女", ""]
    age: int | None
    village: str
    household_id: int | None
    id_masked: str
    phone_masked: str


class HouseholdItem(Schema):
    id: int
    head: str
    village: str


class VisitKindItem(Schema):
    code: str
    name: str
    service_types: list[str]
    fields: list[FieldSpec]


class ProgramItem(Schema):
    code: str
    name: str
    visit_kinds: list[VisitKindItem]


class WorklistItem(Schema):
    enrollment_id: int
    program: str
    program_name: str
    resident_id: int | None
    household_id: int | None
    subject: str
    next_due_on: datetime.date | None
    last_visit_on: datetime.date | None
    state: Literal["overdue", "due", "upcoming"]


class AssignedNeed(Schema):
    id: int
    title: str
    status: str
    resident_id: int | None


class NeedsPart(Schema):
    categories: list[list[str]]
    sources: list[list[str]]
    assigned: list[AssignedNeed]


class HotlinePart(Schema):
    teams: list[NamedItem]
    topics: list[list[str]]
    outcomes: list[list[str]]
    channels: list[list[str]]
    age_groups: list[list[str]]


class SnapshotOut(Schema):
    server_time: datetime.datetime
    today: datetime.date
    max_offline_days: int
    user: SnapshotUser
    can: Abilities
    service_types: list[ServiceTypeItem]
    teams: list[NamedItem]
    activities: list[ActivityItem]
    residents: list[ResidentItem]
    households: list[HouseholdItem]
    programs: list[ProgramItem]
    worklist: list[WorklistItem]
    needs: NeedsPart
    hotline: HotlinePart | None

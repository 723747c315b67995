"""Study, honours and outputs over the API (/api/partylife/): study items (list, get, push,
correct, void), completions (mine, mark done with an idempotency key, take back), honours and
outputs (list, get, record, void).

Reads start from ``scoped()``: a row out of the caller's scope is 404, one in scope that the
caller may only read is 403 on a write. Ids in a body are resolved through ``scoped()``; one
that does not exist or is out of reach is a 422 naming the field. An honour's certificate scan
is uploaded on the page (multipart is not offered here); the API says whether there is one.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.api.types import Date, Id, Pagination, unchanged
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.api_shared import VoidIn, api_errors
from xianfeng.servicelog.api_shared import call_service as _call
from xianfeng.servicelog.selectors import own_member

from . import selectors_honours, selectors_study, services_honours, services_study
from .models import Honour, HonourLevel, Output, StudyCompletion, StudyItem

router = Router(tags=["partylife"])

API_FIELD = {"org": "org_id", "member": "member_id", "item": "study_item_id", "body": "content"}
DENIED = gettext_lazy("不在您可登记的范围内")

StudyKind = Literal[tuple(StudyItem.Kind.values)]  # type: ignore[valid-type]
LevelCode = Literal[tuple(HonourLevel.values)]  # type: ignore[valid-type]
OutputKind = Literal[tuple(Output.Kind.values)]  # type: ignore[valid-type]
Hours = Annotated[Decimal, Field(gt=0, le=Decimal("99.9"), max_digits=4, decimal_places=1, description="学时")]
Year = Annotated[int, Field(ge=2000, le=2100)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Url = Annotated[str, Field(max_length=200)]


def _org(user, org_id: int | None, field: str = "org_id") -> Organization | None:
    if not org_id:
        return None
    org = scoped(user, Organization, VIEW).filter(pk=org_id).first()
    if org is None:
        raise ValidationError({field: [_("未找到该组织（或不在您的权限范围内）")]})
    return org


def _member(user, member_id: int | None) -> Member | None:
    if not member_id:
        return None
    own = own_member(user)
    if own is not None and own.pk == member_id:
        return own
    member = scoped(user, Member, VIEW).filter(pk=member_id).first()
    if member is None:
        raise ValidationError({"member_id": [_("未找到该人员（或不在您的权限范围内）")]})
    return member


# --- study items -------------------------------------------------------------------------------


class StudyItemOut(Schema):
    id: int
    org_id: int
    org_name: str
    kind: str
    title: str
    content: str  # the model's "body": a field named "body" would be lost in the API's error locations
    link: str
    published_on: datetime.date
    due_on: datetime.date | None
    hours: Decimal
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_content(obj) -> str:
        return obj.body

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class StudyItemFilters(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    kind: StudyKind | Literal[""] = ""
    year: Year | None = None
    org_id: Id | None = None
    include_voided: bool = False
    mine: bool = Field(False, description="true：只列推送给我本人的（我的学习）")


class StudyItemIn(Schema):
    org_id: Id
    title: Text100
    kind: StudyKind = "lesson"
    content: Annotated[str, Field(max_length=5000)] = ""
    link: Url = ""
    published_on: Date | None = None
    due_on: Date | None = None
    hours: Hours = Decimal("1.0")


class StudyItemPatch(Schema):
    org_id: Id = unchanged()
    title: Text100 = unchanged()
    kind: StudyKind = unchanged()
    content: Annotated[str, Field(max_length=5000)] = unchanged()
    link: Url = unchanged()
    published_on: Date = unchanged()
    due_on: Date | None = None
    hours: Hours = unchanged()


def _item(user, pk: int) -> StudyItem:
    return scoped(user, StudyItem).select_related("org").get(pk=pk)


@router.get(
    "/study-items/",
    response=list[StudyItemOut],
    summary="学习内容",
    description="调用者可见的学习内容（含上级组织推送的），最新推送的在前；mine=true 只列推送给本人的。",
)
@paginate(Pagination, page_size=100)
def list_study_items(request, filters: Query[StudyItemFilters]):
    user = request.user
    if not can(user, VIEW, StudyItem):
        raise PermissionDenied
    parsed = selectors_study.ItemFilters(
        q=filters.q.strip(), kind=filters.kind, year=filters.year, org=filters.org_id, voided=filters.include_voided
    )
    items = selectors_study.item_list(user, parsed)
    if filters.mine:
        member = own_member(user)
        if member is None:
            return items.none()
        items = items.filter(org__path__in=selectors_study.pushed_paths(member.branch.path))
    return items


@router.post(
    "/study-items/",
    response={201: StudyItemOut},
    summary="推送学习内容",
    description="推送给 org_id 组织及其下级组织的全体党员；学时 0.1–99.9；完成期限不能早于推送日期。",
)
def create_study_item(request, payload: StudyItemIn):
    user = request.user
    if not can(user, CHANGE, StudyItem):
        raise PermissionDenied(_("您没有推送学习内容的权限"))
    item = _call(
        services_study.study_item_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=_org(user, payload.org_id),
        title=payload.title,
        kind=payload.kind,
        body=payload.content,
        link=payload.link,
        published_on=payload.published_on,
        due_on=payload.due_on,
        hours=payload.hours,
    )
    return Status(201, _item(user, item.pk))


@router.get("/study-items/{study_item_id}/", response=StudyItemOut, summary="学习内容详情")
def get_study_item(request, study_item_id: Id):
    get_scoped_or_404(request.user, StudyItem, VIEW, pk=study_item_id)
    return _item(request.user, study_item_id)


@router.patch(
    "/study-items/{study_item_id}/",
    response=StudyItemOut,
    summary="修改学习内容",
    description="只修改请求中给出的字段；已有党员完成的不能更改推送组织。",
)
def update_study_item(request, study_item_id: Id, payload: StudyItemPatch):
    user = request.user
    item = get_scoped_or_404(user, StudyItem, CHANGE, pk=study_item_id)
    sent = payload.dict(exclude_unset=True)
    changes = {("body" if k == "content" else k): v for k, v in sent.items() if k != "org_id"}
    if "org_id" in sent:
        changes["org"] = _org(user, sent["org_id"])
    if changes:
        _call(services_study.study_item_update, names=API_FIELD, denied=DENIED, acting_user=user, item=item, **changes)
    return _item(user, item.pk)


@router.post("/study-items/{study_item_id}/void/", response=StudyItemOut, summary="作废学习内容")
def void_study_item(request, study_item_id: Id, payload: VoidIn):
    user = request.user
    item = get_scoped_or_404(user, StudyItem, CHANGE, pk=study_item_id)
    _call(
        services_study.study_item_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        item=item,
        reason=payload.reason,
    )
    return _item(user, item.pk)


# --- completions -------------------------------------------------------------------------------


class StudyCompletionOut(Schema):
    id: int
    study_item_id: int
    study_item_title: str
    member_id: int
    member_name: str
    completed_on: datetime.date
    hours: Decimal
    note: str

    @staticmethod
    def resolve_study_item_id(obj) -> int:
        return obj.item_id

    @staticmethod
    def resolve_study_item_title(obj) -> str:
        return obj.item.title

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name


class StudyCompleteIn(Schema):
    hours: Hours | None = Field(None, description="默认为该学习内容的学时；不超过其两倍")
    note: Annotated[str, Field(max_length=500)] = ""
    completed_on: Date | None = None
    member_id: Id | None = Field(None, description="代为登记时填写（支部书记、党办）；默认本人")
    idempotency_key: Annotated[str, Field(max_length=64)] = Field(
        "", description="离线重发：已完成时返回 200 和已有记录，而不是 422"
    )


class StudyCompletionFilters(Schema):
    study_item_id: Id | None = None
    year: Year | None = None


def _completion(user, pk: int) -> StudyCompletion:
    return scoped(user, StudyCompletion).select_related("item", "member").get(pk=pk)


@router.post(
    "/study-items/{study_item_id}/complete/",
    response={200: StudyCompletionOut, 201: StudyCompletionOut},
    summary="已学习",
    description=(
        "本人标记已学习（党员只能登记本人的）；支部书记、党办可用 member_id 为本支部党员登记。重复登记返回 422，"
        "带 idempotency_key 的重发返回 200 和已有记录，新建返回 201。"
    ),
)
def complete_study_item(request, study_item_id: Id, payload: StudyCompleteIn):
    user = request.user
    item = get_scoped_or_404(user, StudyItem, VIEW, pk=study_item_id)
    if not can(user, CHANGE, StudyCompletion):
        raise PermissionDenied(_("您没有登记学习的权限"))
    try:
        done = services_study.study_complete(
            acting_user=user,
            item=item,
            member=_member(user, payload.member_id),
            hours=payload.hours,
            note=payload.note,
            completed_on=payload.completed_on,
            idempotency_key=payload.idempotency_key,
        )
    except ValidationError as exc:
        raise api_errors(exc, API_FIELD) from None
    except PermissionDenied:
        raise ValidationError({"member_id": [_("您只能登记自己的学习，或您所管理支部党员的学习")]}) from None
    return Status(201 if done.created else 200, _completion(user, done.completion.pk))


@router.get(
    "/study-completions/",
    response=list[StudyCompletionOut],
    summary="学习记录",
    description="调用者可见的学习记录（党员只见本人的），最近完成的在前。",
)
@paginate(Pagination, page_size=100)
def list_study_completions(request, filters: Query[StudyCompletionFilters]):
    user = request.user
    if not can(user, VIEW, StudyCompletion):
        raise PermissionDenied
    rows = scoped(user, StudyCompletion).select_related("item", "member")
    if filters.study_item_id:
        rows = rows.filter(item_id=filters.study_item_id)
    if filters.year:
        rows = rows.filter(completed_on__year=filters.year)
    return rows.order_by("-completed_on", "-id")


@router.get(
    "/study-completions/mine/",
    response=list[StudyCompletionOut],
    summary="我的学习记录",
    description="本人的学习记录，最近完成的在前。",
)
@paginate(Pagination, page_size=100)
def my_study_completions(request):
    user = request.user
    member = own_member(user)
    if member is None:
        return scoped(user, StudyCompletion).none()
    return (
        scoped(user, StudyCompletion).filter(member=member).select_related("item", "member").order_by("-completed_on")
    )


@router.post(
    "/study-completions/{study_completion_id}/undo/",
    response={204: None},
    summary="撤销学习记录",
    description="误登记时撤销（本人的，或所管理支部党员的）；变更日志保留原记录。",
)
def undo_study_completion(request, study_completion_id: Id):
    user = request.user
    completion = get_scoped_or_404(user, StudyCompletion, CHANGE, pk=study_completion_id)
    _call(services_study.study_uncomplete, names=API_FIELD, denied=DENIED, acting_user=user, completion=completion)
    return Status(204, None)


# --- honours and outputs -------------------------------------------------------------------------


class HonourOut(Schema):
    id: int
    org_id: int
    org_name: str
    member_id: int | None
    member_name: str
    title: str
    level: str
    issuer: str
    awarded_on: datetime.date
    has_certificate: bool
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name if obj.member_id else ""

    @staticmethod
    def resolve_has_certificate(obj) -> bool:
        return bool(obj.certificate)

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class HonourFilters(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    level: LevelCode | Literal[""] = ""
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    org_id: Id | None = Field(None, description="该组织及其下级组织的")
    include_voided: bool = False


class HonourIn(Schema):
    org_id: Id | None = Field(None, description="授予组织时填写（与 member_id 二选一）")
    member_id: Id | None = Field(None, description="授予个人时填写（与 org_id 二选一）")
    title: Text100
    level: LevelCode
    issuer: Text100
    awarded_on: Date


def _honour(user, pk: int) -> Honour:
    return scoped(user, Honour).select_related("org", "member").get(pk=pk)


@router.get("/honours/", response=list[HonourOut], summary="荣誉", description="最新授予的在前。")
@paginate(Pagination, page_size=100)
def list_honours(request, filters: Query[HonourFilters]):
    if not can(request.user, VIEW, Honour):
        raise PermissionDenied
    parsed = selectors_honours.HonourFilters(
        q=filters.q.strip(), level=filters.level, year=filters.year, org=filters.org_id, voided=filters.include_voided
    )
    return selectors_honours.honour_list(request.user, parsed)


@router.post(
    "/honours/",
    response={201: HonourOut},
    summary="登记荣誉",
    description="授予组织（org_id）或个人（member_id），二选一；授予日期不能晚于今天。证书扫描件请在页面上传。",
)
def create_honour(request, payload: HonourIn):
    user = request.user
    if not can(user, CHANGE, Honour):
        raise PermissionDenied(_("您没有登记荣誉的权限"))
    honour = _call(
        services_honours.honour_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=_org(user, payload.org_id),
        member=_member(user, payload.member_id),
        title=payload.title,
        level=payload.level,
        issuer=payload.issuer,
        awarded_on=payload.awarded_on,
    )
    return Status(201, _honour(user, honour.pk))


@router.get("/honours/{honour_id}/", response=HonourOut, summary="荣誉详情")
def get_honour(request, honour_id: Id):
    get_scoped_or_404(request.user, Honour, VIEW, pk=honour_id)
    return _honour(request.user, honour_id)


@router.post("/honours/{honour_id}/void/", response=HonourOut, summary="作废荣誉")
def void_honour(request, honour_id: Id, payload: VoidIn):
    user = request.user
    honour = get_scoped_or_404(user, Honour, CHANGE, pk=honour_id)
    _call(
        services_honours.honour_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        honour=honour,
        reason=payload.reason,
    )
    return _honour(user, honour.pk)


class OutputOut(Schema):
    id: int
    org_id: int
    org_name: str
    kind: str
    title: str
    issue_no: str
    published_on: datetime.date
    link: str
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.is_voided


class OutputFilters(Schema):
    q: Annotated[str, Field(max_length=50)] = ""
    kind: OutputKind | Literal[""] = ""
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    org_id: Id | None = Field(None, description="该组织及其下级组织的")
    include_voided: bool = False


class OutputIn(Schema):
    org_id: Id
    kind: OutputKind
    title: Annotated[str, Field(min_length=1, max_length=150)]
    issue_no: Annotated[str, Field(max_length=20)] = Field("", description="院刊期号（院刊必填，同一组织不重复）")
    published_on: Date
    link: Url = ""


def _output(user, pk: int) -> Output:
    return scoped(user, Output).select_related("org").get(pk=pk)


@router.get("/outputs/", response=list[OutputOut], summary="党建成果", description="院刊期号、文章、公众号推送、视频。")
@paginate(Pagination, page_size=100)
def list_outputs(request, filters: Query[OutputFilters]):
    if not can(request.user, VIEW, Output):
        raise PermissionDenied
    parsed = selectors_honours.HonourFilters(
        q=filters.q.strip(), kind=filters.kind, year=filters.year, org=filters.org_id, voided=filters.include_voided
    )
    return selectors_honours.output_list(request.user, parsed)


@router.post("/outputs/", response={201: OutputOut}, summary="登记党建成果")
def create_output(request, payload: OutputIn):
    user = request.user
    if not can(user, CHANGE, Output):
        raise PermissionDenied(_("您没有登记党建成果的权限"))
    output = _call(
        services_honours.output_create,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        org=_org(user, payload.org_id),
        kind=payload.kind,
        title=payload.title,
        issue_no=payload.issue_no,
        published_on=payload.published_on,
        link=payload.link,
    )
    return Status(201, _output(user, output.pk))


@router.get("/outputs/{output_id}/", response=OutputOut, summary="党建成果详情")
def get_output(request, output_id: Id):
    get_scoped_or_404(request.user, Output, VIEW, pk=output_id)
    return _output(request.user, output_id)


@router.post("/outputs/{output_id}/void/", response=OutputOut, summary="作废党建成果")
def void_output(request, output_id: Id, payload: VoidIn):
    user = request.user
    output = get_scoped_or_404(user, Output, CHANGE, pk=output_id)
    _call(
        services_honours.output_void,
        names=API_FIELD,
        denied=DENIED,
        acting_user=user,
        output=output,
        reason=payload.reason,
    )
    return _output(user, output.pk)

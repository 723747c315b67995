"""The service-type catalogue over the API (mounted on the service log's router in api.py)."""

from ninja import Router, Schema

from xianfeng.accounts.scoping import scoped

from .models import ServiceType

router = Router()


class ResultFieldOut(Schema):
    """One typed result field of a type (servicelog.rules.clean_result validates records against it)."""

    key: str
    label: str
    kind: str
    required: bool = False
    choices: list[list[str]] = []
    min: int | None = None
    max: int | None = None
    max_length: int | None = None


class ServiceTypeOut(Schema):
    code: str
    name: str
    category: str
    category_label: str
    unit: str
    counts_person_time: bool
    subject: str
    subject_label: str
    sensitivity: int
    sensitivity_label: str
    default_hours: float
    result_fields: list[ResultFieldOut]
    description: str
    active: bool

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_subject_label(obj) -> str:
        return str(obj.get_subject_display())

    @staticmethod
    def resolve_sensitivity_label(obj) -> str:
        return str(obj.get_sensitivity_display())

    @staticmethod
    def resolve_result_fields(obj) -> list[dict]:
        fields = []
        for spec in obj.result_fields or []:
            spec = dict(spec)
            spec["choices"] = [[str(code), str(text)] for code, text in spec.get("choices", [])]
            fields.append(spec)
        return fields


# The catalogue belongs to the data area "servicetypes" (access_expectations.md 表七: reference data
# everyone signed in reads), not to "servicelog": the operation id says so, and the access matrix
# reads the area from it. Health types are listed too: a catalogue is not personal data.
@router.get(
    "/types/",
    response=list[ServiceTypeOut],
    operation_id="xianfeng_servicetypes_api_list_service_types",
    summary="服务类型目录",
    description=(
        "所有启用的服务类型（`include_inactive=true` 时含已停用的），按目录顺序。"
        "登记服务记录时以 `code` 指定类型；`unit` 是该类型唯一接受的计量单位；"
        "`subject` 说明是否须指定居民或户；`sensitivity` 为 2 的是健康类服务，"
        "只有持健康权限的角色能登记和查看其记录；`result_fields` 是该类型的结果项"
        "（kind：choice、integer、decimal、text、boolean）。目录是公开参考数据，所有登录用户可读。"
    ),
)
def list_service_types(request, include_inactive: bool = False):
    types = scoped(request.user, ServiceType)
    if not include_inactive:
        types = types.filter(active=True)
    return types.order_by("sort_order", "code")

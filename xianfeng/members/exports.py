"""Member lists to xlsx: ID numbers and phones masked unless the user may reveal them (logged)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response
from xianfeng.core.masking import mask_id_number, mask_phone
from xianfeng.core.personal import personal_export_allowed, personal_export_log

from .models import Member


def member_columns(*, reveal: bool) -> list[ExportColumn]:
    def identifier(m: Member) -> str:
        # Volunteers are identified by their volunteer number on anything printed.
        if m.volunteer_no:
            return m.volunteer_no
        return m.id_number if reveal else mask_id_number(m.id_number)

    return [
        ExportColumn(_("姓名"), lambda m: m.name),
        ExportColumn(_("性别"), lambda m: m.get_gender_display()),
        ExportColumn(_("民族"), lambda m: m.ethnicity),
        ExportColumn(_("出生日期"), lambda m: m.birth_date),
        ExportColumn(_("身份证号/志愿者编号"), identifier),
        ExportColumn(_("手机号"), lambda m: m.phone, personal=True, mask=mask_phone),
        ExportColumn(_("学历"), lambda m: m.get_education_display()),
        ExportColumn(_("职称/职务"), lambda m: m.title),
        ExportColumn(_("科室/单位"), lambda m: m.department),
        ExportColumn(_("所属支部/组织"), lambda m: m.branch.name),
        ExportColumn(_("人员类别"), lambda m: m.get_category_display()),
        ExportColumn(_("政治面貌"), lambda m: m.get_party_stage_display()),
        ExportColumn(_("下一步"), lambda m: m.get_next_step_display()),
        ExportColumn(_("截止日期"), lambda m: m.next_due_on),
    ]


def member_export_response(*, user, members, reveal: bool, reason: str = ""):
    if not personal_export_allowed(user, Member, reveal=reveal):
        raise PermissionDenied(_("您没有导出此名单（或导出完整身份信息）的权限"))
    if reveal and not reason.strip():
        raise PermissionDenied(_("导出完整身份信息须填写事由"))
    content, count = xlsx_bytes(
        members.iterator(chunk_size=500), member_columns(reveal=reveal), reveal=reveal, sheet_title=_("人员名单")
    )
    personal_export_log(
        acting_user=user,
        model=Member,
        row_count=count,
        reveal=reveal,
        fields=["id_number", "phone"],
        reason=reason,
        description=_("人员名单"),
    )
    return xlsx_response(content, f"人员名单-{timezone.localdate():%Y%m%d}.xlsx")

"""Member lists to xlsx: ID numbers and phones masked, except (on request, with a reason) on
the rows the user may reveal; every export is logged (accounts.personal)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export
from xianfeng.core.exports import ExportColumn
from xianfeng.core.masking import mask_id_number, mask_phone

from .identity import VOLUNTEER_PREFIX
from .models import Member


def _mask_identifier(value: str) -> str:
    # Volunteers are identified by their volunteer number on anything printed: it is public.
    return value if value.startswith(VOLUNTEER_PREFIX) else mask_id_number(value)


def member_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("姓名"), lambda m: m.name),
        ExportColumn(_("性别"), lambda m: m.get_gender_display()),
        ExportColumn(_("民族"), lambda m: m.ethnicity),
        ExportColumn(_("出生日期"), lambda m: m.birth_date),
        ExportColumn(
            _("身份证号/志愿者编号"), lambda m: m.volunteer_no or m.id_number, personal=True, mask=_mask_identifier
        ),
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
    """``members``: a queryset; personal_export narrows it to the export scope and unmasks only
    the rows within the reveal scope."""
    return personal_export(
        acting_user=user,
        model=Member,
        rows=members,
        columns=member_columns(),
        reveal=reveal,
        fields=["id_number", "phone"],
        filename=f"人员名单-{timezone.localdate():%Y%m%d}.xlsx",
        sheet_title=_("人员名单"),
        reason=reason,
        description=_("人员名单"),
    )

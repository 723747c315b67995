"""Team rosters to xlsx. Members are identified by volunteer number or a masked ID number."""

from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_export
from xianfeng.core.exports import ExportColumn
from xianfeng.members.models import Member

from .models import TeamMembership


def roster_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("姓名"), lambda m: m.member.name),
        ExportColumn(_("性别"), lambda m: m.member.get_gender_display()),
        ExportColumn(_("身份证号/志愿者编号"), lambda m: m.member.public_id),
        ExportColumn(_("所属组织"), lambda m: m.member.branch.name),
        ExportColumn(_("科室/单位"), lambda m: m.member.department),
        ExportColumn(_("职称/职务"), lambda m: m.member.title),
        ExportColumn(_("角色"), lambda m: m.get_role_display()),
        ExportColumn(_("起始日期"), lambda m: m.start_on),
        ExportColumn(_("结束日期"), lambda m: m.end_on),
        ExportColumn(_("结束原因"), lambda m: m.end_reason),
    ]


def roster_export_response(*, user, team, memberships, on_date=None):
    suffix = f"{on_date:%Y%m%d}名册" if on_date else _("全部成员记录")
    return personal_export(
        acting_user=user,
        model=TeamMembership,
        rows=memberships,  # narrowed to the export scope by personal_export
        columns=roster_columns(),
        reveal=False,
        person_model=Member,
        person_id=lambda m: m.member_id,
        fields=["id_number"],
        filename=f"{team.name}-{suffix}.xlsx",
        sheet_title=team.name,
        description=f"{team.name} {suffix}",
    )

"""Applications to join the party received on the front line (issue 13 §6): the 递交入党申请书 step
of the membership pipeline, recorded through ``members.services.party_step_record`` (whose rules
and errors apply), and a FrontLineApplication linking it to the emergency. Permission: members
修改 over the applicant (the FrontLineApplication's area is "members")."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.services import party_step_record

from .models import Emergency, FrontLineApplication

# The pipeline's error keys as the application form names them.
FIELD_OF = {"step": "member", "on_date": "applied_on", "__all__": "__all__"}
MAX_LETTER = 10000


@transaction.atomic
def application_receive(
    *,
    acting_user,
    emergency: Emergency,
    member: Member,
    applied_on: datetime.date,
    letter: str = "",
) -> FrontLineApplication:
    """Record a 火线入党申请: the pipeline's first step for a non-party member, marked as made
    during this emergency."""
    if not scoped(acting_user, Emergency, VIEW).filter(pk=emergency.pk).exists():
        raise ValidationError({"emergency": _("未找到该应急事件（或不在您的权限范围内）")})
    emergency = Emergency.objects.get(pk=emergency.pk)
    if member is None or not scoped(acting_user, Member, VIEW).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("未找到该人员（或不在您的权限范围内）")})
    member = Member.objects.select_related("branch").get(pk=member.pk)
    ensure_in_scope(acting_user, member, CHANGE)
    if applied_on is None:
        raise ValidationError({"applied_on": _("请填写申请日期")})
    if applied_on < emergency.start_on or (emergency.end_on is not None and applied_on > emergency.end_on):
        raise ValidationError({"applied_on": _("申请日期须在应急事件期间（%(s)s 起）") % {"s": emergency.start_on}})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": _("申请日期不能晚于今天")})
    if member.party_stage != Stage.NONE:
        raise ValidationError(
            {
                "member": _("%(m)s 当前为“%(s)s”，不是群众，不能再递交入党申请")
                % {"m": member.name, "s": member.get_party_stage_display()}
            }
        )
    if FrontLineApplication.objects.filter(emergency=emergency, member=member).exists():
        raise ValidationError({"member": _("%(m)s 在本次应急事件中的入党申请已登记") % {"m": member.name}})
    letter = (letter or "").strip()
    if len(letter) > MAX_LETTER:
        raise ValidationError({"letter": _("申请书最长 %(n)d 字") % {"n": MAX_LETTER}})
    try:
        step = party_step_record(
            acting_user=acting_user,
            member=member,
            step=Step.APPLY,
            on_date=applied_on,
            note=_("火线入党申请（%(e)s）") % {"e": emergency.name[:60]},
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError({FIELD_OF.get(k, k): v for k, v in exc.message_dict.items()}) from None
        raise
    application = FrontLineApplication(
        emergency=emergency, member=member, step=step, letter=letter, created_by=acting_user
    )
    application.full_clean(exclude=["emergency", "member", "step", "created_by"])
    application.save()
    ensure_in_scope(acting_user, application, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=application,
        after=snapshot(application, exclude=("letter",)),
    )
    return application

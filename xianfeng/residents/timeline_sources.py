"""The residents app's own timeline sources: registration, changes, tags, consents, merges."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog

from .models import Resident, ResidentMerge
from .timeline import TimelineEvent, register_timeline_source


@register_timeline_source
def changes(*, user, resident):
    logs = ChangeLog.objects.filter(model=Resident._meta.label, object_id=str(resident.pk)).select_related("user")
    for log in logs[:100]:
        fields = [name for name, _before, _after in log.changed_fields] if log.action == "update" else []
        yield TimelineEvent(
            at=log.at,
            kind="change",
            title=log.get_action_display(),
            detail=(log.note or "") + (("：" + "、".join(fields)) if fields else ""),
            icon="pencil",
            actor=str(log.user or _("系统")),
        )
    if not logs.filter(action=ChangeLog.Action.CREATE).exists():
        yield TimelineEvent(at=resident.created_at, kind="change", title=_("登记（批量导入）"), icon="person-plus")


@register_timeline_source
def tags(*, user, resident):
    for tag in resident.tags.all():
        if tag.valid_from:
            yield TimelineEvent(
                at=tag.valid_from, kind="tag", title=_("纳入：%(t)s") % {"t": tag}, icon="tag", detail=tag.note
            )
        if tag.valid_to:
            yield TimelineEvent(at=tag.valid_to, kind="tag", title=_("结束：%(t)s") % {"t": tag}, icon="tag")


@register_timeline_source
def consents(*, user, resident):
    for consent in resident.consents.select_related("recorded_by"):
        verb = _("同意") if consent.granted else _("撤回同意")
        yield TimelineEvent(
            at=consent.on_date,
            kind="consent",
            title=f"{verb}：{consent.get_kind_display()}",
            detail=f"{consent.get_method_display()} {consent.note}".strip(),
            icon="file-earmark-check",
            actor=str(consent.recorded_by or ""),
        )


@register_timeline_source
def merges(*, user, resident):
    for merge in ResidentMerge.objects.filter(Q(keeper=resident) | Q(merged=resident)).select_related(
        "keeper", "merged", "created_by"
    ):
        yield TimelineEvent(
            at=merge.created_at,
            kind="merge",
            title=_("合并重复记录：%(m)s → %(k)s") % {"m": merge.merged, "k": merge.keeper},
            detail=(_("已撤销") if merge.undone_at else merge.reason),
            icon="union",
            actor=str(merge.created_by or ""),
            url=reverse(
                "residents:detail", args=[merge.merged_id if merge.keeper_id == resident.pk else merge.keeper_id]
            ),
        )

"""The residents app's own timeline sources: registration, changes, tags, consents, merges.

Health groups (HEALTH_TAGS) appear only to users who may see the resident's health data;
a merge names the other record only if the user may view it.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog

from . import selectors
from .models import HEALTH_TAGS, Resident, ResidentMerge, ResidentTagKind
from .timeline import TimelineEvent, register_timeline_source


def _health_labels() -> list[str]:
    return [str(label) for value, label in ResidentTagKind.choices if value in HEALTH_TAGS]


def _health_visible(user, resident) -> bool:
    if "health_visible" not in resident.__dict__:
        selectors.mark_health_visibility(user=user, resident=resident)
    return resident.health_visible


def _note(note: str, health_visible: bool) -> str:
    """A change note, with a health group's name withheld from users who may not see it."""
    if note and not health_visible and any(label in note for label in _health_labels()):
        return str(_("人群分类变更（健康信息，无权查看）"))
    return note or ""


@register_timeline_source
def changes(*, user, resident):
    health_visible = _health_visible(user, resident)
    logs = ChangeLog.objects.filter(model=Resident._meta.label, object_id=str(resident.pk)).select_related("user")
    for log in logs[:100]:
        fields = [name for name, _before, _after in log.changed_fields] if log.action == "update" else []
        yield TimelineEvent(
            at=log.at,
            kind="change",
            title=log.get_action_display(),
            detail=_note(log.note, health_visible) + (("：" + "、".join(fields)) if fields else ""),
            icon="pencil",
            actor=str(log.user or _("系统")),
        )
    if not logs.filter(action=ChangeLog.Action.CREATE).exists():
        yield TimelineEvent(at=resident.created_at, kind="change", title=_("登记（批量导入）"), icon="person-plus")


@register_timeline_source
def tags(*, user, resident):
    health_visible = _health_visible(user, resident)
    for tag in resident.tags.all():
        if tag.tag in HEALTH_TAGS and not health_visible:
            continue
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
    found = list(
        ResidentMerge.objects.filter(Q(keeper=resident) | Q(merged=resident)).select_related(
            "keeper", "merged", "created_by"
        )
    )
    others = {m.merged_id if m.keeper_id == resident.pk else m.keeper_id for m in found}
    visible = selectors.visible_resident_ids(user=user, ids=others) if others else set()
    for merge in found:
        other = merge.merged_id if merge.keeper_id == resident.pk else merge.keeper_id
        if other in visible:
            title = _("合并重复记录：%(m)s → %(k)s") % {"m": merge.merged, "k": merge.keeper}
            url = reverse("residents:detail", args=[other])
        else:
            title = _("合并重复记录（另一条记录不在您的权限范围内）")
            url = ""
        yield TimelineEvent(
            at=merge.created_at,
            kind="merge",
            title=title,
            detail=(_("已撤销") if merge.undone_at else merge.reason),
            icon="union",
            actor=str(merge.created_by or ""),
            url=url,
        )

"""Merging a duplicate resident into the record kept, and undoing it.

Every row of every model that points at the duplicate (in this app or any later one:
service records, enrollments...) is moved to the record kept. The merge row remembers
exactly which rows moved and which empty fields of the kept record were filled, so an
undo puts everything back. The duplicate's own row stays, marked ``merged_into``.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from .models import Resident, ResidentMerge
from .services import resident_snapshot

FILLABLE = ("gender", "birth_date", "phone", "address", "household", "relation")
_NOT_MOVED = {(ResidentMerge, "keeper"), (ResidentMerge, "merged"), (Resident, "merged_into")}


def linked_relations() -> list[tuple[type, str]]:
    """(model, foreign key name) for every foreign key to Resident, auto M2M tables included."""
    found = []
    for rel in Resident._meta.get_fields(include_hidden=True):
        if not (rel.one_to_many or rel.one_to_one) or not rel.auto_created or rel.concrete:
            continue
        key = (rel.related_model, rel.field.name)
        if key not in _NOT_MOVED:
            found.append(key)
    return found


def _key(model, field: str) -> str:
    return f"{model._meta.label}.{field}"


def _empty(value) -> bool:
    return value in (None, "")


@transaction.atomic
def resident_merge(*, acting_user, keeper: Resident, duplicate: Resident, reason: str = "") -> ResidentMerge:
    keeper = Resident.objects.select_for_update().get(pk=keeper.pk)
    duplicate = Resident.objects.select_for_update().get(pk=duplicate.pk)
    ensure_in_scope(acting_user, keeper, CHANGE)
    ensure_in_scope(acting_user, duplicate, CHANGE)
    if keeper.pk == duplicate.pk:
        raise ValidationError(_("不能把记录合并到它自己"))
    if keeper.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("其中一条记录已被合并过"))
    if keeper.id_number and duplicate.id_number:
        raise ValidationError(_("两条记录的身份证号不同，是不同的人，不能合并"))
    if duplicate.id_number and not keeper.id_number:
        raise ValidationError(_("请保留有身份证号的那条记录（把无身份证号的记录合并进来）"))
    moved: dict[str, list] = {}
    for model, field in linked_relations():
        rows = model._base_manager.filter(**{field: duplicate})
        pks = list(rows.values_list("pk", flat=True))
        if pks:
            model._base_manager.filter(pk__in=pks).update(**{field: keeper})
            moved[_key(model, field)] = pks
    before = resident_snapshot(keeper)
    filled = []
    for field in FILLABLE:
        attname = Resident._meta.get_field(field).attname
        if _empty(getattr(keeper, attname)) and not _empty(getattr(duplicate, attname)):
            setattr(keeper, attname, getattr(duplicate, attname))
            filled.append(field)
    if filled:
        keeper.save()
    duplicate.merged_into = keeper
    duplicate.save(update_fields=["merged_into", "updated_at"])
    merge = ResidentMerge.objects.create(
        keeper=keeper, merged=duplicate, moved=moved, filled=filled, reason=reason[:200], created_by=acting_user
    )
    ensure_in_scope(acting_user, keeper, CHANGE)
    note = _("合并重复记录 #%(d)s（%(n)s）") % {"d": duplicate.pk, "n": duplicate.name}
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.MERGE,
        obj=keeper,
        before=before,
        after=resident_snapshot(keeper),
        note=f"{note} {reason}".strip(),
    )
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.MERGE,
        obj=duplicate,
        note=_("已合并到 #%(k)s（%(n)s）") % {"k": keeper.pk, "n": keeper.name},
    )
    return merge


@transaction.atomic
def resident_merge_undo(*, acting_user, merge: ResidentMerge) -> ResidentMerge:
    merge = ResidentMerge.objects.select_for_update().get(pk=merge.pk)
    keeper = Resident.objects.select_for_update().get(pk=merge.keeper_id)
    duplicate = Resident.objects.select_for_update().get(pk=merge.merged_id)
    ensure_in_scope(acting_user, keeper, CHANGE)
    if merge.undone_at is not None:
        raise ValidationError(_("该合并已撤销"))
    for key, pks in merge.moved.items():
        label, field = key.rsplit(".", 1)
        model = apps.get_model(label)
        # Only rows still on the kept record go back; rows moved elsewhere since stay put.
        model._base_manager.filter(pk__in=pks, **{field: keeper}).update(**{field: duplicate})
    before = resident_snapshot(keeper)
    for field in merge.filled:
        attname = Resident._meta.get_field(field).attname
        if getattr(keeper, attname) == getattr(duplicate, attname):  # unless edited since
            setattr(keeper, attname, None if field in ("birth_date", "household") else "")
    keeper.save()
    duplicate.merged_into = None
    duplicate.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    ensure_in_scope(acting_user, duplicate, CHANGE)
    for obj in (keeper, duplicate):
        changelog_write(
            actor=acting_user,
            action=ChangeLog.Action.MERGE,
            obj=obj,
            before=before if obj is keeper else None,
            after=resident_snapshot(obj) if obj is keeper else None,
            note=_("撤销合并：#%(d)s 与 #%(k)s 恢复为两条记录") % {"d": duplicate.pk, "k": keeper.pk},
        )
    return merge

"""Writes to the organization tree. Every function checks scope inside its transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.models import forget_org_scopes
from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.text import normalize_name, pinyin_initials

from . import rules
from .models import PATH_SEPARATOR, Organization, path_segment


def _check_parent(org: Organization | None, parent: Organization | None, *, kind: str) -> None:
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": _("上级组织“%(name)s”已撤销，不能作为上级") % {"name": parent.name}})
    if parent is not None and org is not None and org.pk and parent.path.startswith(org.path):
        raise ValidationError({"parent": _("不能把组织移到它自己或它的下级组织之下（会形成循环）")})
    rules.check_parent_kind(kind, parent)  # a 党支部 under a 党委 or 党总支 only, etc.


def _set_search_fields(org: Organization) -> None:
    org.name_norm = normalize_name(org.name)[:100]
    org.name_initials = pinyin_initials(org.name)[:50]


@transaction.atomic
def org_create(
    *,
    acting_user,
    name: str,
    kind: str,
    parent: Organization | None = None,
    short_name: str = "",
    active_from: datetime.date | None = None,
    description: str = "",
    regions=(),
    partners=(),
) -> Organization:
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    _check_parent(None, parent, kind=kind)
    org = Organization(
        name=name.strip(),
        short_name=short_name.strip(),
        kind=kind,
        parent=parent,
        active_from=active_from or timezone.localdate(),
        description=description,
        created_by=acting_user,
        path="pending",
    )
    _set_search_fields(org)
    org.full_clean(exclude=["path"])
    org.save()
    org.path = (parent.path if parent else PATH_SEPARATOR) + path_segment(org.pk)
    org.save(update_fields=["path"])
    org.regions.set(regions)
    org.partners.set(partners)
    ensure_in_scope(acting_user, org, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=org, after=_org_snapshot(org))
    return org


def _org_snapshot(org: Organization) -> dict:
    data = snapshot(org, exclude=("name_norm", "name_initials"))
    data["regions"] = sorted(org.regions.values_list("code", flat=True))
    data["partners"] = sorted(org.partners.values_list("pk", flat=True))
    return data


@transaction.atomic
def org_update(*, acting_user, org: Organization, regions=None, partners=None, **changes) -> Organization:
    allowed = {"name", "short_name", "kind", "active_from", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"org_update cannot change {sorted(unknown)}; use org_move or org_dissolve")
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(acting_user, org, CHANGE)
    before = _org_snapshot(org)
    if "kind" in changes and changes["kind"] != org.kind:
        rules.check_parent_kind(changes["kind"], org.parent, field="kind")
        rules.check_children_kinds(changes["kind"], set(org.children.values_list("kind", flat=True)))
    for field, value in changes.items():
        setattr(org, field, value.strip() if isinstance(value, str) and field != "description" else value)
    _set_search_fields(org)
    org.full_clean()
    org.save()
    if regions is not None:
        org.regions.set(regions)
    if partners is not None:
        org.partners.set([p for p in partners if p.pk != org.pk])
    ensure_in_scope(acting_user, org, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=org, before=before, after=_org_snapshot(org))
    return org


@transaction.atomic
def org_move(*, acting_user, org: Organization, new_parent: Organization | None) -> Organization:
    """Re-hang ``org`` and its whole subtree under ``new_parent`` in one UPDATE."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(acting_user, org, CHANGE)
    if new_parent is not None:
        new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    _check_parent(org, new_parent, kind=org.kind)
    if not org.is_active:
        raise ValidationError(_("已撤销的组织不能移动"))
    before = _org_snapshot(org)
    old_path = org.path
    new_path = (new_parent.path if new_parent else PATH_SEPARATOR) + path_segment(org.pk)
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    forget_org_scopes()  # queryset updates send no signal: cached grants hold the old paths
    org.refresh_from_db()
    # Re-checked after the write: nobody may move an org out of their own scope.
    ensure_in_scope(acting_user, org, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.MOVE,
        obj=org,
        before=before,
        after=_org_snapshot(org),
        note=_("移至 %(parent)s") % {"parent": new_parent.name if new_parent else _("顶层")},
    )
    return org


@transaction.atomic
def org_dissolve(*, acting_user, org: Organization, on_date: datetime.date, reason: str) -> Organization:
    """End an organization (a temporary branch after its mission). Its history stays."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(acting_user, org, CHANGE)
    if org.active_to is not None:
        raise ValidationError(_("该组织已于 %(date)s 撤销") % {"date": org.active_to})
    if on_date < org.active_from:
        raise ValidationError({"active_to": _("撤销日期不能早于成立日期 %(date)s") % {"date": org.active_from}})
    active_children = org.children.filter(active_to__isnull=True)
    if active_children.exists():
        # Name only the children the user may see: an 本组织 grant does not reach them.
        visible = scoped(acting_user, active_children, VIEW)
        names = list(visible.values_list("name", flat=True)[:5])
        hidden = active_children.count() - visible.count()
        if hidden:
            names.append(_("另有 %(n)s 个不在您权限范围内的下级组织") % {"n": hidden})
        raise ValidationError(_("请先撤销或转移下级组织：%(names)s") % {"names": "、".join(names)})
    if not reason.strip():
        raise ValidationError({"dissolve_reason": _("请填写撤销原因")})
    before = _org_snapshot(org)
    org.active_to = on_date
    org.dissolve_reason = reason.strip()
    org.full_clean()
    org.save(update_fields=["active_to", "dissolve_reason", "updated_at"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.DISSOLVE,
        obj=org,
        before=before,
        after=_org_snapshot(org),
        note=reason,
    )
    return org

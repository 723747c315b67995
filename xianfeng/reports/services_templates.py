"""Writes to narrative report templates (administrators only: a template decides what a superior
reads). Placeholders are checked on save as they are on rendering: an unknown name, personal
data (a name, ID number or phone placeholder, or such a value typed in) is refused."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, can, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot

from .models import ReportTemplate
from .narrative import check_template

FIELDS = ("name", "kind", "title", "body", "is_default", "active")


def _check(acting_user, template: ReportTemplate) -> None:
    if not can(acting_user, CHANGE, ReportTemplate):
        raise PermissionDenied(_("只有系统管理员可以编辑报告模板"))
    template.name = template.name.strip()
    template.title = template.title.strip()
    errors = check_template(template.title, template.body)
    if errors:
        raise ValidationError(errors)
    template.full_clean()


def _one_default(template: ReportTemplate) -> None:
    """A single default template: the one the report page and the Word job open first."""
    if template.is_default:
        ReportTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(is_default=False)


@transaction.atomic
def template_create(
    *,
    acting_user,
    name: str,
    title: str,
    body: str,
    kind: str = ReportTemplate.Kind.SUMMARY,
    is_default: bool = False,
    active: bool = True,
) -> ReportTemplate:
    template = ReportTemplate(
        name=name, kind=kind, title=title, body=body, is_default=is_default, active=active, updated_by=acting_user
    )
    _check(acting_user, template)
    template.save()
    _one_default(template)
    ensure_in_scope(acting_user, template, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=template, after=snapshot(template))
    return template


@transaction.atomic
def template_update(*, acting_user, template: ReportTemplate, **changes) -> ReportTemplate:
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"template_update cannot change {sorted(unknown)}")
    template = ReportTemplate.objects.select_for_update().get(pk=template.pk)
    ensure_in_scope(acting_user, template, CHANGE)
    before = snapshot(template)
    for name, value in changes.items():
        setattr(template, name, value)
    template.updated_by = acting_user
    _check(acting_user, template)
    template.save()
    _one_default(template)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=template, before=before, after=snapshot(template)
    )
    return template

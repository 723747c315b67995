"""Writes of honours and outputs (issue 13 §5; DESIGN.md §4.1).

- An honour goes to an organization or to a member, exactly one; it is kept by ``org``: the
  recipient organization, or the member's branch. The certificate scan (a photo or a PDF, checked
  by its content like an activity's evidence) is stored encrypted at rest (core/filecrypt.py).
- An output is what an organization publishes: the hospital magazine's issues (期号 required,
  one per number), articles, 公众号 pushes, videos.
Both need "partylife.change" over their organization, are corrected while live and voided with
a reason, never deleted.
"""

import datetime
import io
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core import filecrypt
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog import evidence
from xianfeng.servicelog.voiding import void

from .models import Honour, Output

HONOUR_EDITABLE = {"org", "member", "title", "level", "issuer", "awarded_on"}
OUTPUT_EDITABLE = {"org", "kind", "title", "issue_no", "published_on", "link"}


def _honour_snapshot(honour: Honour) -> dict:
    return snapshot(honour, exclude=("certificate",))


def _recipient(acting_user, org, member) -> tuple[Organization, Member | None]:
    """(org kept for scope, member): exactly one recipient."""
    if (org is None) == (member is None):
        raise ValidationError({"org": _("请选择获奖的组织或个人（二选一）")})
    if member is not None:
        member = scoped(acting_user, Member, VIEW).select_related("branch").filter(pk=member.pk).first()
        if member is None:
            raise ValidationError({"member": _("未找到该人员（或不在您的权限范围内）")})
        return member.branch, member
    if not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    return org, None


def _check_date(value: datetime.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天")})


def _store_certificate(honour: Honour, certificate, stored: list) -> None:
    """Check the scan by its content and store it encrypted (the name kept for the download)."""
    data = certificate.read(evidence.MAX_ATTACHMENT_BYTES + 1)
    try:
        checked = evidence.check_upload(getattr(certificate, "name", "") or "certificate", data)
    except ValidationError as exc:
        raise ValidationError({"certificate": exc.messages}) from None
    if checked.suffix not in (".pdf", ".jpg", ".jpeg", ".png", ".webp"):
        raise ValidationError({"certificate": _("证书扫描件请上传照片（JPG、PNG）或 PDF")})
    filecrypt.store_encrypted(honour.certificate, f"{secrets.token_hex(16)}.enc", io.BytesIO(checked.data))
    stored.append(honour.certificate.name)
    honour.certificate_name = checked.name


def _cleanup_on_error(stored: list) -> None:
    for name in stored:
        Honour.certificate.field.storage.delete(name)


def _clean_honour(honour: Honour) -> None:
    honour.title = (honour.title or "").strip()
    honour.issuer = (honour.issuer or "").strip()
    _check_date(honour.awarded_on, "awarded_on")
    honour.full_clean(exclude=["org", "member", "certificate", "created_by", "voided_by"])


def honour_create(
    *,
    acting_user,
    title: str,
    level: str,
    issuer: str,
    awarded_on: datetime.date,
    org: Organization | None = None,
    member: Member | None = None,
    certificate=None,
) -> Honour:
    """Record an honour to ``org`` or to ``member`` (one of the two), with its certificate scan."""
    stored: list = []
    try:
        with transaction.atomic():
            keeper, member = _recipient(acting_user, org, member)
            honour = Honour(
                org=keeper,
                member=member,
                title=title,
                level=level,
                issuer=issuer,
                awarded_on=awarded_on,
                created_by=acting_user,
            )
            _clean_honour(honour)
            if certificate is not None:
                _store_certificate(honour, certificate, stored)
            honour.save()
            ensure_in_scope(acting_user, honour, CHANGE)
            changelog_write(
                actor=acting_user, action=ChangeLog.Action.CREATE, obj=honour, after=_honour_snapshot(honour)
            )
    except BaseException:
        _cleanup_on_error(stored)
        raise
    return honour


def honour_update(*, acting_user, honour: Honour, certificate=None, **changes) -> Honour:
    """Correct a live honour (and replace its certificate scan); the ChangeLog keeps what it was."""
    unknown = set(changes) - HONOUR_EDITABLE
    if unknown:
        raise TypeError(f"honour_update cannot change {sorted(unknown)}")
    stored: list = []
    old_file = ""
    try:
        with transaction.atomic():
            honour = Honour.objects.select_for_update().get(pk=honour.pk)
            ensure_in_scope(acting_user, honour, CHANGE)
            if honour.is_voided:
                raise ValidationError(_("该荣誉已作废，不能修改"))
            before = _honour_snapshot(honour)
            if "org" in changes or "member" in changes:
                member = changes.pop("member", honour.member)
                org = changes.pop("org", None if member is not None else honour.org)
                honour.org, honour.member = _recipient(acting_user, org, member)
            for field, value in changes.items():
                setattr(honour, field, value)
            _clean_honour(honour)
            if certificate is not None:
                old_file = honour.certificate.name
                _store_certificate(honour, certificate, stored)
            honour.save()
            ensure_in_scope(acting_user, honour, CHANGE)
            changelog_write(
                actor=acting_user,
                action=ChangeLog.Action.UPDATE,
                obj=honour,
                before=before,
                after=_honour_snapshot(honour),
            )
            if old_file:
                storage = Honour.certificate.field.storage
                transaction.on_commit(lambda: storage.delete(old_file))
    except BaseException:
        _cleanup_on_error(stored)
        raise
    return honour


@transaction.atomic
def honour_void(*, acting_user, honour: Honour, reason: str) -> Honour:
    return void(
        acting_user=acting_user,
        obj=honour,
        reason=reason,
        snapshot=_honour_snapshot,
        already=_("该荣誉已于 %(t)s 作废"),
        uncount=lambda obj: None,
    )


# --- outputs -----------------------------------------------------------------------------------


def _clean_output(acting_user, output: Output) -> None:
    output.title = (output.title or "").strip()
    output.issue_no = (output.issue_no or "").strip()
    if output.org_id is None:
        raise ValidationError({"org": _("请选择组织")})
    _check_date(output.published_on, "published_on")
    if output.kind == Output.Kind.MAGAZINE:
        if not output.issue_no:
            raise ValidationError({"issue_no": _("院刊请填写期号")})
        twin = Output.objects.filter(
            org=output.org, kind=Output.Kind.MAGAZINE, issue_no=output.issue_no, voided_at__isnull=True
        ).exclude(pk=output.pk)
        if twin.exists():
            raise ValidationError({"issue_no": _("第 %(n)s 期已登记") % {"n": output.issue_no}})
    output.full_clean(exclude=["org", "created_by", "voided_by"])


@transaction.atomic
def output_create(
    *,
    acting_user,
    org: Organization,
    kind: str,
    title: str,
    published_on: datetime.date,
    issue_no: str = "",
    link: str = "",
) -> Output:
    if org is not None and not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    output = Output(
        org=org, kind=kind, title=title, issue_no=issue_no, published_on=published_on, link=link, created_by=acting_user
    )
    _clean_output(acting_user, output)
    output.save()
    ensure_in_scope(acting_user, output, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=output, after=snapshot(output))
    return output


@transaction.atomic
def output_update(*, acting_user, output: Output, **changes) -> Output:
    unknown = set(changes) - OUTPUT_EDITABLE
    if unknown:
        raise TypeError(f"output_update cannot change {sorted(unknown)}")
    output = Output.objects.select_for_update().get(pk=output.pk)
    ensure_in_scope(acting_user, output, CHANGE)
    if output.is_voided:
        raise ValidationError(_("该成果已作废，不能修改"))
    before = snapshot(output)
    org = changes.get("org")
    if org is not None and not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})
    for field, value in changes.items():
        setattr(output, field, value)
    _clean_output(acting_user, output)
    output.save()
    ensure_in_scope(acting_user, output, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=output, before=before, after=snapshot(output)
    )
    return output


@transaction.atomic
def output_void(*, acting_user, output: Output, reason: str) -> Output:
    return void(
        acting_user=acting_user,
        obj=output,
        reason=reason,
        snapshot=snapshot,
        already=_("该成果已于 %(t)s 作废"),
        uncount=lambda obj: None,
    )

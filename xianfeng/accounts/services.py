import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.orgs.models import Organization

from .models import ApiToken, Grant, User
from .roles import Role, Scope
from .scoping import CHANGE, active_grants, ensure_in_scope, scoped


@transaction.atomic
def user_create(
    *,
    acting_user,
    username: str,
    password: str,
    display_name: str = "",
    org=None,
    must_change_password: bool = True,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username.strip(),
        display_name=display_name.strip(),
        org=org,
        must_change_password=must_change_password,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    if acting_user is not None:
        ensure_in_scope(acting_user, user, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=user, after=snapshot(user))
    return user


@transaction.atomic
def user_set_password(*, acting_user, user: User, password: str, temporary: bool) -> User:
    """An admin reset makes the password temporary (changed at next login); a user's own change does not."""
    if acting_user.pk != user.pk:
        ensure_in_scope(acting_user, user, CHANGE)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = temporary
    user.save(update_fields=["password", "must_change_password"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=user,
        after={"password": "(已修改)", "must_change_password": temporary},
    )
    return user


def is_administrator(user) -> bool:
    return user.is_superuser or any(g.role == Role.ADMIN and g.scope == Scope.ALL for g in active_grants(user))


def _check_no_escalation(acting_user, grant: Grant) -> None:
    """Only administrators give administrator or auditor roles, or 全部/指定地区 scopes; others
    may grant over organizations they themselves may change."""
    if acting_user is None or is_administrator(acting_user):
        return
    if grant.user_id == acting_user.pk:
        raise PermissionDenied(_("不能给自己授权"))
    if grant.role in (Role.ADMIN, Role.AUDITOR) or grant.scope in (Scope.ALL, Scope.REGION):
        raise PermissionDenied(_("只有系统管理员可以授予该角色或范围"))
    if grant.org_id and not scoped(acting_user, Organization, CHANGE).filter(pk=grant.org_id).exists():
        raise PermissionDenied(_("只能在自己可管理的组织范围内授权"))


@transaction.atomic
def grant_create(*, acting_user, user: User, role: str, scope: str, org=None, region_prefixes: str = "") -> Grant:
    grant = Grant(user=user, role=role, scope=scope, org=org, region_prefixes=region_prefixes)
    grant.full_clean()
    _check_no_escalation(acting_user, grant)
    grant.save()
    if acting_user is not None:
        ensure_in_scope(acting_user, user, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=grant, after=snapshot(grant))
    return grant


@transaction.atomic
def grant_revoke(*, acting_user, grant: Grant) -> Grant:
    ensure_in_scope(acting_user, grant.user, CHANGE)
    if grant.user_id == acting_user.pk and not is_administrator(acting_user):
        raise PermissionDenied(_("不能撤销自己的授权，请联系系统管理员"))
    before = snapshot(grant)
    grant.active = False
    grant.save(update_fields=["active"])
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=grant, before=before, after=snapshot(grant))
    return grant


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, acting_user, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is never stored and shown only once."""
    if acting_user.pk != user.pk:
        ensure_in_scope(acting_user, user, CHANGE)
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_token_hash(raw), prefix=raw[:8])
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=token, after={"name": name, "user": user.pk})
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(raw), revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user

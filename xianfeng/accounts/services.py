"""Writes for users, grants and API tokens, and the rules that keep grants from escalating.

The grant rules (DESIGN.md §3) live here and only here; forms and templates ask the
predicates below (``may_manage_user``, ``grantable_roles``...) to offer only what is allowed.

1. A user grants only roles ALL of whose permissions they hold themselves, and only over a
   scope their own grants holding each of those permissions cover (``_covers``).
2. Nobody grants to themselves; a non-administrator never revokes their own grant.
3. Only administrators (a superuser, or the 系统管理员 role over 全部) manage administrators
   and auditors (a superuser or anyone holding an admin or auditor grant): no one else may
   grant to them, revoke their grants, reset their password or revoke their tokens.
4. Only administrators set another user's password; everyone changes their own at
   /accounts/password/.
5. Every change writes a ChangeLog row in the same transaction.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot

from .models import ApiToken, Grant, User
from .roles import ROLE_PERMISSIONS, Role, Scope, role_allows
from .scoping import CHANGE, active_grants, ensure_in_scope, scoped

# Roles only administrators hand out, and whose holders only administrators manage.
# An API call refreshes its token's last_used_at only when the stored value is older than this.
TOKEN_LAST_USED_PRECISION = timedelta(minutes=5)

PROTECTED_ROLES = (Role.ADMIN, Role.AUDITOR)


def is_administrator(user) -> bool:
    return user.is_superuser or any(g.role == Role.ADMIN and g.scope == Scope.ALL for g in active_grants(user))


def is_protected(user: User) -> bool:
    """A superuser or a holder of an administrator or auditor grant (of any scope)."""
    return user.is_superuser or user.grants.filter(active=True, role__in=PROTECTED_ROLES).exists()


def may_manage_user(acting_user, target: User) -> bool:
    """Whether ``acting_user`` may grant to, revoke grants or tokens of, or edit ``target``.

    ``acting_user=None`` is the system (demo seed, management commands)."""
    if acting_user is None or is_administrator(acting_user):
        return True
    if target.pk == acting_user.pk or is_protected(target):
        return False
    return scoped(acting_user, User, CHANGE).filter(pk=target.pk).exists()


def may_grant_to(acting_user, target: User) -> bool:
    """Whether ``acting_user`` may add a grant to ``target``: never to oneself."""
    if acting_user is not None and target.pk == acting_user.pk:
        return False
    return may_manage_user(acting_user, target)


def may_reset_password(acting_user, target: User) -> bool:
    """Only administrators set another user's password. Everyone changes their own at
    /accounts/password/, which asks for the current one."""
    return acting_user is None or (acting_user.pk != target.pk and is_administrator(acting_user))


def _covers(held: Grant, grant: Grant, grantee: User) -> bool:
    """Whether the grantor's grant ``held`` reaches every row the new ``grant`` would open.

    全部 covers everything; 指定地区 covers region prefixes within its own prefixes; an
    organization grant covers an organization grant inside it (本组织 only the same org);
    仅本人 counts as the grantee's own organization.
    """
    if held.scope == Scope.ALL:
        return True
    if grant.scope == Scope.ALL:
        return False
    if grant.scope == Scope.REGION:
        return held.scope == Scope.REGION and all(
            any(prefix.startswith(own) for own in held.region_prefix_list) for prefix in grant.region_prefix_list
        )
    if grant.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY):
        org, subtree = grant.org, grant.scope == Scope.ORG_SUBTREE
    else:  # Scope.SELF
        org, subtree = grantee.org, False
    if org is None or held.org_id is None:
        return False
    if held.scope == Scope.ORG_SUBTREE:
        return org.path.startswith(held.org.path)
    if held.scope == Scope.ORG_ONLY:
        return not subtree and org.pk == held.org_id
    return False


def _holds(acting_user, permission: str) -> list[Grant]:
    return [g for g in active_grants(acting_user) if role_allows(g.role, permission)]


def grantable_roles(acting_user) -> list[str]:
    """Roles ``acting_user`` holds every permission of (somewhere): what the grant form offers."""
    if acting_user is None or is_administrator(acting_user):
        return list(Role.values)
    return [
        role
        for role in Role.values
        if role not in PROTECTED_ROLES
        and "*" not in ROLE_PERMISSIONS[role]
        and all(_holds(acting_user, p) for p in ROLE_PERMISSIONS[role])
    ]


def grantable_scopes(acting_user) -> list[str]:
    """Scope kinds the grant form offers: 全部/指定地区 only to those who hold them."""
    if acting_user is None or is_administrator(acting_user):
        return list(Scope.values)
    held = {g.scope for g in active_grants(acting_user)}
    scopes = [Scope.ORG_SUBTREE, Scope.ORG_ONLY, Scope.SELF]
    if held & {Scope.ALL, Scope.REGION}:
        scopes.insert(2, Scope.REGION)
    if Scope.ALL in held:
        scopes.insert(0, Scope.ALL)
    return [str(s) for s in scopes]


def _check_no_escalation(acting_user, grant: Grant) -> None:
    if acting_user is None:
        return
    if grant.user_id == acting_user.pk:
        raise PermissionDenied(_("不能给自己授权"))
    if is_administrator(acting_user):
        return
    if not may_manage_user(acting_user, grant.user):
        raise PermissionDenied(_("只有系统管理员可以管理系统管理员和审计员"))
    if grant.role in PROTECTED_ROLES or "*" in ROLE_PERMISSIONS[grant.role]:
        raise PermissionDenied(_("只有系统管理员可以授予该角色"))
    for permission in sorted(ROLE_PERMISSIONS[grant.role]):
        if not any(_covers(held, grant, grant.user) for held in _holds(acting_user, permission)):
            raise PermissionDenied(
                _("您在该范围内没有“%(permission)s”权限，不能授予“%(role)s”")
                % {"permission": permission, "role": grant.get_role_display()}
            )


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
    if is_superuser and acting_user is not None and not is_administrator(acting_user):
        raise PermissionDenied(_("只有系统管理员可以创建超级用户"))
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
    """An administrator's reset makes the password temporary (changed at next login); a
    user's own change does not. Only administrators set another user's password."""
    if acting_user is not None and acting_user.pk != user.pk:
        if not may_reset_password(acting_user, user):
            raise PermissionDenied(_("只有系统管理员可以重置其他用户的密码"))
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


@transaction.atomic
def grant_create(*, acting_user, user: User, role: str, scope: str, org=None, region_prefixes: str = "") -> Grant:
    grant = Grant(user=user, role=role, scope=scope, org=org, region_prefixes=region_prefixes)
    grant.full_clean()
    if acting_user is not None:
        ensure_in_scope(acting_user, user, CHANGE)
    _check_no_escalation(acting_user, grant)
    grant.save()
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=grant, after=snapshot(grant))
    return grant


@transaction.atomic
def grant_revoke(*, acting_user, grant: Grant) -> Grant:
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    ensure_in_scope(acting_user, grant.user, CHANGE)
    if grant.user_id == acting_user.pk and not is_administrator(acting_user):
        raise PermissionDenied(_("不能撤销自己的授权，请联系系统管理员"))
    if grant.user_id != acting_user.pk and not may_manage_user(acting_user, grant.user):
        raise PermissionDenied(_("只有系统管理员可以管理系统管理员和审计员"))
    before = snapshot(grant)
    grant.active = False
    grant.save(update_fields=["active"])
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=grant, before=before, after=snapshot(grant))
    return grant


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, acting_user, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is never stored and shown only once.

    A token acts as its owner, so only the owner creates one (or the system, acting_user=None).
    It expires after API_TOKEN_DAYS days."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise PermissionDenied(_("只能为自己创建 API 令牌"))
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), key_hash=_token_hash(raw), prefix=raw[:8])
    token.full_clean()
    token.save()
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=token,
        after={"name": token.name, "user": user.pk, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, acting_user, token: ApiToken) -> ApiToken:
    """The owner revokes their own token; an administrator, or whoever may manage the owner, too."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if acting_user is not None and token.user_id != acting_user.pk:
        if not may_manage_user(acting_user, token.user):
            raise PermissionDenied(_("只有系统管理员可以管理系统管理员和审计员"))
        ensure_in_scope(acting_user, token, CHANGE)
    if token.revoked:
        return token
    token.revoked = True
    token.save(update_fields=["revoked"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=token,
        before={"revoked": False},
        after={"revoked": True, "name": token.name, "user": token.user_id, "prefix": token.prefix},
    )
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The token's owner, or None when the token is unknown, revoked, expired or the owner inactive."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # "Last used" to the minute is plenty for the token list; writing the row on every API call
    # would make each read a write (issue 8). One conditional UPDATE at most every few minutes.
    now = timezone.now()
    stale = now - TOKEN_LAST_USED_PRECISION
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)).update(
            last_used_at=now
        )
    return token.user

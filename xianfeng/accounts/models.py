import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.scoping import ScopeSpec

from .roles import Role, Scope

_PREFIX = re.compile(r"^\d{2}(\d{2}){0,2}(\d{3}){0,2}$")


def new_scope_stamp() -> str:
    return secrets.token_hex(8)


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("须修改初始密码"), default=True)
    # Names the user's current grants in the cross-request grants cache (accounts/scoping.py):
    # replaced whenever a grant of theirs, or an organization or its regions, changes.
    scope_stamp = models.CharField(max_length=16, default=new_scope_stamp, editable=False)

    scope_spec = ScopeSpec(org_path="org__path", owner="pk")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


def validate_region_prefixes(value: str) -> None:
    for prefix in filter(None, (p.strip() for p in value.split(","))):
        if not _PREFIX.match(prefix):
            raise ValidationError(
                _("地区代码“%(code)s”无效：应为2、4、6、9或12位数字"), params={"code": prefix}, code="invalid"
            )


class Grant(models.Model):
    """A role over a scope. A user's grants are OR-combined."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    scope = models.CharField(_("范围"), max_length=20, choices=Scope.choices)
    org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织"), null=True, blank=True, on_delete=models.PROTECT
    )
    region_prefixes = models.CharField(
        _("地区代码"),
        max_length=500,
        blank=True,
        validators=[validate_region_prefixes],
        help_text=_("逗号分隔，如 210681,210682"),
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_spec = ScopeSpec(org_path="user__org__path", owner="user")

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def region_prefix_list(self) -> list[str]:
        return [p.strip() for p in self.region_prefixes.split(",") if p.strip()]

    @property
    def scope_label(self) -> str:
        if self.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and self.org_id:
            return f"{self.get_scope_display()}：{self.org.name}"
        if self.scope == Scope.REGION:
            return f"{self.get_scope_display()}：{self.region_prefixes}"
        return str(self.get_scope_display())

    def clean(self) -> None:
        if self.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) and not self.org_id:
            raise ValidationError({"org": _("此范围须指定组织")})
        if self.scope == Scope.REGION and not self.region_prefix_list:
            raise ValidationError({"region_prefixes": _("此范围须指定至少一个地区代码")})


def default_token_expiry():
    """API tokens expire API_TOKEN_DAYS days (default 90) after they are created."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), default=default_token_expiry)
    revoked = models.BooleanField(_("已吊销"), default=False)

    scope_spec = ScopeSpec(org_path="user__org__path", owner="user")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.is_expired


# ------------------------------------------------ the grants cache (accounts/scoping.py)
# A user's grants, with their organizations' paths and served regions, are cached across
# requests under the user's ``scope_stamp``. Every change that could alter what those grants
# open replaces the stamp in the database, so the very next request (in any process) reads
# the grants afresh. These receivers live here, in a module every process imports.


def forget_user_scope(user_id: int, user: User | None = None) -> None:
    """A grant of this user was created, changed or deleted."""
    stamp = new_scope_stamp()
    User.objects.filter(pk=user_id).update(scope_stamp=stamp)
    if user is not None:  # the caller's copy of the user follows too
        user.scope_stamp = stamp
        user.__dict__.pop("_active_grants", None)


def forget_org_scopes() -> None:
    """An organization was created, changed, moved or deleted, or its regions changed:
    every user holding a grant on an organization reads their grants afresh."""
    User.objects.filter(grants__org__isnull=False).update(scope_stamp=new_scope_stamp())


def _grant_changed(sender, instance, **kwargs):
    cached_user = instance.user if Grant.user.is_cached(instance) else None
    forget_user_scope(instance.user_id, cached_user)


def _org_changed(sender, action: str = "post_save", **kwargs):
    if action.startswith("post_"):  # m2m_changed also sends pre_add, pre_remove, pre_clear
        forget_org_scopes()


models.signals.post_save.connect(_grant_changed, sender=Grant, dispatch_uid="accounts_grant_saved")
models.signals.post_delete.connect(_grant_changed, sender=Grant, dispatch_uid="accounts_grant_deleted")
models.signals.post_save.connect(_org_changed, sender="orgs.Organization", dispatch_uid="accounts_org_saved")
models.signals.post_delete.connect(_org_changed, sender="orgs.Organization", dispatch_uid="accounts_org_deleted")
models.signals.m2m_changed.connect(
    _org_changed, sender="orgs.Organization_regions", dispatch_uid="accounts_org_regions_changed"
)

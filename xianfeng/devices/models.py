"""The phones and browsers that keep field work offline (issue 14), and the outbox entries they
have delivered.

A Device is one browser profile of one user: the offline app makes up its id, the server keeps
the key that encrypts the data on it (released only to that user's signed-in session) and a hash
of a secret with which the device asks, even without a session, whether it has been revoked.
A SyncedEntry is the receipt of one outbox entry: (user, client id) is unique, so a retried or
doubled sync names what the first one made instead of making it again.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.fields import EncryptedTextField
from xianfeng.core.scoping import ScopeSpec


class Device(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("正常")
        REVOKED = "revoked", _("已撤销")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="devices"
    )
    client_id = models.CharField(_("设备编号"), max_length=64, db_index=True)  # the status check without a session
    label = models.CharField(_("设备"), max_length=100, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    # The user's organization path when the device registered: a clerk manages the devices of
    # their subtree's users (ScopeSpec below).
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    # The AES-GCM key (base64, 32 bytes) that encrypts the device's local store; encrypted here
    # with the field key like an ID number.
    data_key = EncryptedTextField(editable=False)
    # sha256 of the device secret: the status check without a session (a lost phone whose
    # session has long expired still learns it was revoked).
    secret_hash = models.CharField(max_length=64, editable=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE)
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    last_contact_at = models.DateTimeField(_("最近联系"), null=True, blank=True, db_index=True)
    last_sync_at = models.DateTimeField(_("最近同步"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("最近 IP"), null=True, blank=True)
    pending_count = models.PositiveIntegerField(_("待同步"), default=0)  # as the device last reported
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    wiped_at = models.DateTimeField(_("已清除"), null=True, blank=True)  # the device confirmed its wipe

    scope_spec = ScopeSpec(org_path="org_path", owner="user", owner_always=True)

    class Meta:
        verbose_name = _("离线设备")
        verbose_name_plural = _("离线设备")
        ordering = ["-last_contact_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="device_user_client_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.label or self.client_id[:8]}"


class SyncedEntry(models.Model):
    """One outbox entry the server accepted (refusals go to the access log and back to the phone)."""

    device = models.ForeignKey(Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(_("客户端编号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=20)
    made_at = models.DateTimeField(_("离线记录时间"))  # corrected for the phone's clock
    received_at = models.DateTimeField(_("同步时间"), default=timezone.now)
    clock_skew_seconds = models.IntegerField(_("时钟偏差（秒）"), default=0)
    # What the entry made: [["servicelog.ServiceRecord", 12], ...]
    made = models.JSONField(_("生成的记录"), default=list)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    scope_spec = ScopeSpec(org_path="org_path", owner="user", owner_always=True, area="devices")

    class Meta:
        verbose_name = _("已同步的离线记录")
        verbose_name_plural = _("已同步的离线记录")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="syncedentry_user_client_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"

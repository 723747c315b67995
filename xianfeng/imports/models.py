from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.core.scoping import ScopeSpec

from .fields import EncryptedJSONField


def upload_path(instance, filename: str) -> str:
    return f"imports/{instance.created_at:%Y/%m}/{filename}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("检查中")
        VALIDATED = "validated", _("已检查")
        COMMITTING = "committing", _("写入中")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("失败")

    spec_key = models.CharField(_("导入类型"), max_length=50)
    # The upload, encrypted at rest (files.py); emptied when deleted after the retention period.
    file = models.FileField(_("文件"), upload_to="imports/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    # Offending cell values (ID numbers, phones) are kept encrypted, like the upload itself.
    issues = EncryptedJSONField(_("问题"), default=list, blank=True)
    warnings = EncryptedJSONField(_("提示"), default=list, blank=True)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    # What the check found the clean rows would do (engine.Outcome.planned and changed_columns):
    # {"create": n, "update": n, "unchanged": n, "changed": {column header: n}}.
    plan = models.JSONField(_("检查结果"), default=dict, blank=True)
    # The error workbook, built once in the background after a check and stored encrypted
    # like the upload (files.py); deleted with it after the retention period.
    error_file = models.FileField(_("错误工作簿"), upload_to="imports/", blank=True)
    message = models.TextField(_("说明"), blank=True)
    options = models.JSONField(default=dict, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    scope_spec = ScopeSpec(org_path="org_path", owner="created_by", owner_always=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.VALIDATED and self.error_count == 0 and not self.message

    def audit_org_path(self) -> str:
        return self.org_path


class HeaderChoice(models.Model):
    """A column header a user mapped by hand in the check step (or chose to ignore, with an
    empty ``column_key``), remembered per import kind and offered again next time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    spec_key = models.CharField(max_length=50)
    header = models.CharField(max_length=200)  # spec.header_key() of the header as written
    column_key = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_spec = ScopeSpec(owner="user", owner_always=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "spec_key", "header"], name="one_choice_per_header")]

    def __str__(self) -> str:
        return f"{self.spec_key}: {self.header} -> {self.column_key or '-'}"

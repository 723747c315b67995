"""What the reports app stores: narrative templates, published snapshots and background jobs.

Figures themselves are never stored as truth: they are derived from the facts on every read
(metrics.py). A published Snapshot freezes the figures of one filter as they were published,
with a digest over the exact rows behind each figure, so that a later edit, void or back-dated
record that changes a published figure is detected (snapshots.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.core.scoping import ScopeSpec


class ReportTemplate(models.Model):
    """An administrator-editable narrative (工作纪实 / 工作总结) whose placeholders name metrics."""

    class Kind(models.TextChoices):
        SUMMARY = "summary", _("工作总结")
        RECORD = "record", _("工作纪实")

    name = models.CharField(_("名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SUMMARY)
    title = models.CharField(_("报告标题"), max_length=120, help_text=_("可含占位符，如 {期间}"))
    body = models.TextField(_("正文模板"), help_text=_("每段一行；占位符见下方说明"))
    is_default = models.BooleanField(_("默认模板"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    # Everyone who reads reports uses the templates; editing needs "reporttemplates.change"
    # (administrators): a template decides what a superior reads.
    scope_spec = ScopeSpec(public_view=True, area="reporttemplates")

    class Meta:
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return ""


class Snapshot(models.Model):
    """A published report: its filter, the publisher's reach, and the figures as published."""

    class Status(models.TextChoices):
        INTACT = "intact", _("未变化")
        CHANGED = "changed", _("已有变化")
        UNVERIFIED = "unverified", _("尚未核验")

    title = models.CharField(_("标题"), max_length=120)
    # The filter's URL parameters (filters.ReportFilter.params()) and the publisher's reach
    # (reach.reach_of()): verification recomputes exactly these rows, whoever runs it.
    params = models.JSONField(_("筛选条件"), default=dict)
    reach = models.JSONField(_("统计范围"), default=list)
    metrics = models.JSONField(_("发布时的数据"), default=dict)
    template = models.ForeignKey(
        ReportTemplate, verbose_name=_("报告模板"), null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField(_("报告正文"), blank=True)
    # The organization whose readers see the snapshot (the filter's, else the publisher's).
    org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("核验结果"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    verified_at = models.DateTimeField(_("最近核验时间"), null=True, blank=True)
    changes = models.JSONField(_("变化摘要"), default=dict, blank=True)

    scope_spec = ScopeSpec(org_path="org__path", owner="published_by", owner_always=True)

    class Meta:
        verbose_name = _("已发布报告")
        verbose_name_plural = _("已发布报告")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class SnapshotFigure(models.Model):
    """One published figure and the fingerprint of every row behind it.

    rows: zlib-compressed JSON {"<kind>:<id>": "<fingerprint>"} of the rows counted; digest:
    SHA-256 over the sorted rows, so equal digests mean the same rows in the same state.
    """

    snapshot = models.ForeignKey(
        Snapshot, verbose_name=_("已发布报告"), on_delete=models.CASCADE, related_name="figures"
    )
    key = models.CharField(_("指标"), max_length=80)
    label = models.CharField(_("名称"), max_length=80)
    value = models.DecimalField(_("发布值"), max_digits=20, decimal_places=2)
    record_count = models.PositiveIntegerField(_("所依据的记录数"), default=0)
    digest = models.CharField(_("摘要"), max_length=64)
    rows = models.BinaryField(_("所依据的记录"), default=b"")

    scope_spec = ScopeSpec(org_path="snapshot__org__path", owner="snapshot__published_by", owner_always=True)

    class Meta:
        verbose_name = _("已发布数据")
        verbose_name_plural = _("已发布数据")
        ordering = ["snapshot_id", "id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "key"], name="snapshot_figure_once")]

    def __str__(self) -> str:
        return f"{self.label} = {self.value}"


class ReportJob(models.Model):
    """Long work (a large export, a report) done in the background, with its progress."""

    class Kind(models.TextChoices):
        TABLE_XLSX = "table_xlsx", _("统计表 Excel")
        REPORT_DOCX = "report_docx", _("工作报告 Word")
        METRICS_XLSX = "metrics_xlsx", _("统计数据 Excel")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.CharField(_("说明"), max_length=200, blank=True)
    # Stored encrypted like every upload (core.filecrypt); the creator downloads it.
    file = models.FileField(_("文件"), upload_to="reports/", blank=True, max_length=200)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A job and its file belong to whoever asked for it.
    scope_spec = ScopeSpec(owner="created_by", owner_always=True)

    class Meta:
        verbose_name = _("报表任务")
        verbose_name_plural = _("报表任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def audit_org_path(self) -> str:
        return ""


from .models_rollups import *  # noqa: E402, F403  (rollup tables live in their own module)

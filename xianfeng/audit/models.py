"""Append-only, hash-chained logs. Rows are written by services and never changed or deleted
by the app; every insert (save, create, bulk_create) is sealed into its table's chain (chain.py)."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.fields import BlindIndexField
from xianfeng.core.scoping import ScopeSpec

from . import chain


class AppendOnlyError(Exception):
    pass


class ChainHead(models.Model):
    """Where each audit chain ends. Locking this row (SELECT … FOR UPDATE) serializes the
    writers of one chain on PostgreSQL; on SQLite the IMMEDIATE write transaction already does.
    ``mac`` seals (seq, last_hash), so deleting the newest rows and rewinding the head shows."""

    chain = models.CharField(primary_key=True, max_length=100)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


def _locked_head(model: type["AppendOnlyModel"], using: str) -> ChainHead:
    label = model._meta.label
    heads = ChainHead.objects.using(using).select_for_update()
    head = heads.filter(pk=label).first()
    if head is None:  # first row of the chain, or the head row was lost: carry on from the last row
        last = model.objects.using(using).filter(seq__isnull=False).order_by("-seq").values_list("seq", "row_hash")
        seq, last_hash = last.first() or (0, "")
        start = ChainHead(chain=label, seq=seq, last_hash=last_hash, mac=chain.head_mac(label, seq, last_hash))
        ChainHead.objects.using(using).bulk_create([start], ignore_conflicts=True)
        head = heads.get(pk=label)
    return head


def seal(model: type["AppendOnlyModel"], rows: list["AppendOnlyModel"], using: str) -> None:
    """Give ``rows`` (about to be inserted, in this order) their place in the chain.
    Call inside a transaction that also inserts them: the head moves with the rows or not at all."""
    label = model._meta.label
    head = _locked_head(model, using)
    seq, prev = head.seq, head.last_hash
    for row in rows:
        if row.at is None:
            row.at = timezone.now()
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.row_hash = prev = chain.row_hash(label, row.chain_values(), prev)
    head.seq, head.last_hash, head.mac = seq, prev, chain.head_mac(label, seq, prev)
    head.save(using=using, update_fields=["seq", "last_hash", "mac"])


class AppendOnlyQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            seal(self.model, objs, self.db)
            return super().bulk_create(objs, *args, **kwargs)


class AppendOnlyModel(models.Model):
    # Hash chain (chain.py). ``seq`` is null only for a row inserted around the ORM.
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    # Fields covered by row_hash, besides seq and prev_hash. A new field is covered only when
    # added here deliberately (with a new CHAIN_VERSION), so old rows keep verifying.
    chain_fields: tuple[str, ...] = ()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # An audit row that could be rewritten proves nothing.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            seal(type(self), [self], using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")

    def chain_values(self) -> dict:
        values = {"seq": self.seq}
        for name in self.chain_fields:
            field = self._meta.get_field(name)
            value = getattr(self, field.attname)
            try:  # what the database will give back (a str for a CharField given an int)
                value = field.to_python(value)
            except ValidationError:
                pass  # stored as given (or refused by the database)
            values[field.attname] = chain.normalize(field, value)
        return values


def _blind_index_names(label: str) -> set[str]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return set()
    return {f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)}


class ChangeLog(AppendOnlyModel):
    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        VOID = "void", _("作废")
        MOVE = "move", _("移动")
        DISSOLVE = "dissolve", _("撤销")
        IMPORT = "import", _("导入")
        MERGE = "merge", _("合并")

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    model = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # Denormalized organization path of the changed object, so audit reading can be scoped.
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    scope_spec = ScopeSpec(org_path="org_path", owner="user")
    chain_fields = (
        "at",
        "user",
        "ip",
        "action",
        "model",
        "object_id",
        "object_repr",
        "before",
        "after",
        "note",
        "org_path",
    )

    class Meta:
        verbose_name = _("变更日志")
        verbose_name_plural = _("变更日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.object_repr}"

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        hidden = _blind_index_names(self.model)  # rows logged before blind indexes were left out
        keys = sorted((set(before) | set(after)) - hidden)
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AccessLog(AppendOnlyModel):
    class Kind(models.TextChoices):
        REVEAL = "reveal", _("查看完整信息")
        EXPORT = "export", _("导出")
        SEARCH = "search", _("精确查找")
        EXISTENCE = "existence", _("存在性核验")
        # Issue 14: an administrator revoking an offline device, and an offline record refused at sync.
        DEVICE_REVOKE = "device_revoke", _("撤销离线设备")
        SYNC_REFUSED = "sync_refused", _("离线记录被拒")

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    model = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200)
    fields = models.CharField(_("字段"), max_length=200, blank=True)
    reason = models.CharField(_("事由"), max_length=500, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=1)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    scope_spec = ScopeSpec(org_path="org_path", owner="user")
    chain_fields = (
        "at",
        "user",
        "ip",
        "kind",
        "model",
        "object_id",
        "object_repr",
        "fields",
        "reason",
        "row_count",
        "org_path",
    )

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_kind_display()} {self.object_repr}"


class LoginLog(AppendOnlyModel):
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    success = models.BooleanField(_("成功"))
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)

    scope_spec = ScopeSpec(owner="user")
    chain_fields = ("at", "username", "user", "ip", "success", "detail", "user_agent")

    class Meta:
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {'ok' if self.success else 'failed'}"


class AuditArchive(models.Model):
    """One archive file of a chain's oldest rows (xianfeng/audit/archiving.py): the rows
    ``first_seq``…``last_seq`` were written to ``file_name`` in AUDIT_ARCHIVE_DIR and deleted from
    the table in the transaction that inserted this record. ``prev_hash`` is the hash the first row
    links to, ``last_hash`` the last row's: verify_audit continues the live chain from the newest
    archive. ``mac`` seals every other field with the chain key (chain.archive_mac), so a record
    edited in the database (to hide rows, or to point at another file) shows. Never changed."""

    chain = models.CharField(_("日志"), max_length=100)
    first_seq = models.BigIntegerField(_("起始序号"))
    last_seq = models.BigIntegerField(_("截止序号"))
    first_at = models.DateTimeField(_("最早时间"))
    last_at = models.DateTimeField(_("最晚时间"))
    rows = models.BigIntegerField(_("行数"))
    prev_hash = models.CharField(max_length=64, blank=True)
    last_hash = models.CharField(max_length=64)
    file_name = models.CharField(_("文件"), max_length=200)
    size_bytes = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField(_("归档时间"), default=timezone.now)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计日志归档")
        verbose_name_plural = _("审计日志归档")
        ordering = ["chain", "first_seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "first_seq"], name="audit_archive_chain_first_seq"),
            models.UniqueConstraint(fields=["file_name"], name="audit_archive_file_name"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} #{self.first_seq}-{self.last_seq}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit archive records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit archive records cannot be deleted")

    @property
    def chain_name(self) -> str:
        try:
            return str(apps.get_model(self.chain)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.chain

    def sealed_values(self) -> dict:
        return {
            "chain": self.chain,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "first_at": chain.normalize(self._meta.get_field("first_at"), self.first_at),
            "last_at": chain.normalize(self._meta.get_field("last_at"), self.last_at),
            "rows": self.rows,
            "prev_hash": self.prev_hash,
            "last_hash": self.last_hash,
            "file_name": self.file_name,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "created_at": chain.normalize(self._meta.get_field("created_at"), self.created_at),
        }

    def seal(self) -> None:
        self.mac = chain.archive_mac(self.sealed_values())

    @property
    def sealed(self) -> bool:
        return bool(self.mac) and self.mac == chain.archive_mac(self.sealed_values())


class RetentionRun(models.Model):
    """One run of the retention task (archiving the audit logs, deleting expired uploads), for the
    archive page's "last run" and the operator. Counts only: no personal data."""

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    archived_rows = models.BigIntegerField(_("归档行数"), default=0)
    archive_files = models.PositiveIntegerField(_("归档文件数"), default=0)
    files_purged = models.PositiveIntegerField(_("删除的上传文件数"), default=0)
    problems = models.TextField(_("问题"), blank=True)

    class Meta:
        verbose_name = _("保存期限任务")
        verbose_name_plural = _("保存期限任务")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"

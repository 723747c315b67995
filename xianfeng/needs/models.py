"""民情台账, the needs ledger (issue 12 §2).

A need is raised by or for a resident or household (on a visit, by phone, through the hotline),
assigned to a member or a team with a due date, and goes open → in progress → resolved (with
the service records that resolved it as evidence) or closed unresolved (with the reason).

A need carries its organization and the place of the person on the day it was raised
(PlaceCodes), so scope filters and the figures by township are equalities, like a service
record's. The member it is assigned to always reaches it (DESIGN.md §3: a volunteer sees what
their own assigned work needs).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import PlaceCodes, VoidableModel
from xianfeng.core.scoping import FACT_REGION_LEVELS, ScopeSpec


class Category(models.TextChoices):
    MEDICAL = "medical", _("看病就医")
    MEDICINE = "medicine", _("代购药品")
    ASSISTIVE = "assistive", _("辅助器具")
    DOCUMENTS = "documents", _("证件与报销")
    TRANSPORT = "transport", _("出行接送")
    PRODUCE = "produce", _("农产品销售")
    HOUSING = "housing", _("住房")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    VISIT = "visit", _("走访")
    PHONE = "phone", _("电话")
    HOTLINE = "hotline", _("热线")
    SELF = "self", _("本人来访")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    UNRESOLVED = "unresolved", _("未解决（已关闭）")


OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.RESOLVED, Status.UNRESOLVED)


class Need(PlaceCodes, VoidableModel):
    title = models.CharField(_("诉求"), max_length=100)
    description = models.TextField(_("详细情况"), blank=True)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    source = models.CharField(_("反映渠道"), max_length=10, choices=Source.choices, default=Source.VISIT)
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    household = models.ForeignKey(
        "residents.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    raised_by_name = models.CharField(
        _("反映人"), max_length=50, blank=True, help_text=_("本人、家属、村干部等；不填即为服务对象本人")
    )
    raised_on = models.DateField(_("反映日期"))
    recorded_by_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("登记人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey("orgs.Organization", verbose_name=_("责任组织"), on_delete=models.PROTECT, related_name="+")
    assigned_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_needs",
    )
    assigned_team = models.ForeignKey(
        "teams.Team", verbose_name=_("责任队伍"), null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    resolution_note = models.TextField(_("办理结果"), blank=True)
    close_reason = models.CharField(_("未解决原因"), max_length=200, blank=True)
    # The evidence: service records that resolved the need (a delivery, an errand, a referral).
    records = models.ManyToManyField(
        "servicelog.ServiceRecord", verbose_name=_("办理记录"), blank=True, related_name="needs_resolved"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)

    scope_spec = ScopeSpec(
        org_path="org__path",
        region_code="village_code",
        region_levels=FACT_REGION_LEVELS,
        owner="assigned_member__user",
        owner_always=True,
    )

    class Meta:
        verbose_name = _("民情诉求")
        verbose_name_plural = _("民情台账")
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["org", "raised_on"], name="need_org_day"),
            models.Index(fields=["township_code", "raised_on"], name="need_town_day"),
            models.Index(fields=["county_code", "raised_on"], name="need_county_day"),
            models.Index(fields=["status", "due_on"], name="need_status_due"),
            models.Index(fields=["assigned_member", "status"], name="need_assignee"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="need_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.raised_on:%Y-%m-%d}）"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and not self.is_voided and self.due_on is not None and self.due_on < today

    @property
    def days_to_close(self) -> int | None:
        if self.closed_on is None:
            return None
        return (self.closed_on - self.raised_on).days

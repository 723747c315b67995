"""Materials and donations (issue 12 §3): items, receipts, distributions, stock.

An Item is catalogue data (口罩, 防护服, 食品, 图书, 辅具, 善款…); each names the service type its
distributions count as, in the same unit, so a distribution is a quantity in every figure.
A Receipt brings stock into a holding organization (donated by an organization, a company or a
person with a receipt number; or produced, e.g. a mask-workshop batch whose volunteers' hours
are on its Activity). A Distribution takes stock out (to a resident, a household, an activity,
an organization, or the families of outbound staff) and is a counted fact: its ``record`` is
the ServiceRecord that carries it into the figures.

Stock is one row per (holding organization, item), kept by the services under a row lock and
guarded by a CHECK constraint: it never goes negative. ``stock_recount`` recomputes it from
receipts and distributions.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import VoidableModel
from xianfeng.core.scoping import ScopeSpec
from xianfeng.servicelog.models import MAX_QUANTITY, FactPlace, Unit, fact_scope

QUANTITY = {
    "max_digits": 14,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_QUANTITY)],
}


class ItemCategory(models.TextChoices):
    MASKS = "masks", _("口罩")
    PROTECTIVE = "protective", _("防护用品")
    FOOD = "food", _("食品")
    SCHOOL = "school", _("学习用品")
    BOOKS = "books", _("图书")
    CLOTHES = "clothes", _("衣物")
    ASSISTIVE = "assistive", _("辅助器具")
    MEDICINE = "medicine", _("药品")
    MONEY = "money", _("善款")
    OTHER = "other", _("其他")


class Item(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    category = models.CharField(_("类别"), max_length=12, choices=ItemCategory.choices)
    unit = models.CharField(_("单位"), max_length=4, choices=Unit.choices)
    service_type = models.ForeignKey(
        "servicelog.ServiceType",
        verbose_name=_("发放计入的服务类型"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("发放时生成该类型的服务记录，单位须与服务类型一致"),
    )
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    # Catalogue data like the service types: every signed-in user reads it, administrators edit it.
    scope_spec = ScopeSpec(public_view=True, area="materialitems")

    class Meta:
        verbose_name = _("物资品类")
        verbose_name_plural = _("物资品类")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return ""

    @property
    def is_money(self) -> bool:
        return self.unit == Unit.YUAN


class Receipt(VoidableModel):
    class Kind(models.TextChoices):
        DONATED = "donated", _("接收捐赠")
        PRODUCED = "produced", _("自制生产")
        PURCHASED = "purchased", _("采购")

    class DonorKind(models.TextChoices):
        ORGANIZATION = "organization", _("单位/组织")
        COMPANY = "company", _("企业")
        PERSON = "person", _("个人")
        ANONYMOUS = "anonymous", _("匿名")

    org = models.ForeignKey("orgs.Organization", verbose_name=_("接收组织"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="receipts")
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    value_yuan = models.DecimalField(
        _("折合金额（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_QUANTITY)],
    )
    received_on = models.DateField(_("接收日期"))
    kind = models.CharField(_("来源"), max_length=10, choices=Kind.choices, default=Kind.DONATED)
    donor_kind = models.CharField(_("捐赠方类型"), max_length=12, choices=DonorKind.choices, blank=True)
    donor_name = models.CharField(_("捐赠方"), max_length=100, blank=True)
    donor_public = models.BooleanField(_("公示捐赠方名称"), default=True, help_text=_("个人捐赠者可选择不公示姓名"))
    receipt_number = models.CharField(_("收据编号"), max_length=40, blank=True)
    # A produced batch: the workshop activity whose participants' hours made it.
    activity = models.ForeignKey(
        "servicelog.Activity",
        verbose_name=_("生产活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="material_receipts",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(org_path="org__path", owner="created_by")

    class Meta:
        verbose_name = _("入库")
        verbose_name_plural = _("入库")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["org", "received_on"], name="receipt_org_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "receipt_number"], condition=~Q(receipt_number=""), name="receipt_number_per_org"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="receipt_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity}{self.item.unit}（{self.received_on:%Y-%m-%d}）"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class Distribution(FactPlace, VoidableModel):
    """Stock given out by its holding organization (FactPlace.org): a counted fact."""

    class RecipientKind(models.TextChoices):
        RESIDENT = "resident", _("居民")
        HOUSEHOLD = "household", _("户")
        ACTIVITY = "activity", _("活动")
        ORGANIZATION = "organization", _("单位/机构")
        OUTBOUND_FAMILIES = "outbound_families", _("一线人员家属")

    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="distributions")
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    recipient_kind = models.CharField(_("发放对象"), max_length=20, choices=RecipientKind.choices)
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "residents.Household", verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activity = models.ForeignKey(
        "servicelog.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="material_distributions",
    )
    # An organization: one of ours (recipient_org) or outside (a nursing home, a charity: by name).
    recipient_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("接收组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_name = models.CharField(_("接收单位名称"), max_length=100, blank=True)
    households_count = models.PositiveIntegerField(
        _("受益户数"), default=0, validators=[MaxValueValidator(1_000_000)], help_text=_("发给一线人员家属时填写")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    record = models.OneToOneField(
        "servicelog.ServiceRecord",
        verbose_name=_("服务记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distribution",
        editable=False,
    )
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = fact_scope(owner="created_by")

    class Meta:
        verbose_name = _("发放")
        verbose_name_plural = _("发放")
        ordering = ["-served_on", "-id"]
        indexes = [
            models.Index(fields=["org", "served_on"], name="distribution_org_day"),
            models.Index(fields=["township_code", "served_on"], name="distribution_town_day"),
            models.Index(fields=["county_code", "served_on"], name="distribution_county_day"),
            models.Index(fields=["village_code", "served_on"], name="distribution_village_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="distribution_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity}{self.item.unit} → {self.get_recipient_kind_display()}"


class Stock(models.Model):
    """What a holding organization has of an item now; never negative."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("持有组织"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="stock")
    quantity = models.DecimalField(_("库存"), max_digits=14, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_spec = ScopeSpec(org_path="org__path")

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        ordering = ["org_id", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["org", "item"], name="stock_once_per_org_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity}"

    def audit_org_path(self) -> str:
        return self.org.path

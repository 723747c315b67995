"""The people served and their households (DESIGN.md §1, issue 4).

ID numbers and phones are encrypted at rest; their blind indexes give exact lookup and,
for ID numbers, uniqueness. Residents belong to places (a 12-digit village code), so a
region grant opens the villages it covers and an org grant the regions its orgs serve.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.fields import BlindIndexField, EncryptedTextField, PhoneTailField
from xianfeng.core.idnumber import normalize_id_number
from xianfeng.core.masking import mask_phone
from xianfeng.core.models import Gender, MaskedPersonalData, TimeStampedModel
from xianfeng.core.scoping import ScopeSpec

from .validators import normalize_phone

ELDERLY_AGE = 65


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ResidentTagKind(models.TextChoices):
    SEVERE_MENTAL = "severe_mental", _("严重精神障碍患者")
    ELDERLY = "elderly_65", _("65岁以上")  # derived from the birth date, never stored
    PREGNANT = "pregnant", _("孕产妇")
    STUDENT = "student", _("在校学生")
    DISABLED = "disabled", _("残疾人")
    HUBEI_FAMILY = "hubei_family", _("援鄂医务人员家属")
    CHRONIC = "chronic", _("慢性病患者")
    LEFT_BEHIND = "left_behind", _("留守老人/儿童")


# Health data (PIPL art. 28, DESIGN.md §3): shown, filtered on, added or ended only for
# residents within the user's "residents.health" scope (selectors.with_health_visibility).
HEALTH_TAGS = frozenset(
    {ResidentTagKind.SEVERE_MENTAL, ResidentTagKind.CHRONIC, ResidentTagKind.DISABLED, ResidentTagKind.PREGNANT}
)


class HouseholdTagKind(models.TextChoices):
    MONITORED = "monitored", _("监测户")
    LIFTED = "lifted", _("脱贫户")
    DIBAO = "dibao", _("低保户")
    TEKUN = "tekun", _("特困户")
    MEDICAL_FAMILY = "medical_family", _("援鄂医务人员家庭")


# Residents and households are reached through their village.
PLACE_SCOPE = ScopeSpec(region_code="village__code", served_region="village__code", owner="created_by")


def is_elderly(birth_date: datetime.date | None, on: datetime.date | None = None) -> bool:
    if birth_date is None:
        return False
    return birth_date <= elderly_born_before(on)


def elderly_born_before(on: datetime.date | None = None) -> datetime.date:
    """People born on or before this day are 65 or older on ``on``."""
    on = on or timezone.localdate()
    try:
        return on.replace(year=on.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        return on.replace(year=on.year - ELDERLY_AGE, day=28)


def _active_q(on: datetime.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


class Household(TimeStampedModel):
    number = models.CharField(_("户编号"), max_length=40, blank=True)
    head = models.ForeignKey(
        "Resident", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("所属村"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_index = BlindIndexField(source="phone", purpose="household.phone", normalizer=normalize_phone)

    scope_spec = PLACE_SCOPE

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["village_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                condition=~Q(number=""),
                name="household_number_unique_in_village",
                violation_error_message=_("该村已有相同户编号的户"),
            )
        ]

    def __str__(self) -> str:
        head = self.head.name if self.head_id else ""
        return f"{head}户" if head else (self.number or f"户#{self.pk}")

    def audit_org_path(self) -> str:
        return ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def active_tags(self, on: datetime.date | None = None) -> list[str]:
        """Labels of the household's current categories (uses prefetched tags when present)."""
        on = on or timezone.localdate()
        return [t.get_tag_display() for t in self.tags.all() if t.is_active_on(on)]


class Resident(MaskedPersonalData, TimeStampedModel):
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    # Indexes are declared in Meta (plain btrees: PostgreSQL's extra LIKE indexes would only slow writes).
    id_number_index = BlindIndexField(
        source="id_number", purpose="resident.id_number", normalizer=normalize_id_number, db_index=False
    )
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_index = BlindIndexField(source="phone", purpose="resident.phone", normalizer=normalize_phone, db_index=False)
    phone_last4 = PhoneTailField(source="phone")  # picker search (index in Meta); masking shows it anyway
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("所属村"), on_delete=models.PROTECT, related_name="residents"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    household = models.ForeignKey(
        Household, verbose_name=_("所在户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, blank=True)
    deceased_on = models.DateField(_("死亡日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # A duplicate merged into another record keeps its row (so the merge can be undone).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并到"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Every index slows the bulk import; who registered a resident is never searched on.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    name_norm = models.CharField(max_length=50, editable=False)  # equality via resident_dup_key
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)

    scope_spec = PLACE_SCOPE

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["village_id", "name_norm", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index=""),
                name="resident_id_number_unique",
                violation_error_message=_("该身份证号已登记，同一身份证号只能登记一人"),
            )
        ]
        indexes = [
            models.Index(fields=["name_norm", "birth_date", "village"], name="resident_dup_key"),
            models.Index(fields=["id_number_index"], name="resident_id_index"),
            models.Index(fields=["phone_index"], name="resident_phone_index"),
            models.Index(fields=["phone_last4"], condition=~Q(phone_last4=""), name="resident_phone_last4"),
            # Deleting a resident makes the database look for rows merged into it (the foreign
            # key's check, per deleted row): without this index that is a scan of the whole
            # table per row, so deleting 100 000 residents took over 20 minutes (bench/RESULTS.md).
            # Partial: almost every row is NULL here, so imports pay next to nothing for it.
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="resident_merged_into"),
            # The list's order: a page is read from the index instead of sorting every resident
            # in scope on each page view (issue 8, bench/web_bench.py).
            models.Index(fields=["village", "name_norm", "id"], name="resident_list_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return ""

    @property
    def id_missing(self) -> bool:
        return not self.id_number

    def age(self, on: datetime.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    # Set by selectors (annotation or attribute) when the viewer may see this resident's
    # health tags; absent means no: health data is hidden unless shown on purpose.
    health_visible = False

    def visible_tags(self):
        """The tag rows the viewer may see (prefetched tags when present)."""
        return [t for t in self.tags.all() if self.health_visible or t.tag not in HEALTH_TAGS]

    def active_tags(self, on: datetime.date | None = None) -> list[str]:
        """Labels of the special groups this person is in today, 65岁以上 included (health
        groups only when ``health_visible``)."""
        on = on or timezone.localdate()
        labels = [t.get_tag_display() for t in self.visible_tags() if t.is_active_on(on)]
        if is_elderly(self.birth_date, on):
            labels.insert(0, str(ResidentTagKind.ELDERLY.label))
        return labels


class _Period(models.Model):
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def is_active_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


class ResidentTag(_Period):
    resident = models.ForeignKey(Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("人群分类"), max_length=30, choices=ResidentTagKind.choices, db_index=True)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return self.get_tag_display()


class HouseholdTag(_Period):
    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("户类别"), max_length=30, choices=HouseholdTagKind.choices, db_index=True)

    class Meta:
        verbose_name = _("户标签")
        verbose_name_plural = _("户标签")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return self.get_tag_display()


class Consent(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("接受健康服务")
        DATA = "data", _("个人信息采集与使用")
        FOLLOW_UP = "follow_up", _("纳入随访管理")
        SHARING = "sharing", _("信息共享给合作机构")

    class Method(models.TextChoices):
        WRITTEN = "written", _("书面签字")
        VERBAL = "verbal", _("口头（有见证人）")
        ELECTRONIC = "electronic", _("电子确认")
        GUARDIAN = "guardian", _("监护人代签")

    resident = models.ForeignKey(Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("同意事项"), max_length=20, choices=Kind.choices)
    granted = models.BooleanField(_("同意"), default=True, help_text=_("不勾选表示撤回同意"))
    on_date = models.DateField(_("日期"), default=timezone.localdate)
    method = models.CharField(_("方式"), max_length=20, choices=Method.choices, default=Method.WRITTEN)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("知情同意")
        verbose_name_plural = _("知情同意")
        ordering = ["-on_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{'同意' if self.granted else '撤回'}）"


class ResidentMerge(models.Model):
    """One merge of a duplicate into the record kept, with what moved, so it can be undone."""

    keeper = models.ForeignKey(Resident, verbose_name=_("保留记录"), on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Resident, verbose_name=_("被合并记录"), on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(_("转移的关联记录"), default=dict)  # "app.Model.field" -> [pks]
    filled = models.JSONField(_("补全的字段"), default=list)  # keeper fields filled from the duplicate
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_spec = ScopeSpec(
        region_code="keeper__village__code", served_region="keeper__village__code", owner="created_by"
    )

    class Meta:
        verbose_name = _("合并记录")
        verbose_name_plural = _("合并记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged} → {self.keeper}"

    def audit_org_path(self) -> str:
        return ""

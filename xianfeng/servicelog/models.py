"""The atomic facts every figure counts (DESIGN.md §1, §2, issue 9).

ServiceType is the catalogue (shipped as a data migration, edited by administrators).
An Activity is an event (义诊, 讲座, 集中服务) with participating members and their hours, an
anonymous headcount and quantities. A ServiceRecord is one service to one resident or
household by one or more members.

Every counted row carries its organization, its day and its region code at each level as
they were on the day of service (FactPlace), so scope filters and rollups are equalities on
indexed columns. Facts are voided with a reason, never deleted; the rows that hang off a fact
(participants, quantities, providers) copy its place and its voided state.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import PlaceCodes, VoidableModel
from xianfeng.core.scoping import FACT_REGION_LEVELS, ScopeSpec

MAX_QUANTITY = Decimal("999999999")
MAX_HOURS_PER_DAY = Decimal("24")


class Unit(models.TextChoices):
    PERSON_TIME = "人次", _("人次")
    HOUSEHOLD = "户", _("户")
    EVENT = "场次", _("场次")
    COPY = "份", _("份")
    PIECE = "件", _("件")
    VOLUME = "册", _("册")
    SET = "套", _("套")
    ITEM = "条", _("条")
    SCREENING = "片次", _("片次")
    YUAN = "元", _("元")
    KM = "公里", _("公里")
    HOUR = "小时", _("小时")


class Category(models.TextChoices):
    MEDICAL = "medical", _("医疗服务")
    MENTAL = "mental", _("心理与精神卫生")
    SCREENING = "screening", _("筛查与体检")
    EDUCATION = "education", _("健康宣教")
    ASSISTANCE = "assistance", _("生活帮扶")
    EMERGENCY = "emergency", _("应急处置")
    MATERIALS = "materials", _("物资与捐赠")
    SURVEY = "survey", _("走访调查")


class Subject(models.TextChoices):
    NONE = "none", _("不需指定对象")
    RESIDENT = "resident", _("须指定居民")
    HOUSEHOLD = "household", _("须指定户")
    ANY = "any", _("须指定居民或户")


class Sensitivity(models.IntegerChoices):
    # The levels of accounts.roles.Sensitivity that a service type can have.
    ORDINARY = 0, _("普通")
    HEALTH = 2, _("健康信息")


class ServiceType(models.Model):
    code = models.SlugField(
        _("代码"), max_length=40, unique=True, help_text=_("稳定的英文代码，统计与接口使用，不随名称变化")
    )
    name = models.CharField(_("名称"), max_length=50, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    unit = models.CharField(_("计量单位"), max_length=4, choices=Unit.choices, default=Unit.PERSON_TIME)
    counts_person_time = models.BooleanField(_("计入服务人次"), default=True)
    subject = models.CharField(_("服务对象"), max_length=10, choices=Subject.choices, default=Subject.NONE)
    sensitivity = models.PositiveSmallIntegerField(
        _("敏感级别"), choices=Sensitivity.choices, default=Sensitivity.ORDINARY
    )
    default_hours = models.DecimalField(
        _("默认服务时长（小时）"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_HOURS_PER_DAY)],
    )
    # Typed result fields, e.g. a screening's outcome:
    # [{"key": "result", "label": "筛查结果", "kind": "choice", "required": false,
    #   "choices": [["negative", "阴性"], ["positive", "阳性"], ["referred", "已转诊"]]}]
    # kinds: choice, integer, decimal, text, boolean (servicelog.rules.clean_result validates).
    result_fields = models.JSONField(_("结果字段"), default=list, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    # Catalogue data: everyone signed in reads it; only "servicetypes.change" (administrators)
    # edits it — not everyone who records services.
    scope_spec = ScopeSpec(public_view=True, area="servicetypes")

    class Meta:
        verbose_name = _("服务类型")
        verbose_name_plural = _("服务类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_health(self) -> bool:
        return self.sensitivity == Sensitivity.HEALTH

    def audit_org_path(self) -> str:
        return ""


class FactPlace(PlaceCodes):
    """Where and when a counted row happened, as it was on the day, and for whom it counts."""

    org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    served_on = models.DateField(_("服务日期"))

    class Meta:
        abstract = True

    def copy_place(self, fact: "FactPlace") -> None:
        self.org_id = fact.org_id
        self.served_on = fact.served_on
        self.village_code = fact.village_code
        self.township_code = fact.township_code
        self.county_code = fact.county_code

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


def _fact_indexes(prefix: str) -> list[models.Index]:
    """The predicates of scope filters and rollups: place and organization, by day."""
    return [
        models.Index(fields=["township_code", "served_on"], name=f"{prefix}_town_day"),
        models.Index(fields=["county_code", "served_on"], name=f"{prefix}_county_day"),
        models.Index(fields=["village_code", "served_on"], name=f"{prefix}_village_day"),
        models.Index(fields=["org", "served_on"], name=f"{prefix}_org_day"),
    ]


def fact_scope(via: str = "", **extra) -> ScopeSpec:
    """The ScopeSpec of a counted fact, or of a row reached through one (``via="activity__"``)."""
    return ScopeSpec(
        org_path=f"{via}org__path",
        region_code=f"{via}village_code",
        region_levels=tuple((length, via + lookup) for length, lookup in FACT_REGION_LEVELS),
        **extra,
    )


class Activity(FactPlace, VoidableModel):
    class Kind(models.TextChoices):
        CONCENTRATED = "concentrated", _("集中服务")
        FREE_CLINIC = "free_clinic", _("义诊")
        LECTURE = "lecture", _("讲座")
        SCREENING = "screening", _("筛查")
        DONATION = "donation", _("捐赠")
        LIVE_SALES = "live_sales", _("直播助农")
        TRAINING = "training", _("培训交流")
        VISIT = "visit", _("走访慰问")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        HELD = "held", _("已举办")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("活动类型"), max_length=20, choices=Kind.choices, default=Kind.CONCENTRATED)
    service_types = models.ManyToManyField(ServiceType, verbose_name=_("服务类型"), blank=True, related_name="+")
    start_at = models.DateTimeField(_("开始时间"))
    end_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    teams = models.ManyToManyField("teams.Team", verbose_name=_("队伍"), blank=True, related_name="activities")
    place = models.CharField(_("地点"), max_length=100, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在乡镇/村"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    headcount = models.PositiveIntegerField(
        _("服务人数（不记名）"), default=0, validators=[MaxValueValidator(1_000_000)]
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(_("备注"), blank=True)
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = fact_scope(owner="created_by")

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-start_at", "-id"]
        indexes = _fact_indexes("activity")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="activity_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def counts(self) -> bool:
        """Only a held, unvoided activity counts (场次, headcount, hours, quantities)."""
        return self.status == self.Status.HELD and not self.is_voided


class ActivityPart(FactPlace):
    """A row that hangs off an activity: copies the activity's place and whether it counts."""

    counted = models.BooleanField(_("计入统计"), default=False, editable=False)

    scope_spec = fact_scope(owner="activity__created_by")

    class Meta:
        abstract = True


class ActivityParticipant(ActivityPart):
    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("参与人员"), on_delete=models.PROTECT, related_name="activity_participations"
    )
    hours = models.DecimalField(
        _("志愿服务时长（小时，不含路途）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("999"))],
    )
    role = models.CharField(_("分工"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("活动参与人员")
        verbose_name_plural = _("活动参与人员")
        ordering = ["activity_id", "id"]
        indexes = [
            *_fact_indexes("participant"),
            models.Index(fields=["member", "served_on"], name="participant_member_day"),
        ]
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="participant_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.member} · {self.activity}"


class ActivityQuantity(ActivityPart):
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="quantities")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务类型"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        _("数量"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_QUANTITY)],
    )
    unit = models.CharField(_("单位"), max_length=4, choices=Unit.choices)

    class Meta:
        verbose_name = _("活动服务数量")
        verbose_name_plural = _("活动服务数量")
        ordering = ["activity_id", "id"]
        indexes = _fact_indexes("quantity")
        constraints = [models.UniqueConstraint(fields=["activity", "service_type"], name="quantity_once_per_type")]

    def __str__(self) -> str:
        return f"{self.service_type} {self.quantity}{self.unit}"


class ServiceRecord(FactPlace, VoidableModel):
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务类型"), on_delete=models.PROTECT, related_name="records", db_index=False
    )
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("服务对象（居民）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
    )
    household = models.ForeignKey(
        "residents.Household",
        verbose_name=_("服务对象（户）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("所属活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    quantity = models.DecimalField(
        _("数量"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_QUANTITY)],
    )
    result = models.JSONField(_("服务结果"), default=dict, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # Copied from the type when recorded (and when an administrator changes the type's level),
    # so the health filter is a column of the row (accounts.scoping._with_health).
    health = models.BooleanField(_("健康信息"), default=False, editable=False)
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = fact_scope(owner="created_by", health="health")

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-served_on", "-id"]
        indexes = [
            *_fact_indexes("record"),
            models.Index(fields=["resident", "served_on"], name="record_resident_day"),
            models.Index(fields=["household", "served_on"], name="record_household_day"),
            models.Index(fields=["service_type", "served_on"], name="record_type_day"),
            models.Index(fields=["team", "served_on"], name="record_team_day"),
            models.Index(fields=["created_by", "served_on"], name="record_creator_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="record_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_type.name}（{self.served_on:%Y-%m-%d}）#{self.pk}"


class RecordProvider(FactPlace):
    """A member who gave the service, with their hours (travel excluded)."""

    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("服务记录"), on_delete=models.CASCADE, related_name="providers"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("服务人员"), on_delete=models.PROTECT, related_name="service_provisions"
    )
    hours = models.DecimalField(
        _("服务时长（小时）"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_HOURS_PER_DAY)],
    )
    counted = models.BooleanField(_("计入统计"), default=True, editable=False)

    scope_spec = fact_scope(owner="record__created_by", health="record__health")

    class Meta:
        verbose_name = _("服务人员")
        verbose_name_plural = _("服务人员")
        ordering = ["record_id", "id"]
        indexes = [*_fact_indexes("provider"), models.Index(fields=["member", "served_on"], name="provider_member_day")]
        constraints = [models.UniqueConstraint(fields=["record", "member"], name="provider_once_per_record")]

    def __str__(self) -> str:
        return f"{self.member} · {self.record_id}"


class ActivityFile(models.Model):
    """Evidence of an activity: a photo (re-encoded without EXIF, with a thumbnail) or an
    attachment. Stored encrypted like every upload; served only to users who may see the activity."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        ATTACHMENT = "attachment", _("附件")

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("文件"), upload_to="servicelog/evidence/%Y/%m/", max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to="servicelog/thumbs/%Y/%m/", max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the file and its thumbnail were deleted after EVIDENCE_RETENTION_DAYS (servicelog/
    # retention.py); the row stays, so the activity page says what was there and when it went.
    purged_at = models.DateTimeField(_("按保存期限删除于"), null=True, blank=True, editable=False)

    scope_spec = fact_scope("activity__", owner="activity__created_by")

    class Meta:
        verbose_name = _("活动照片与附件")
        verbose_name_plural = _("活动照片与附件")
        ordering = ["activity_id", "id"]

    def __str__(self) -> str:
        return self.caption or self.original_name

    def audit_org_path(self) -> str:
        return self.activity.org.path

    @property
    def retention_days(self) -> int:
        """The evidence retention period, for the notice shown in place of a deleted file."""
        return int(getattr(settings, "EVIDENCE_RETENTION_DAYS", 1095))


class VolunteerCertificate(models.Model):
    """A volunteer service certificate (《志愿服务记录与证明出具办法（试行）》): the volunteer
    number stands in for the ID number; every certificate issued is kept and verifiable by number.
    The volunteer's name and number are copied when it is issued, so that renaming the member
    later does not change a certificate already printed."""

    number = models.CharField(_("证明编号"), max_length=40, unique=True, editable=False)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    # As issued: a certificate states the name and volunteer number of the day it was issued.
    volunteer_name = models.CharField(_("志愿者姓名"), max_length=50)
    volunteer_no = models.CharField(_("志愿者编号"), max_length=20, blank=True)
    period_start = models.DateField(_("服务起始日期"))
    period_end = models.DateField(_("服务截止日期"))
    hours = models.DecimalField(_("志愿服务时长（小时）"), max_digits=7, decimal_places=1)
    content = models.TextField(_("服务内容"))
    issuing_org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("出具组织"), on_delete=models.PROTECT, related_name="+"
    )
    person_in_charge = models.CharField(_("负责人"), max_length=50)
    handler = models.CharField(_("经办人"), max_length=50)
    contact = models.CharField(_("联系方式"), max_length=50)
    issued_on = models.DateField(_("出具日期"))
    issued_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出具人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(org_path="issuing_org__path", owner="member__user")

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def audit_org_path(self) -> str:
        return self.issuing_org.path

"""The psychological-aid hotline (issue 12 §1): duty roster, call log, risk screen, escalation.

Two areas of access (DESIGN.md §3): the roster ("hotlineroster": who is on duty when) is
ordinary data a team leader manages; calls and escalations ("hotline") are health data, read
only by roles holding the hotline permission — the duty member who took a call, the duty
supervisor (a psychiatrist) and administrators.

Every call is one counted fact: it carries its organization, day and place like a service
record (FactPlace), and its ``record`` is the ServiceRecord (心理援助热线 or 线上心理服务) that
puts it into every figure (人次). The caller is anonymous by default: an optional age group,
gender and region; a callback number is encrypted like every phone.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.core.fields import BlindIndexField, EncryptedTextField
from xianfeng.core.masking import mask_phone
from xianfeng.core.models import Gender, VoidableModel
from xianfeng.core.scoping import FACT_REGION_LEVELS, ScopeSpec
from xianfeng.residents.validators import normalize_phone
from xianfeng.servicelog.models import FactPlace

MAX_CALL_MINUTES = 600
ROSTER_AREA = "hotlineroster"


def _roster_scope(via: str, owner: str | None = None) -> ScopeSpec:
    # The owner (the member on duty, the one who asked for a swap) sees their row wherever the
    # team belongs; only the roster's managers change it.
    return ScopeSpec(
        org_path=f"{via}team__owner_org__path",
        owner=owner,
        owner_always=owner is not None,
        owner_actions=("view",),
        area=ROSTER_AREA,
    )


class Shift(models.Model):
    """A duty slot of a 热线值守组: a date, a time window and how many members it needs."""

    team = models.ForeignKey(
        "teams.Team", verbose_name=_("值守组"), on_delete=models.PROTECT, related_name="hotline_shifts"
    )
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    # An end at or before the start runs past midnight (a night shift 22:00–08:00).
    end_time = models.TimeField(_("结束时间"))
    seats = models.PositiveSmallIntegerField(
        _("需要人数"), default=1, validators=[MaxValueValidator(50)], help_text=_("少于此人数即为缺岗")
    )
    supervisor = models.ForeignKey(
        "members.Member",
        verbose_name=_("值班督导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_supervised_shifts",
        help_text=_("高危来电即时提醒此人；不填则提醒值守组组长"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = _roster_scope("")

    class Meta:
        verbose_name = _("值守班次")
        verbose_name_plural = _("值守班次")
        ordering = ["date", "start_time", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "date", "start_time"], name="shift_once_per_slot")]
        indexes = [models.Index(fields=["date", "team"], name="shift_day_team")]

    def __str__(self) -> str:
        return f"{self.team} {self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def audit_org_path(self) -> str:
        return self.team.owner_org.path

    @property
    def overnight(self) -> bool:
        return self.end_time <= self.start_time


class ShiftAssignment(models.Model):
    """A member on duty for a shift. The member always sees their own duty (owner)."""

    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("值守人员"), on_delete=models.PROTECT, related_name="hotline_assignments"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_spec = _roster_scope("shift__", owner="member__user")

    class Meta:
        verbose_name = _("值守安排")
        verbose_name_plural = _("值守安排")
        ordering = ["shift_id", "id"]
        constraints = [models.UniqueConstraint(fields=["shift", "member"], name="assignment_once_per_shift")]
        indexes = [models.Index(fields=["member", "shift"], name="assignment_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.shift}"

    def audit_org_path(self) -> str:
        return self.shift.team.owner_org.path


class SwapRequest(models.Model):
    """A member asks to hand a duty to a colleague; a roster manager approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤回")

    assignment = models.ForeignKey(
        ShiftAssignment, verbose_name=_("原值守安排"), on_delete=models.CASCADE, related_name="swap_requests"
    )
    # Who was on duty when the swap was asked for: once approved, the assignment names the colleague.
    from_member = models.ForeignKey(
        "members.Member", verbose_name=_("原值守人员"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_member = models.ForeignKey(
        "members.Member", verbose_name=_("接班人员"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    scope_spec = _roster_scope("assignment__shift__", owner="requested_by")

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="swap_one_pending_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.to_member}"

    def audit_org_path(self) -> str:
        return self.assignment.shift.team.owner_org.path


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    ONLINE = "online", _("线上")


# The service type each channel counts as (servicelog catalogue codes).
CHANNEL_SERVICE_TYPE = {Channel.PHONE: "hotline_call", Channel.ONLINE: "online_consult"}


class Topic(models.TextChoices):
    EPIDEMIC_ANXIETY = "epidemic_anxiety", _("疫情焦虑")
    SLEEP = "sleep", _("睡眠问题")
    FAMILY = "family", _("家庭关系")
    STUDY = "study", _("学业压力")
    WORK = "work", _("工作压力")
    GRIEF = "grief", _("丧亲哀伤")
    RELATIONSHIP = "relationship", _("恋爱与人际")
    DEPRESSION = "depression", _("情绪低落")
    PHYSICAL = "physical", _("躯体不适")
    MEDICATION = "medication", _("用药咨询")
    OTHER = "other", _("其他")


class AgeGroup(models.TextChoices):
    UNKNOWN = "", _("未知")
    CHILD = "child", _("14岁以下")
    TEEN = "teen", _("14–17岁")
    YOUNG = "young", _("18–34岁")
    MIDDLE = "middle", _("35–59岁")
    OLDER = "older", _("60岁及以上")


class RiskLevel(models.TextChoices):
    """The screen's result (hotline/rules.py decides it from the answers)."""

    NONE = "none", _("无风险")
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("问题缓解")
    ADVICE = "advice", _("给予建议")
    REFERRAL = "referral", _("转介就医")
    CRISIS = "crisis", _("危机升级")
    CALLBACK = "callback", _("需要回访")


class Call(FactPlace, VoidableModel):
    """One hotline call or online consultation: the counted fact of the hotline."""

    started_at = models.DateTimeField(_("来电时间"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("通话时长（分钟）"), default=0, validators=[MaxValueValidator(MAX_CALL_MINUTES)]
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    taken_by = models.ForeignKey(
        "members.Member", verbose_name=_("接线人员"), on_delete=models.PROTECT, related_name="hotline_calls"
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("值守组"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        Shift, verbose_name=_("班次"), null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    # Allowed but flagged (issue 12, bad input): the member was not on the shift logged to.
    off_roster = models.BooleanField(_("不在排班内"), default=False, editable=False)
    # The caller: anonymous by default.
    caller_gender = models.CharField(_("来电者性别"), max_length=1, choices=Gender.choices, blank=True)
    caller_age_group = models.CharField(_("来电者年龄段"), max_length=10, choices=AgeGroup.choices, blank=True)
    callback_phone = EncryptedTextField(_("回访电话"), blank=True)
    callback_phone_index = BlindIndexField(
        source="callback_phone", purpose="call.phone", normalizer=normalize_phone, db_index=False
    )
    topic = models.CharField(_("主要问题"), max_length=20, choices=Topic.choices)
    # The structured risk screen (hotline/rules.py: RISK_QUESTIONS).
    suicidal_ideation = models.BooleanField(_("有自杀想法"), default=False)
    suicide_plan = models.BooleanField(_("有自杀计划或准备"), default=False)
    suicide_attempt = models.BooleanField(_("正在实施或近期有自杀行为"), default=False)
    means_access = models.BooleanField(_("能接触到致命手段"), default=False)
    violence_risk = models.BooleanField(_("有伤害他人的想法或行为"), default=False)
    self_harm = models.BooleanField(_("有自伤行为"), default=False)
    risk_level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE, editable=False
    )
    intervention = models.TextField(_("干预措施"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    record = models.OneToOneField(
        "servicelog.ServiceRecord",
        verbose_name=_("服务记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_call",
        editable=False,
    )
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(
        org_path="org__path",
        region_code="village_code",
        region_levels=FACT_REGION_LEVELS,
        owner="created_by",
        owner_always=True,
    )

    class Meta:
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["org", "served_on"], name="call_org_day"),
            models.Index(fields=["county_code", "served_on"], name="call_county_day"),
            models.Index(fields=["township_code", "served_on"], name="call_town_day"),
            models.Index(fields=["taken_by", "served_on"], name="call_member_day"),
            models.Index(fields=["risk_level", "served_on"], name="call_risk_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="call_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}来电 #{self.pk}（{self.started_at:%Y-%m-%d %H:%M}）"

    @property
    def callback_phone_masked(self) -> str:
        return mask_phone(self.callback_phone)

    @property
    def is_high_risk(self) -> bool:
        return self.risk_level == RiskLevel.HIGH


class Escalation(models.Model):
    """A crisis follow-up: opened by a high-risk call (or an outcome of 危机升级), it alerts the
    duty supervisor at once and stays red on their worklist until closed with an outcome."""

    class Outcome(models.TextChoices):
        SAFE = "safe", _("已联系，来电者安全")
        FAMILY = "family", _("已联系家属/监护人")
        EMERGENCY = "emergency", _("已联系120/急救")
        POLICE = "police", _("已联系110/公安")
        ADMITTED = "admitted", _("已入院/转诊")
        UNREACHABLE = "unreachable", _("多次联系未果，已按规程上报")

    call = models.OneToOneField(Call, verbose_name=_("来电"), on_delete=models.PROTECT, related_name="escalation")
    supervisor = models.ForeignKey(
        "members.Member",
        verbose_name=_("督导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_escalations",
    )
    raised_at = models.DateTimeField(_("升级时间"))
    due_at = models.DateTimeField(_("应处理时限"))
    acknowledged_at = models.DateTimeField(_("督导确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("处理经过"), blank=True)
    # Minutes from the call's start to the escalation being closed (recorded, issue 12 §1).
    minutes_to_handle = models.PositiveIntegerField(_("处理用时（分钟）"), null=True, blank=True, editable=False)
    alerted = models.BooleanField(_("已发送提醒"), default=False, editable=False)

    scope_spec = ScopeSpec(
        org_path="call__org__path",
        region_code="call__village_code",
        region_levels=tuple((length, "call__" + lookup) for length, lookup in FACT_REGION_LEVELS),
        owner="call__created_by",
        owner_always=True,
    )

    class Meta:
        verbose_name = _("危机升级")
        verbose_name_plural = _("危机升级")
        ordering = ["closed_at", "-raised_at"]
        indexes = [models.Index(fields=["closed_at", "supervisor"], name="escalation_open")]

    def __str__(self) -> str:
        return f"危机升级 #{self.pk}（{self.call}）"

    def audit_org_path(self) -> str:
        return self.call.org.path

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def handled_in_time(self) -> bool | None:
        if self.closed_at is None:
            return None
        return self.closed_at <= self.due_at

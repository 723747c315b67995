"""Enrollments in care programs and their visits (DESIGN.md §1 programs; issue 10).

An Enrollment puts one resident, household or place (a township's patients, for pairing) in one
program, under a responsible organization and optionally a member or team. What it holds is
validated by its program (registry.py); its derived state, next due date and consecutive misses
are stored, so a worklist is an indexed query on ``next_due_on``. A visit is a ServiceRecord
(the fact every figure counts) linked to its enrollment by a Visit row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import PlaceCodes, VoidableModel
from xianfeng.core.scoping import FACT_REGION_LEVELS, ScopeSpec


class Status(models.TextChoices):
    ENROLLED = "enrolled", _("已纳入")
    ACTIVE = "active", _("管理中")
    LOST = "lost", _("失访")
    MOVED = "moved", _("已迁出")
    DECEASED = "deceased", _("已死亡")
    EXITED = "exited", _("已结案")


# An open enrollment is followed (and may not be doubled); a closed one keeps its history.
OPEN_STATUSES = (Status.ENROLLED, Status.ACTIVE, Status.LOST)
CLOSED_STATUSES = (Status.MOVED, Status.DECEASED, Status.EXITED)

ENROLLMENT_SCOPE = ScopeSpec(
    org_path="org__path",
    region_code="village_code",
    region_levels=tuple((length, lookup) for length, lookup in FACT_REGION_LEVELS),
    # The responsible volunteer always reaches the work assigned to them (DESIGN.md §3: "a
    # volunteer sees only what their own assigned work needs"), under any grant of a role
    # that allows the action; health rows still need "programs.health".
    owner="responsible_member__user",
    owner_always=True,
    health="health",
)


def through_enrollment(*, health: str) -> ScopeSpec:
    """The scope of a row that belongs to an enrollment: the enrollment's, reached through it."""
    return ScopeSpec(
        org_path="enrollment__org__path",
        region_code="enrollment__village_code",
        region_levels=tuple((length, "enrollment__" + lookup) for length, lookup in FACT_REGION_LEVELS),
        owner="enrollment__responsible_member__user",
        owner_always=True,
        health=health,
    )


class Enrollment(PlaceCodes, VoidableModel):
    # PlaceCodes: the subject's place when enrolled, for scope filters and worklists by township
    # (equalities on indexed columns).

    program = models.CharField(_("项目"), max_length=40)
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    household = models.ForeignKey(
        "residents.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("帮扶地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("结对帮扶一个乡镇（村）的全部患者时填写"),
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("责任组织"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    responsible_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    responsible_team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("责任队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    state = models.CharField(_("管理状态"), max_length=30, blank=True, help_text=_("由项目规则从随访记录推导"))
    data = models.JSONField(_("登记信息"), default=dict, blank=True)
    enrolled_on = models.DateField(_("纳入日期"))
    ended_on = models.DateField(_("结案日期"), null=True, blank=True)
    end_reason = models.CharField(_("结案原因"), max_length=200, blank=True)
    last_visit_on = models.DateField(_("最近随访"), null=True, blank=True)
    next_due_on = models.DateField(_("下次随访"), null=True, blank=True)
    misses = models.PositiveSmallIntegerField(_("连续未访到次数"), default=0)
    health = models.BooleanField(_("健康信息"), default=False, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ENROLLMENT_SCOPE

    class Meta:
        verbose_name = _("项目对象")
        verbose_name_plural = _("项目对象")
        ordering = ["next_due_on", "id"]
        indexes = [
            # Worklists: due and overdue by place, organization, member and team.
            models.Index(fields=["township_code", "next_due_on"], name="enrol_town_due"),
            models.Index(fields=["county_code", "next_due_on"], name="enrol_county_due"),
            models.Index(fields=["village_code", "next_due_on"], name="enrol_village_due"),
            models.Index(fields=["org", "next_due_on"], name="enrol_org_due"),
            models.Index(fields=["responsible_member", "next_due_on"], name="enrol_member_due"),
            models.Index(fields=["responsible_team", "next_due_on"], name="enrol_team_due"),
            models.Index(fields=["program", "status"], name="enrol_program_status"),
        ]
        constraints = [
            # One open enrollment per person (household) and program: a second is refused.
            models.UniqueConstraint(
                fields=["program", "resident"],
                condition=Q(status__in=OPEN_STATUSES, voided_at__isnull=True, resident__isnull=False),
                name="enrol_open_once_resident",
            ),
            models.UniqueConstraint(
                fields=["program", "household"],
                condition=Q(
                    status__in=OPEN_STATUSES, voided_at__isnull=True, household__isnull=False, resident__isnull=True
                ),
                name="enrol_open_once_household",
            ),
        ]

    def __str__(self) -> str:
        from .registry import get_program

        subject = self.resident or self.household or self.region
        return f"{get_program(self.program).name} · {subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES and not self.is_voided

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class Visit(models.Model):
    """Links a service record (the counted fact) to the enrollment it follows up."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("项目对象"), on_delete=models.PROTECT, related_name="visits"
    )
    record = models.OneToOneField(
        "servicelog.ServiceRecord", verbose_name=_("服务记录"), on_delete=models.PROTECT, related_name="program_visit"
    )
    kind = models.CharField(_("记录类型"), max_length=20)
    visited_on = models.DateField(_("日期"))
    reached = models.BooleanField(_("见到本人"), default=True)
    counted = models.BooleanField(_("计入"), default=True, help_text=_("服务记录作废后不再计入"))
    health = models.BooleanField(_("健康信息"), default=False, editable=False)

    # Its own column: a visit is health data when its enrollment or its service record is.
    scope_spec = through_enrollment(health="health")

    class Meta:
        verbose_name = _("随访记录")
        verbose_name_plural = _("随访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["enrollment", "visited_on"], name="visit_enrol_day")]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.visited_on:%Y-%m-%d}"

    def audit_org_path(self) -> str:
        return self.enrollment.audit_org_path()


class Period(models.Model):
    """A dated period of an enrollment: in hospital, or away (外出务工) — it pauses or changes
    what is due and counts for indicators (管理率 counts a patient in hospital as managed)."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("住院")
        AWAY = "away", _("外出")

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("项目对象"), on_delete=models.CASCADE, related_name="periods"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("未结束可不填"))
    place = models.CharField(_("机构或去向"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = through_enrollment(health="enrollment__health")

    class Meta:
        verbose_name = _("住院与外出")
        verbose_name_plural = _("住院与外出")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_on:%Y-%m-%d}–{self.end_on or ''}"

    def audit_org_path(self) -> str:
        return self.enrollment.audit_org_path()

    @property
    def health(self) -> bool:
        return self.enrollment.health


class ProgramSetting(models.Model):
    """A deployment's value for one of a program's settings (registry.SettingSpec)."""

    program = models.CharField(_("项目"), max_length=40)
    key = models.CharField(_("设置项"), max_length=40)
    value = models.JSONField(_("取值"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Everyone who reads programs reads their settings (printed beside the indicators);
    # only holders of "programsettings.change" (administrators) change them.
    scope_spec = ScopeSpec(public_view=True, area="programsettings")

    class Meta:
        verbose_name = _("项目设置")
        verbose_name_plural = _("项目设置")
        constraints = [models.UniqueConstraint(fields=["program", "key"], name="program_setting_once")]

    def __str__(self) -> str:
        return f"{self.program}.{self.key}={self.value}"

    def audit_org_path(self) -> str:
        return ""


class CustomProgram(models.Model):
    """A deployment's own interval program (孕产妇心理随访…), configured without code."""

    code = models.SlugField(_("代码"), max_length=30, unique=True, help_text=_("英文代码，如 pregnancy_mental"))
    name = models.CharField(_("名称"), max_length=50, unique=True)
    eligible_tags = models.JSONField(
        _("适用人群标签"), default=list, blank=True, help_text=_("居民标签代码；不填表示任何居民")
    )
    interval_days = models.PositiveSmallIntegerField(_("随访间隔（天）"), default=30)
    service_type = models.ForeignKey(
        "servicelog.ServiceType", verbose_name=_("随访登记为"), on_delete=models.PROTECT, related_name="+"
    )
    visit_fields = models.JSONField(_("随访字段"), default=list, blank=True)
    health = models.BooleanField(_("健康信息"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_spec = ScopeSpec(public_view=True, area="programsettings")

    class Meta:
        verbose_name = _("自定义随访项目")
        verbose_name_plural = _("自定义随访项目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return ""


class Digest(models.Model):
    """A reminder digest sent to a member (due and overdue work): never the same one twice."""

    member = models.ForeignKey("members.Member", verbose_name=_("成员"), on_delete=models.CASCADE, related_name="+")
    on_date = models.DateField(_("日期"))
    channel = models.CharField(_("渠道"), max_length=20)
    fingerprint = models.CharField(_("内容摘要"), max_length=64, help_text=_("到期事项与日期的哈希：同一摘要只发一次"))
    due_count = models.PositiveIntegerField(_("到期"), default=0)
    overdue_count = models.PositiveIntegerField(_("逾期"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    error = models.CharField(_("发送失败原因"), max_length=200, blank=True)

    scope_spec = ScopeSpec(org_path="member__branch__path", owner="member__user")

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["member", "fingerprint"], name="digest_once")]

    def __str__(self) -> str:
        return f"{self.member} {self.on_date:%Y-%m-%d} {self.channel}"

    def audit_org_path(self) -> str:
        return self.member.branch.path if self.member.branch_id else ""

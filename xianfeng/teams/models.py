from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import TimeStampedModel
from xianfeng.core.scoping import ScopeSpec


class Team(TimeStampedModel):
    """A team that serves: commando team, volunteer team, village work team..."""

    class Kind(models.TextChoices):
        VANGUARD = "vanguard", _("先锋队")
        COMMANDO = "commando", _("突击队")
        VOLUNTEER = "volunteer", _("志愿服务队")
        MEDICAL = "medical", _("医疗队")
        VILLAGE = "village", _("驻村工作队")
        HOTLINE = "hotline", _("热线值守组")
        CUSTOM = "custom", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    custom_kind = models.CharField(_("自定义类型"), max_length=30, blank=True, help_text=_("类型为“其他”时填写"))
    owner_org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="teams"
    )
    purpose = models.TextField(_("任务/宗旨"), blank=True)
    active_from = models.DateField(_("组建日期"), default=timezone.localdate)
    active_to = models.DateField(_("解散日期"), null=True, blank=True)
    name_norm = models.CharField(max_length=100, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)

    scope_spec = ScopeSpec(org_path="owner_org__path")

    class Meta:
        verbose_name = _("队伍")
        verbose_name_plural = _("队伍")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.owner_org.path

    @property
    def kind_label(self) -> str:
        return self.custom_kind if self.kind == self.Kind.CUSTOM and self.custom_kind else self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.active_to is None or self.active_to >= timezone.localdate()


class TeamMembership(models.Model):
    """A member in a team with a role from ``start_on`` to ``end_on`` (both inclusive; open = current).
    A rotation ends memberships and starts new ones, so the roster on any past date is a query."""

    class Role(models.TextChoices):
        LEADER = "leader", _("队长")
        DEPUTY = "deputy", _("副队长")
        FIRST_SECRETARY = "first_secretary", _("第一书记")
        MEMBER = "member", _("队员")
        LIAISON = "liaison", _("联络员")
        OTHER = "other", _("其他")

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="team_memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    start_on = models.DateField(_("起始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(org_path="team__owner_org__path", owner="member__user")

    class Meta:
        verbose_name = _("队伍成员")
        verbose_name_plural = _("队伍成员")
        ordering = ["team", "start_on", "id"]
        indexes = [models.Index(fields=["team", "start_on", "end_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="membership_end_after_start",
                violation_error_message=_("结束日期不能早于起始日期"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member} · {self.get_role_display()}"

    def audit_org_path(self) -> str:
        return self.team.owner_org.path


class Post(TimeStampedModel):
    """先锋岗: a named post held by one member at a time."""

    name = models.CharField(_("岗位名称"), max_length=100)
    owner_org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="posts"
    )
    location = models.CharField(_("岗位地点"), max_length=100, blank=True)
    duties = models.TextField(_("岗位职责"), blank=True)
    active_from = models.DateField(_("设岗日期"), default=timezone.localdate)
    active_to = models.DateField(_("撤岗日期"), null=True, blank=True)

    scope_spec = ScopeSpec(org_path="owner_org__path")

    class Meta:
        verbose_name = _("先锋岗")
        verbose_name_plural = _("先锋岗")
        ordering = ["owner_org__path", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.owner_org.path


class Zone(TimeStampedModel):
    """责任区: an area (regions) or a set of departments that a member answers for."""

    name = models.CharField(_("责任区名称"), max_length=100)
    owner_org = models.ForeignKey(
        "orgs.Organization", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="zones"
    )
    regions = models.ManyToManyField("regions.Region", verbose_name=_("地区"), blank=True, related_name="zones")
    departments = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("科室/部门"), blank=True, related_name="responsibility_zones"
    )
    description = models.TextField(_("说明"), blank=True)
    active_from = models.DateField(_("设立日期"), default=timezone.localdate)
    active_to = models.DateField(_("撤销日期"), null=True, blank=True)

    scope_spec = ScopeSpec(org_path="owner_org__path", region_code="regions__code", region_multi=True)

    class Meta:
        verbose_name = _("责任区")
        verbose_name_plural = _("责任区")
        ordering = ["owner_org__path", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.owner_org.path


class Assignment(models.Model):
    member = models.ForeignKey(
        "members.Member", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    start_on = models.DateField(_("起始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-start_on", "-id"]


class PostAssignment(Assignment):
    post = models.ForeignKey(Post, verbose_name=_("先锋岗"), on_delete=models.CASCADE, related_name="assignments")

    scope_spec = ScopeSpec(org_path="post__owner_org__path", owner="member__user")

    class Meta(Assignment.Meta):
        verbose_name = _("先锋岗任职")
        verbose_name_plural = _("先锋岗任职")

    def __str__(self) -> str:
        return f"{self.post} · {self.member}"

    def audit_org_path(self) -> str:
        return self.post.owner_org.path


class ZoneAssignment(Assignment):
    zone = models.ForeignKey(Zone, verbose_name=_("责任区"), on_delete=models.CASCADE, related_name="assignments")

    scope_spec = ScopeSpec(org_path="zone__owner_org__path", owner="member__user")

    class Meta(Assignment.Meta):
        verbose_name = _("责任区分工")
        verbose_name_plural = _("责任区分工")

    def __str__(self) -> str:
        return f"{self.zone} · {self.member}"

    def audit_org_path(self) -> str:
        return self.zone.owner_org.path

"""Crisis mode (issue 13 §6): an emergency run by a party committee, its command structure,
leadership meetings, the call to serve (请战书) and the commando teams picked from it, duty
rosters with transport, applications to join the party made on the front line, and the daily
situation report.

Every row hangs off its emergency and is scoped by the emergency's organization. Members of the
branches below the committee read the emergency, its groups, rosters and reports
(``org_ancestors_view``); a 请战书 is its writer's own and its branch's (area ``pledges``).
Commando and outbound medical teams are ordinary ``teams.Team`` rows linked to the emergency.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import TimeStampedModel, VoidableModel
from xianfeng.core.scoping import ScopeSpec

# The counts a command headquarters asks for every day, in its order (issue 13 §6). An emergency
# may switch any of them off, relabel them or add its own (Emergency.report_fields).
DEFAULT_REPORT_FIELDS = (
    ("screened", _("发热筛查")),
    ("isolated_suspected", _("隔离疑似")),
    ("confirmed", _("确诊")),
    ("asymptomatic", _("无症状感染者")),
    ("severe", _("重症")),
    ("transferred", _("转运")),
    ("discharged", _("出院")),
    ("deaths", _("死亡")),
    ("staff_infections", _("医务人员感染")),
)


def _emergency_scope(prefix: str = "emergency__") -> ScopeSpec:
    return ScopeSpec(org_path=f"{prefix}org__path", area="emergencies", org_ancestors_view=True)


class Emergency(TimeStampedModel):
    class Kind(models.TextChoices):
        EPIDEMIC = "epidemic", _("疫情")
        DISASTER = "disaster", _("自然灾害")
        ACCIDENT = "accident", _("事故灾难")
        OTHER = "other", _("其他")

    org = models.ForeignKey("orgs.Organization", verbose_name=_("牵头组织"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.EPIDEMIC)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    description = models.TextField(_("情况说明"), blank=True)
    call_text = models.TextField(_("请战倡议"), blank=True, help_text=_("党员在手机上看到的号召"))
    pledges_open = models.BooleanField(_("接收请战书"), default=False)
    # [{"code": "screened", "label": "发热筛查", "enabled": true}, ...] in the report's order; empty
    # means DEFAULT_REPORT_FIELDS (emergencies/report_form.py reads and validates it).
    report_fields = models.JSONField(_("日报字段"), default=list, blank=True)

    scope_spec = ScopeSpec(org_path="org__path", area="emergencies", org_ancestors_view=True)

    class Meta:
        verbose_name = _("应急事件")
        verbose_name_plural = _("应急事件")
        ordering = ["-start_on", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.start_on <= today and (self.end_on is None or self.end_on >= today)


class WorkingGroup(TimeStampedModel):
    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="groups"
    )
    name = models.CharField(_("工作组"), max_length=50)
    duties = models.TextField(_("职责"), blank=True)
    leader = models.ForeignKey(
        "members.Member", verbose_name=_("组长"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField("members.Member", verbose_name=_("成员"), blank=True, related_name="+")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope_spec = _emergency_scope()

    class Meta:
        verbose_name = _("工作组")
        verbose_name_plural = _("工作组")
        ordering = ["emergency_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["emergency", "name"], name="working_group_name_once")]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.emergency.org.path


class LeadershipMeeting(VoidableModel, TimeStampedModel):
    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField(_("日期"))
    title = models.CharField(_("议题"), max_length=100)
    host = models.ForeignKey(
        "members.Member", verbose_name=_("主持人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField("members.Member", verbose_name=_("参会人员"), blank=True, related_name="+")
    decisions = models.TextField(_("决定事项"), blank=True)

    scope_spec = _emergency_scope()

    class Meta:
        verbose_name = _("领导小组会议")
        verbose_name_plural = _("领导小组会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on:%Y-%m-%d}）"

    def audit_org_path(self) -> str:
        return self.emergency.org.path


class EmergencyTeam(models.Model):
    """A team working in the emergency: a commando team formed from 请战书, an outbound medical
    team (whose staff's families are paired 1-to-1), a closed-ward team."""

    class Purpose(models.TextChoices):
        COMMANDO = "commando", _("党员突击队")
        OUTBOUND = "outbound", _("援外医疗队")
        WARD = "ward", _("隔离病区")
        OTHER = "other", _("其他")

    emergency = models.ForeignKey(Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="teams")
    team = models.OneToOneField(
        "teams.Team", verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="emergency_link"
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    # An outbound team's temporary branch (临时党支部), if one was set up.
    temporary_branch = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("临时党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_spec = _emergency_scope()

    class Meta:
        verbose_name = _("应急队伍")
        verbose_name_plural = _("应急队伍")
        ordering = ["emergency_id", "purpose", "id"]

    def __str__(self) -> str:
        return str(self.team)

    def audit_org_path(self) -> str:
        return self.emergency.org.path


class Pledge(TimeStampedModel):
    """A member's 请战书: written on a phone, read by the committee, which picks commando teams
    from the volunteers. Rows are kept: a declined or withdrawn pledge is still on record."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        SELECTED = "selected", _("已编入突击队")
        DECLINED = "declined", _("暂未安排")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Willing(models.TextChoices):
        FRONT_LINE = "front_line", _("一线救治")
        WARD = "ward", _("隔离病区")
        SCREENING = "screening", _("发热筛查")
        OUTBOUND = "outbound", _("外派支援")
        LOGISTICS = "logistics", _("后勤保障")
        ANY = "any", _("服从安排")

    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="pledges"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="pledges"
    )
    written_on = models.DateField(_("日期"))
    text = models.TextField(_("请战书"))
    willing = models.CharField(_("意向岗位"), max_length=12, choices=Willing.choices, default=Willing.ANY)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("编入队伍"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)

    scope_spec = ScopeSpec(org_path="member__branch__path", owner="member__user", owner_always=True, area="pledges")

    class Meta:
        verbose_name = _("请战书")
        verbose_name_plural = _("请战书")
        ordering = ["-written_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["emergency", "member"],
                condition=~models.Q(status="withdrawn"),
                name="pledge_once_per_emergency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.emergency}"

    def audit_org_path(self) -> str:
        return self.member.branch.path


class DutyShift(VoidableModel, TimeStampedModel):
    """One member's duty on a closed ward or an on-site post, with the transport that takes them
    there (issue 13 §6: "closed-ward and on-site duty rosters with transport")."""

    class Site(models.TextChoices):
        WARD = "ward", _("隔离病区")
        ONSITE = "onsite", _("现场点位")
        CHECKPOINT = "checkpoint", _("卡口")
        OTHER = "other", _("其他")

    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="shifts"
    )
    site_kind = models.CharField(_("岗位类型"), max_length=10, choices=Site.choices, default=Site.WARD)
    site = models.CharField(_("岗位/点位"), max_length=60)
    member = models.ForeignKey("members.Member", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("队伍"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    vehicle = models.CharField(_("车辆"), max_length=30, blank=True)
    pickup_place = models.CharField(_("接送地点"), max_length=60, blank=True)
    pickup_at = models.DateTimeField(_("接送时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_spec = ScopeSpec(
        org_path="emergency__org__path",
        area="emergencies",
        org_ancestors_view=True,
        owner="member__user",
        owner_always=True,
        owner_actions=("view",),
    )

    class Meta:
        verbose_name = _("应急排班")
        verbose_name_plural = _("应急排班")
        ordering = ["starts_at", "site", "id"]
        indexes = [models.Index(fields=["emergency", "starts_at"], name="duty_emergency_start")]

    def __str__(self) -> str:
        return f"{self.site} · {self.member} · {self.starts_at:%m-%d %H:%M}"

    def audit_org_path(self) -> str:
        return self.emergency.org.path


class FrontLineApplication(TimeStampedModel):
    """An application to join the party made during the emergency (issue 13 §6): the 申请 step of
    the membership pipeline (members.PartyStep) marked as coming from this front line."""

    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="applications"
    )
    member = models.ForeignKey("members.Member", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    step = models.OneToOneField(
        "members.PartyStep", verbose_name=_("入党申请"), on_delete=models.PROTECT, related_name="front_line"
    )
    letter = models.TextField(_("火线入党申请书"), blank=True)

    scope_spec = ScopeSpec(org_path="member__branch__path", area="members")

    class Meta:
        verbose_name = _("火线入党申请")
        verbose_name_plural = _("火线入党申请")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["emergency", "member"], name="front_line_application_once")]

    def __str__(self) -> str:
        return f"{self.member} · {self.emergency}"

    def audit_org_path(self) -> str:
        return self.member.branch.path


class DailyReport(VoidableModel, TimeStampedModel):
    """The day's situation report: cumulative counts as of the end of ``day`` ({field code: n});
    a day's new cases are the difference from the previous report. Counts never decrease."""

    emergency = models.ForeignKey(
        Emergency, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="daily_reports"
    )
    day = models.DateField(_("日期"))
    counts = models.JSONField(_("累计数"), default=dict)
    note = models.TextField(_("情况说明"), blank=True)

    scope_spec = _emergency_scope()

    class Meta:
        verbose_name = _("每日疫情报告")
        verbose_name_plural = _("每日疫情报告")
        ordering = ["emergency_id", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["emergency", "day"],
                condition=models.Q(voided_at__isnull=True),
                name="daily_report_once_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.emergency} {self.day:%Y-%m-%d}"

    def audit_org_path(self) -> str:
        return self.emergency.org.path

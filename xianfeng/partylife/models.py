"""A branch's own life (issue 13 §1–5): 三会一课 and the other meetings with attendance, the
compliance rules they answer to, study pushed to members, party dues, party-building funds,
honours and outputs.

Meetings, payments and expenses are facts: voided with a reason, never deleted. Each row carries
its organization, so a grant over a branch (or a committee's subtree) reaches it with one
indexed predicate. A member's own dues and study are theirs alone (accounts.roles.OWN_ONLY).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import TimeStampedModel, VoidableModel
from xianfeng.core.scoping import ScopeSpec


class MeetingKind(models.TextChoices):
    BRANCH_ASSEMBLY = "assembly", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    ORG_LIFE = "org_life", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议党员")
    TALK = "talk", _("谈心谈话")


# 《中国共产党支部工作条例（试行）》第十五条 and 《中国共产党党员权利保障条例》: a branch assembly
# (and the appraisal held at one) may proceed only when more than half of the members entitled to
# vote are present; a branch committee likewise needs more than half of its members.
QUORUM_KINDS = frozenset({MeetingKind.BRANCH_ASSEMBLY, MeetingKind.COMMITTEE, MeetingKind.APPRAISAL})


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF_YEAR = "half_year", _("每半年")
    YEAR = "year", _("每年")


class Meeting(VoidableModel, TimeStampedModel):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices)
    title = models.CharField(_("主题"), max_length=100)
    held_on = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    host = models.ForeignKey(
        "members.Member", verbose_name=_("主持人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorder = models.ForeignKey(
        "members.Member", verbose_name=_("记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topics = models.TextField(_("议题"), blank=True)
    resolutions = models.TextField(_("决议"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    # How many were expected (those entitled to attend, or to vote where a quorum applies) and
    # how many came: kept on the row from the attendance so lists and the calendar need no join.
    expected_count = models.PositiveIntegerField(_("应到人数"), default=0)
    present_count = models.PositiveIntegerField(_("实到人数"), default=0)
    is_valid = models.BooleanField(
        _("会议有效"), default=True, help_text=_("需要过半数到会的会议，未达到法定人数时不能标为有效")
    )
    invalid_note = models.CharField(_("无效说明"), max_length=200, blank=True)
    # A 主题党日 that was also a volunteer day counts in both places (issue 13 §1).
    activity = models.OneToOneField(
        "servicelog.Activity",
        verbose_name=_("关联服务活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_meeting",
    )
    idempotency_key = models.CharField(_("客户端编号"), max_length=64, blank=True, editable=False)

    scope_spec = ScopeSpec(org_path="org__path", area="partylife")

    class Meta:
        verbose_name = _("组织生活会议")
        verbose_name_plural = _("三会一课")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org", "kind", "held_on"], name="meeting_org_kind_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="meeting_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}（{self.held_on:%Y-%m-%d}）"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""

    @property
    def attendance_rate(self) -> float | None:
        return self.present_count / self.expected_count if self.expected_count else None

    @property
    def needs_quorum(self) -> bool:
        return self.kind in QUORUM_KINDS

    @property
    def has_quorum(self) -> bool:
        """More than half of those expected are present (an empty roll never has a quorum)."""
        return self.expected_count > 0 and self.present_count * 2 > self.expected_count


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("出席情况"), max_length=8, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("缺席原因"), max_length=100, blank=True)
    # Counted in the quorum (正式党员 have the vote; 预备党员 attend without it).
    voting = models.BooleanField(_("有表决权"), default=True)

    scope_spec = ScopeSpec(org_path="meeting__org__path", area="partylife")

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        ordering = ["meeting_id", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"

    def audit_org_path(self) -> str:
        return self.meeting.org.path


class MeetingFile(models.Model):
    """An attachment of a meeting's minutes (a scan, a photo), stored encrypted like ActivityFile and
    served only to users who may see the meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to="partylife/minutes/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(org_path="meeting__org__path", area="partylife")

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return self.caption or self.original_name

    def audit_org_path(self) -> str:
        return self.meeting.org.path


class ComplianceRule(TimeStampedModel):
    """A local rule that replaces the national default for one kind of meeting (issue 13 §1:
    "rules configurable for local variations"): for the organization and everything below it,
    from a date. The national defaults live in code (partylife/compliance.py)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("适用组织"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_("至少次数"), default=1, help_text=_("0 表示不作要求"))
    start_on = models.DateField(_("起始日期"))
    end_on = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(_("依据"), max_length=200, blank=True)

    scope_spec = ScopeSpec(org_path="org__path", area="partylife", org_ancestors_view=True)

    class Meta:
        verbose_name = _("组织生活规则")
        verbose_name_plural = _("组织生活规则")
        ordering = ["org_id", "kind", "-start_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()} ≥{self.min_count}"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class StudyItem(VoidableModel, TimeStampedModel):
    class Kind(models.TextChoices):
        LESSON = "lesson", _("微课堂")
        DOCUMENT = "document", _("文件精神")
        VIDEO = "video", _("视频")
        BOOK = "book", _("书目")

    # Pushed to every member of this organization and the ones below it.
    org = models.ForeignKey("orgs.Organization", verbose_name=_("推送组织"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.LESSON)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    link = models.URLField(_("链接"), blank=True)
    published_on = models.DateField(_("推送日期"))
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("1.0"))

    scope_spec = ScopeSpec(org_path="org__path", area="partylife", org_ancestors_view=True)

    class Meta:
        verbose_name = _("学习内容")
        verbose_name_plural = _("学习内容")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["org", "published_on"], name="study_org_day")]

    def __str__(self) -> str:
        return self.title

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class StudyCompletion(models.Model):
    item = models.ForeignKey(
        StudyItem, verbose_name=_("学习内容"), on_delete=models.PROTECT, related_name="completions"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="study_completions"
    )
    completed_on = models.DateField(_("完成日期"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    note = models.CharField(_("心得"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_spec = ScopeSpec(org_path="member__branch__path", owner="member__user", owner_always=True, area="study")

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        ordering = ["-completed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="study_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.item}"

    def audit_org_path(self) -> str:
        return self.member.branch.path


class DuesCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业/低保")


class DuesRate(TimeStampedModel):
    """A member's monthly dues from a month on: the bracket's base and rate, and the amount
    (partylife/dues.py holds the national brackets and checks the amount against them)."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_rates"
    )
    start_month = models.DateField(_("起始月份"), help_text=_("该月 1 日"))
    category = models.CharField(_("交纳类别"), max_length=12, choices=DuesCategory.choices)
    monthly_base = models.DecimalField(
        _("交纳基数（元/月）"), max_digits=9, decimal_places=2, default=Decimal("0"), help_text=_("税后月工资收入")
    )
    rate = models.DecimalField(_("比例"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("月交纳额（元）"), max_digits=8, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("自愿多交等情况"))

    # A member reads their own dues; only the branch records and corrects them.
    scope_spec = ScopeSpec(
        org_path="member__branch__path", owner="member__user", owner_always=True, owner_actions=("view",), area="dues"
    )

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["member_id", "-start_month"]
        constraints = [models.UniqueConstraint(fields=["member", "start_month"], name="dues_rate_once_per_month")]

    def __str__(self) -> str:
        return f"{self.member} {self.start_month:%Y-%m} ¥{self.amount}"

    def audit_org_path(self) -> str:
        return self.member.branch.path


class DuesPayment(VoidableModel):
    class Method(models.TextChoices):
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("转账")
        PAYROLL = "payroll", _("工资代扣")
        ONLINE = "online", _("线上交纳")

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField(_("所属月份"), help_text=_("该月 1 日"))
    amount = models.DecimalField(_("金额（元）"), max_digits=8, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"))
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices, default=Method.TRANSFER)
    receipt_no = models.CharField(_("收据号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A member reads their own dues; only the branch records and corrects them.
    scope_spec = ScopeSpec(
        org_path="member__branch__path", owner="member__user", owner_always=True, owner_actions=("view",), area="dues"
    )

    class Meta:
        verbose_name = _("党费交纳")
        verbose_name_plural = _("党费交纳")
        ordering = ["-month", "member_id"]
        indexes = [models.Index(fields=["member", "month"], name="dues_member_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"], condition=models.Q(voided_at__isnull=True), name="dues_paid_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m} ¥{self.amount}"

    def audit_org_path(self) -> str:
        return self.member.branch.path


class FundBudget(TimeStampedModel):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_spec = ScopeSpec(org_path="org__path", area="funds")

    class Meta:
        verbose_name = _("党建经费预算")
        verbose_name_plural = _("党建经费预算")
        ordering = ["-year", "org_id"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="fund_budget_once_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year} ¥{self.amount}"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class ExpenseCategory(models.TextChoices):
    STUDY = "study", _("学习教育")
    ACTIVITY = "activity", _("组织活动")
    CARE = "care", _("慰问帮扶")
    AWARDS = "awards", _("表彰奖励")
    PUBLICITY = "publicity", _("宣传阵地")
    TRAINING = "training", _("培训")
    OTHER = "other", _("其他")


class FundExpense(VoidableModel, TimeStampedModel):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    spent_on = models.DateField(_("支出日期"))
    category = models.CharField(_("类别"), max_length=10, choices=ExpenseCategory.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("用途"), max_length=200)
    receipt_no = models.CharField(_("票据号"), max_length=40, blank=True)
    receipt = models.FileField(_("票据扫描件"), upload_to="partylife/receipts/%Y/", max_length=200, blank=True)
    receipt_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    # Spending beyond the year's budget is allowed (a bill must be paid) but flagged (issue 13).
    over_budget = models.BooleanField(_("超出预算"), default=False, editable=False)

    scope_spec = ScopeSpec(org_path="org__path", area="funds")

    class Meta:
        verbose_name = _("党建经费支出")
        verbose_name_plural = _("党建经费支出")
        ordering = ["-spent_on", "-id"]
        indexes = [models.Index(fields=["org", "spent_on"], name="fund_expense_org_day")]

    def __str__(self) -> str:
        return f"{self.description} ¥{self.amount}"

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    INSTITUTION = "institution", _("院级")


class Honour(VoidableModel, TimeStampedModel):
    """An honour to an organization or to a member (one of the two), kept by ``org`` (the
    recipient organization, or the member's branch) for scope."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("获奖人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="honours",
    )
    title = models.CharField(_("荣誉称号"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=HonourLevel.choices)
    issuer = models.CharField(_("授予单位"), max_length=100)
    awarded_on = models.DateField(_("授予日期"))
    certificate = models.FileField(_("证书扫描件"), upload_to="partylife/honours/%Y/", max_length=200, blank=True)
    certificate_name = models.CharField(_("原文件名"), max_length=200, blank=True)

    scope_spec = ScopeSpec(org_path="org__path", area="partylife")

    class Meta:
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""

    @property
    def recipient(self) -> str:
        return str(self.member) if self.member_id else str(self.org)


class Output(VoidableModel, TimeStampedModel):
    class Kind(models.TextChoices):
        MAGAZINE = "magazine", _("院刊期号")
        ARTICLE = "article", _("文章")
        PUSH = "push", _("公众号推送")
        VIDEO = "video", _("视频")
        OTHER = "other", _("其他")

    org = models.ForeignKey("orgs.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=150)
    issue_no = models.CharField(_("期号"), max_length=20, blank=True)
    published_on = models.DateField(_("发布日期"))
    link = models.URLField(_("链接"), blank=True)

    scope_spec = ScopeSpec(org_path="org__path", area="partylife")

    class Meta:
        verbose_name = _("党建成果")
        verbose_name_plural = _("党建成果")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id else ""
